// HTTP API test: starts `regio serve` on a temporary copy of a small store
// (Colorado's counties, the sample accounts and reps, planning model `base`
// with 5 territories) and exercises every endpoint of docs/API.md, checking
// status codes, error codes and the figures in the bodies. Tests run in
// order and share the server; each prints ok/FAIL, then "N passed, N failed".
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  test, run, tempDir, removeDir, buildSmallStore, startServer, http, rawRequest, waitJob as waitJobAt,
  testStore, storeWrite, BIN,
} from './harness.mjs';

const MAX_BODY = 1024;
const dir = tempDir('regio-api-');
const db = testStore(dir, 'api');
let srv = null;       // the server handle
let A = '';           // base URL of the API (http://127.0.0.1:PORT/api/v1)
const M = 'base';     // the planning model of the store

// Facts gathered along the way.
let units = [];       // [{id, name, lat, lon, measures}]
const unitById = {};
let measures = [];
let terrIds = [];
let alignment0 = null; // alignment of base before any edit

const enc = encodeURIComponent;
const get = (p, o) => http(A + p, o);
const post = (p, body, o = {}) => http(A + p, { method: 'POST', body, ...o });

function near(actual, expected, what, tol = 1e-6) {
  const ok = Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
  assert.ok(ok, `${what}: ${actual} != ${expected}`);
}

function assertError(r, status, code, what = '') {
  assert.equal(r.status, status, `${what} status (body ${r.text.slice(0, 300)})`);
  assert.ok(r.json && r.json.error, `${what} error body: ${r.text.slice(0, 300)}`);
  if (Array.isArray(code)) assert.ok(code.includes(r.json.error.code), `${what} code ${r.json.error.code} not in ${code}`);
  else assert.equal(r.json.error.code, code, `${what} error code`);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 0, 'error message is empty');
}

async function alignmentOf(model) {
  const r = await get(`/models/${enc(model)}/alignment`);
  assert.equal(r.status, 200, `alignment of ${model}: ${r.text.slice(0, 300)}`);
  return r.json;
}

async function territoriesOf(model, q = '') {
  const r = await get(`/models/${enc(model)}/territories${q}`);
  assert.equal(r.status, 200, `territories of ${model}: ${r.text.slice(0, 300)}`);
  return r.json;
}

// ---- setup -----------------------------------------------------------------

test('setup: build the small store and start the server', async () => {
  buildSmallStore(db);
  srv = await startServer(db, ['--max-body', String(MAX_BODY)]);
  A = srv.base;
  assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
});

// ---- monitoring ------------------------------------------------------------

test('GET /health answers 200 {"status":"ok"} as JSON', async () => {
  const r = await get('/health');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') || '', /^application\/json/);
  assert.deepEqual(r.json, { status: 'ok' });
});

test('GET /config: version, default model, measures, tile_url', async () => {
  const r = await get('/config');
  assert.equal(r.status, 200);
  assert.equal(typeof r.json.version, 'string');
  assert.ok(r.json.version.length > 0);
  assert.equal(r.json.default_model, M, 'the only model (planning) is the default');
  assert.ok(Array.isArray(r.json.measures));
  for (const m of ['accounts', 'revenue', 'potential']) assert.ok(r.json.measures.includes(m), `measure ${m}`);
  assert.equal(r.json.tile_url, null);
  measures = r.json.measures;
});

// ---- units, accounts, reps (read-only facts used later) --------------------

test('GET /units: every unit, default paging, fields', async () => {
  const r = await get('/units?limit=5000');
  assert.equal(r.status, 200);
  assert.equal(r.json.offset, 0);
  assert.equal(r.json.limit, 5000);
  assert.equal(r.json.total, 64, 'Colorado has 64 counties');
  assert.equal(r.json.units.length, 64);
  units = r.json.units;
  for (const u of units) {
    assert.match(u.id, /^08\d{3}$/);
    assert.equal(typeof u.name, 'string');
    assert.ok(u.lat > 36.9 && u.lat < 41.1 && u.lon > -109.1 && u.lon < -102, `${u.id} lies in Colorado`);
    for (const m of measures) assert.equal(typeof u.measures[m], 'number', `${u.id}.measures.${m}`);
    unitById[u.id] = u;
  }
  assert.equal(new Set(units.map(u => u.id)).size, 64, 'unit ids are unique');
  const d = await get('/units');
  assert.equal(d.status, 200);
  assert.equal(d.json.limit, 100, 'default limit');
  assert.equal(d.json.units.length, 64);
});

test('GET /units paging: limit/offset slice the same order; bad values are 400', async () => {
  const r = await get('/units?limit=10&offset=5');
  assert.equal(r.status, 200);
  assert.equal(r.json.total, 64);
  assert.equal(r.json.limit, 10);
  assert.equal(r.json.offset, 5);
  assert.deepEqual(r.json.units.map(u => u.id), units.slice(5, 15).map(u => u.id));
  const end = await get('/units?limit=10&offset=60');
  assert.deepEqual(end.json.units.map(u => u.id), units.slice(60).map(u => u.id));
  const past = await get('/units?offset=1000');
  assert.equal(past.status, 200);
  assert.equal(past.json.units.length, 0);
  assert.equal(past.json.total, 64);
  assertError(await get('/units?limit=abc'), 400, 'bad_request', 'limit=abc');
  assertError(await get('/units?offset=-3'), 400, 'bad_request', 'offset=-3');
  assertError(await get('/units?limit=5001'), 400, 'bad_request', 'limit over 5000');
});

test('GET /units?bbox= returns exactly the units inside; bad bbox is 400', async () => {
  const [w, s, e, n] = [-105.3, 39.5, -104.6, 40.1]; // the Denver area
  const r = await get(`/units?bbox=${w},${s},${e},${n}`);
  assert.equal(r.status, 200);
  const expected = units.filter(u => u.lon >= w && u.lon <= e && u.lat >= s && u.lat <= n).map(u => u.id).sort();
  assert.ok(expected.length > 0 && expected.length < 64);
  assert.deepEqual(r.json.units.map(u => u.id).sort(), expected);
  assert.equal(r.json.total, expected.length);
  assertError(await get('/units?bbox=1,2,3'), 400, 'bad_request', 'bbox with 3 numbers');
  assertError(await get('/units?bbox=a,b,c,d'), 400, 'bad_request', 'bbox not numbers');
});

test('GET /units?q= matches id or name, case-insensitive', async () => {
  const r = await get('/units?q=DENVER');
  assert.equal(r.status, 200);
  assert.ok(r.json.units.some(u => u.id === '08031'), 'Denver County (08031)');
  for (const u of r.json.units) assert.match(u.name + ' ' + u.id, /denver/i);
  const byId = await get('/units?q=08031');
  assert.deepEqual(byId.json.units.map(u => u.id), ['08031']);
  const none = await get('/units?q=no-such-county-xyz');
  assert.equal(none.json.total, 0);
});

test('GET /units/{id}: one unit with its territory per model; unknown is 404', async () => {
  const r = await get('/units/08031');
  assert.equal(r.status, 200);
  assert.equal(r.json.id, '08031');
  assert.equal(r.json.name, 'Denver');
  assert.deepEqual(r.json.measures, unitById['08031'].measures);
  assert.equal(typeof r.json.territories, 'object');
  const al = await alignmentOf(M);
  assert.equal(r.json.territories[M], al.units['08031']);
  assertError(await get('/units/99999'), 404, 'not_found', 'unknown unit');
});

test('GET /units.geojson: one feature per unit with id, name and a geometry', async () => {
  const r = await get('/units.geojson');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') || '', /^application\/geo\+json/);
  assert.equal(r.json.type, 'FeatureCollection');
  assert.equal(r.json.features.length, 64);
  const ids = new Set();
  for (const f of r.json.features) {
    assert.equal(f.type, 'Feature');
    assert.ok(unitById[f.properties.id], `feature id ${f.properties.id} is a unit`);
    assert.equal(f.properties.name, unitById[f.properties.id].name);
    assert.ok(f.geometry && ['Polygon', 'MultiPolygon'].includes(f.geometry.type), `${f.properties.id} geometry`);
    ids.add(f.properties.id);
  }
  assert.equal(ids.size, 64);
});

test('GET /units.geojson?bbox= keeps only the units in the box', async () => {
  const b = await get('/units.geojson?bbox=-105.3,39.5,-104.6,40.1');
  assert.equal(b.status, 200);
  assert.ok(b.json.features.length > 0 && b.json.features.length < 64, `bbox keeps ${b.json.features.length} of 64`);
});

let accountsAll = [];
test('GET /accounts: paging, unit filter agrees with the accounts measure, bbox and q', async () => {
  const all = await get('/accounts?limit=5000');
  assert.equal(all.status, 200);
  assert.equal(all.json.total, 4000, 'data/sample/accounts.csv has 4000 rows');
  assert.equal(all.json.accounts.length, 4000);
  accountsAll = all.json.accounts;
  for (const k of ['id', 'name', 'city', 'region', 'postal_code', 'lat', 'lon', 'unit', 'annual_revenue', 'potential', 'owner'])
    assert.ok(k in accountsAll[0], `account field ${k}`);
  const page = await get('/accounts?limit=7&offset=3');
  assert.equal(page.json.total, 4000);
  assert.deepEqual(page.json.accounts.map(a => a.id), accountsAll.slice(3, 10).map(a => a.id));
  const inCo = accountsAll.filter(a => a.unit && unitById[a.unit]);
  const totalMeasure = units.reduce((s, u) => s + u.measures.accounts, 0);
  assert.equal(inCo.length, totalMeasure, 'accounts with a Colorado unit = sum of the accounts measure');
  const den = await get('/accounts?unit=08031&limit=5000');
  assert.equal(den.status, 200);
  assert.equal(den.json.total, unitById['08031'].measures.accounts, 'accounts of Denver = its accounts measure');
  assert.ok(den.json.accounts.every(a => a.unit === '08031'));
  const [w, s, e, n] = [-105.3, 39.5, -104.6, 40.1];
  const bb = await get(`/accounts?bbox=${w},${s},${e},${n}&limit=5000`);
  const exp = accountsAll.filter(a => a.lat != null && a.lon >= w && a.lon <= e && a.lat >= s && a.lat <= n).length;
  assert.equal(bb.json.total, exp, 'bbox total');
  assert.ok(bb.json.accounts.every(a => a.lon >= w && a.lon <= e && a.lat >= s && a.lat <= n));
  const pick = accountsAll[0];
  const q = await get(`/accounts?q=${enc(pick.id.toLowerCase())}`);
  assert.ok(q.json.accounts.some(a => a.id === pick.id), `q=${pick.id.toLowerCase()} finds ${pick.id}`);
  assertError(await get('/accounts?limit=x'), 400, 'bad_request', 'accounts limit=x');
});

test('GET /reps: the 25 sample reps with their fields', async () => {
  const r = await get('/reps');
  assert.equal(r.status, 200);
  assert.equal(r.json.reps.length, 25);
  const den = r.json.reps.find(x => x.id === 'REP-10');
  assert.ok(den, 'REP-10');
  assert.equal(den.city, 'Denver');
  assert.equal(den.region, 'CO');
  near(den.lat, 39.74796, 'REP-10 lat');
  near(den.lon, -104.99905, 'REP-10 lon');
  assert.equal(den.capacity, 160);
  assert.equal(typeof den.name, 'string');
});

// ---- models, territories ---------------------------------------------------

test('GET /models lists base (planning, 5 territories, every unit aligned) as default', async () => {
  const r = await get('/models');
  assert.equal(r.status, 200);
  assert.equal(r.json.default, M);
  const base = r.json.models.find(m => m.name === M);
  assert.ok(base, 'base listed');
  for (const k of ['name', 'state', 'effective_from', 'created_at', 'parent', 'description', 'revision'])
    assert.ok(k in base, `model field ${k}`);
  assert.equal(base.state, 'planning');
  assert.ok(Number.isInteger(base.revision));
});

test('a model object counts its territories and aligned units ("territories", "units_aligned")', async () => {
  const r = await get('/models');
  const base = r.json.models.find(m => m.name === M);
  assert.equal(base.territories, 5, `models list: base.territories (object: ${JSON.stringify(base)})`);
  assert.equal(base.units_aligned, 64, 'models list: base.units_aligned');
  const g = await get(`/models/${M}`);
  assert.equal(g.json.territories, 5, 'GET model: territories');
  assert.equal(g.json.units_aligned, 64, 'GET model: units_aligned');
});

test('GET /models/{model}: base; unknown is 404', async () => {
  const r = await get(`/models/${M}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.name, M);
  assert.equal(r.json.state, 'planning');
  assertError(await get('/models/no-such-model'), 404, 'not_found', 'unknown model');
});

test('GET /alignment: every unit once, in one of the territories; nothing locked', async () => {
  const al = await alignmentOf(M);
  const m = await get(`/models/${M}`);
  assert.equal(al.revision, m.json.revision, 'alignment revision = model revision');
  assert.deepEqual(Object.keys(al.units).sort(), units.map(u => u.id).sort());
  terrIds = [...new Set(Object.values(al.units))].sort();
  assert.equal(terrIds.length, 5);
  assert.deepEqual(al.locked, []);
  alignment0 = al;
  assertError(await get('/models/no-such-model/alignment'), 404, 'not_found');
});

function checkTerritories(tj, al) {
  assert.equal(tj.territories.length, 5);
  assert.deepEqual(tj.territories.map(t => t.id).sort(), terrIds);
  // Every unit counted once.
  assert.equal(tj.territories.reduce((s, t) => s + t.units, 0), 64, 'sum of units');
  assert.equal(tj.summary.units, 64);
  for (const t of tj.territories) {
    const mine = Object.keys(al.units).filter(u => al.units[u] === t.id);
    assert.equal(t.units, mine.length, `${t.id}.units`);
    for (const m of measures) {
      const sum = mine.reduce((s, u) => s + unitById[u].measures[m], 0);
      near(t.totals[m], sum, `${t.id}.totals.${m} = sum over its units`);
    }
  }
  for (const m of measures) {
    const grand = units.reduce((s, u) => s + u.measures[m], 0);
    near(tj.territories.reduce((s, t) => s + t.totals[m], 0), grand, `totals of ${m} sum to the measure's total`);
    let worst = 0;
    for (const t of tj.territories) {
      near(t.target[m], grand / 5, `${t.id}.target.${m} = total / k`);
      near(t.dev[m], (t.totals[m] - t.target[m]) / t.target[m], `${t.id}.dev.${m}`);
      worst = Math.max(worst, Math.abs(t.dev[m]));
    }
    near(tj.summary.balance[m], worst, `summary.balance.${m} = max |dev|`);
  }
  for (const t of tj.territories) {
    assert.equal(typeof t.travel_km, 'number');
    assert.equal(typeof t.contiguous, 'boolean');
    assert.ok(Number.isInteger(t.components) && t.components >= 1);
    assert.equal(t.contiguous, t.components === 1, `${t.id}: contiguous iff one component`);
    assert.equal(t.locked_units, al.locked.filter(u => al.units[u] === t.id).length, `${t.id}.locked_units`);
  }
}

test('GET /territories: figures (units once, totals, target, dev, balance)', async () => {
  const tj = await territoriesOf(M);
  assert.equal(tj.model, M);
  assert.equal(tj.revision, alignment0.revision);
  assert.deepEqual(tj.balance_measures, ['accounts']);
  assert.ok(measures.every(m => tj.measures.includes(m)));
  assert.ok(tj.summary.balance.accounts <= 0.05 + 1e-9, `the design is balanced within 5% (${tj.summary.balance.accounts})`);
  checkTerritories(tj, alignment0);
});

test('GET /territories?balance=accounts,revenue; unknown measure is 400; unknown model 404', async () => {
  const tj = await territoriesOf(M, '?balance=accounts,revenue');
  assert.deepEqual(tj.balance_measures, ['accounts', 'revenue']);
  assertError(await get(`/models/${M}/territories?balance=nope`), 400, 'bad_request', 'balance=nope');
  assertError(await get('/models/no-such-model/territories'), 404, 'not_found');
});

function checkFeatureCollection(r, tj, what) {
  assert.equal(r.status, 200, `${what}: ${r.text.slice(0, 200)}`);
  assert.match(r.headers.get('content-type') || '', /^application\/geo\+json/, `${what} content type`);
  assert.equal(r.json.type, 'FeatureCollection');
  assert.equal(r.json.features.length, tj.territories.length, `${what}: one feature per territory`);
  const byId = Object.fromEntries(tj.territories.map(t => [t.id, t]));
  const seen = new Set();
  for (const f of r.json.features) {
    const id = f.id ?? f.properties.id;
    assert.ok(byId[id], `${what}: feature ${id} is a territory`);
    seen.add(id);
    assert.ok(f.geometry, `${what}: ${id} has a geometry`);
    assert.ok(['Polygon', 'MultiPolygon'].includes(f.geometry.type), `${what}: ${id} geometry type ${f.geometry.type}`);
    assert.ok(f.geometry.coordinates.length > 0);
    near(f.properties.totals.accounts, byId[id].totals.accounts, `${what}: ${id} properties.totals.accounts`);
  }
  assert.equal(seen.size, tj.territories.length);
}

test('GET /models/{m}/territories.geojson: one feature per territory, non-null geometry, metrics', async () => {
  const tj = await territoriesOf(M);
  checkFeatureCollection(await get(`/models/${M}/territories.geojson`), tj, 'model geojson');
  assertError(await get('/models/no-such-model/territories.geojson'), 404, 'not_found');
});

test('GET /territories.geojson: the default model\'s (base) collection', async () => {
  const tj = await territoriesOf(M);
  const r = await get('/territories.geojson');
  checkFeatureCollection(r, tj, 'default geojson');
  const m = await get(`/models/${M}/territories.geojson`);
  assert.deepEqual(r.json.features.map(f => f.properties), m.json.features.map(f => f.properties));
});

// ---- scenario life cycle ---------------------------------------------------

test('POST /models/{m}/clone: 201 planning copy with the same alignment (the pre-edit snapshot)', async () => {
  const r = await post(`/models/${M}/clone`, { name: 'base-before', description: 'before the edits' });
  assert.equal(r.status, 201, r.text.slice(0, 300));
  assert.equal(r.json.name, 'base-before');
  assert.equal(r.json.state, 'planning');
  assert.equal(r.json.parent, M);
  assert.equal(r.json.description, 'before the edits');
  const al = await alignmentOf('base-before');
  assert.deepEqual(al.units, alignment0.units);
  const g = await get('/models/base-before');
  assert.equal(g.status, 200);
});

test('hierarchy: parents written by another process (sqlite3, psql) show up, leaves stay the territories', async () => {
  const c = await post(`/models/${M}/clone`, { name: 'base-regions' });
  assert.equal(c.status, 201, c.text.slice(0, 300));
  const before = await territoriesOf('base-regions');
  const leaves = before.territories.map(t => t.id);
  assert.ok(leaves.length >= 2);
  // A region over the first two leaves, written behind the server's back:
  // the server notices the store changed and reloads.
  const sql = `INSERT INTO territories(model_id, ext_id, name)
      SELECT id, 'R1', 'Region one' FROM territory_models WHERE name = 'base-regions';
    UPDATE territories SET parent_id = (SELECT t.id FROM territories t JOIN territory_models m ON m.id = t.model_id
        WHERE m.name = 'base-regions' AND t.ext_id = 'R1')
      WHERE ext_id IN ('${leaves[0]}', '${leaves[1]}')
        AND model_id = (SELECT id FROM territory_models WHERE name = 'base-regions');`;
  storeWrite(db, sql);
  const after = await territoriesOf('base-regions');
  assert.deepEqual(after.territories.map(t => t.id), leaves, 'the parent is not a territory of its own');
  const h = Object.fromEntries(after.hierarchy.map(x => [x.id, x]));
  assert.equal(h.R1?.name, 'Region one');
  assert.equal(h.R1?.parent, null);
  assert.equal(h[leaves[0]].parent, 'R1');
  assert.equal(h[leaves[1]].parent, 'R1');
  assert.equal(after.territories.find(t => t.id === leaves[0]).parent, 'R1');
  assert.equal(after.summary.empty, 0, 'no empty territory from the parent');
  assert.deepEqual(after.summary.balance, before.summary.balance);
});

test('POST /models/{m}/clone: duplicate name 409 conflict; unknown source 404; no or invalid name 400', async () => {
  assertError(await post(`/models/${M}/clone`, { name: 'base-before' }), 409, 'conflict', 'duplicate clone');
  assertError(await post(`/models/${M}/clone`, { name: M }), 409, 'conflict', 'clone onto the source name');
  assertError(await post('/models/no-such-model/clone', { name: 'x1' }), 404, 'not_found', 'clone of unknown');
  assertError(await post(`/models/${M}/clone`, {}), 400, 'bad_request', 'clone without name');
  const slash = await post(`/models/${M}/clone`, { name: 'a/b' });
  assertError(slash, 400, 'bad_request', 'clone to a name with a slash');
  // The library's text, which `regio model clone` prints too.
  assert.equal(slash.json.error.message, "model name 'a/b' must not contain '/'");
  assertError(await post(`/models/${M}/clone`, '{"name": '), 400, 'invalid_json', 'clone with broken JSON');
});

test('POST /models: 201 empty planning model; with "from" a copy; duplicate 409; bad input 400', async () => {
  const e = await post('/models', { name: 'empty-one', description: 'nothing yet' });
  const f = await post('/models', { name: 'scen-a', from: M });
  assert.equal(e.status, 201, e.text.slice(0, 300));
  assert.equal(e.json.name, 'empty-one');
  assert.equal(e.json.state, 'planning');
  assert.equal(e.json.description, 'nothing yet');
  assert.equal(f.status, 201, f.text.slice(0, 300));
  assert.equal(f.json.state, 'planning');
  assert.deepEqual((await alignmentOf('scen-a')).units, alignment0.units);
  assertError(await post('/models', { name: 'scen-a' }), 409, 'conflict', 'duplicate create');
  assertError(await post('/models', { description: 'no name' }), 400, 'bad_request', 'create without name');
  const unk = await post('/models', { name: 'scen-x', from: 'no-such-model' });
  assert.ok([404, 422].includes(unk.status), `create from unknown model: ${unk.status} ${unk.text.slice(0, 200)}`);
  assertError(await post('/models', '[1,2]'), 400, 'invalid_json', 'create with a JSON array');
  const list = await get('/models');
  assert.ok(['base', 'base-before', 'empty-one', 'scen-a'].every(n => list.json.models.some(m => m.name === n)));
  assert.ok(!list.json.models.some(m => m.name === 'scen-x'), 'failed create left no model');
});

test('created and cloned models count their territories and aligned units', async () => {
  const e = (await get('/models/empty-one')).json, f = (await get('/models/scen-a')).json, c = (await get('/models/base-before')).json;
  assert.equal(e.territories, 0, `empty model: territories (${JSON.stringify(e)})`);
  assert.equal(e.units_aligned, 0, 'empty model: units_aligned');
  assert.equal(f.territories, 5, 'model from base: territories');
  assert.equal(f.units_aligned, 64, 'model from base: units_aligned');
  assert.equal(c.territories, 5, 'clone of base: territories');
  assert.equal(c.units_aligned, 64, 'clone of base: units_aligned');
});

// ---- alignment edits -------------------------------------------------------

let moved = null; // {unit, from, to}
test('POST /moves: moves one unit; alignment, totals (by exactly its measures) and revision follow', async () => {
  const al = await alignmentOf(M);
  const before = await territoriesOf(M);
  const count = {};
  for (const t of Object.values(al.units)) count[t] = (count[t] || 0) + 1;
  // A unit with accounts in a territory of several units.
  const cand = units.filter(u => u.measures.accounts > 0 && count[al.units[u.id]] > 1)
    .sort((a, b) => a.measures.accounts - b.measures.accounts);
  assert.ok(cand.length > 0);
  const u = cand[0];
  const from = al.units[u.id];
  const to = terrIds.find(t => t !== from);
  const r = await post(`/models/${M}/moves`, { revision: al.revision, moves: [{ unit: u.id, to }] });
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.json.revision, al.revision + 1, 'revision + 1');
  assert.deepEqual(r.json.moved, [{ unit: u.id, from, to }]);
  assert.deepEqual(r.json.territories.map(t => t.id).sort(), [from, to].sort(), 'the changed territories');
  const bt = Object.fromEntries(before.territories.map(t => [t.id, t]));
  for (const t of r.json.territories)
    for (const m of measures) {
      const sign = t.id === from ? -1 : 1;
      near(t.totals[m], bt[t.id].totals[m] + sign * u.measures[m], `moves answer ${t.id}.totals.${m}`);
    }
  assert.equal(typeof r.json.summary.balance.accounts, 'number');
  const al2 = await alignmentOf(M);
  assert.equal(al2.revision, al.revision + 1);
  assert.equal(al2.units[u.id], to);
  for (const id of Object.keys(al.units)) if (id !== u.id) assert.equal(al2.units[id], al.units[id], `${id} unchanged`);
  const after = await territoriesOf(M);
  assert.equal(after.revision, al.revision + 1);
  for (const t of after.territories)
    for (const m of measures) {
      const d = t.id === from ? -u.measures[m] : t.id === to ? u.measures[m] : 0;
      near(t.totals[m], bt[t.id].totals[m] + d, `GET territories ${t.id}.totals.${m}`);
    }
  checkTerritories(after, al2);
  near(after.summary.balance.accounts, r.json.summary.balance.accounts, 'summary in the answer = GET summary');
  const m = await get(`/models/${M}`);
  assert.equal(m.json.revision, al.revision + 1, 'model revision');
  // The cached GeoJSON follows the edit.
  const g = await get(`/models/${M}/territories.geojson`);
  checkFeatureCollection(g, after, 'geojson after the move');
  const uj = await get(`/units/${u.id}`);
  assert.equal(uj.json.territories[M], to);
  assert.equal(uj.json.territories['base-before'], from);
  moved = { unit: u.id, from, to };
});

test('POST /moves with a stale revision: 409 stale_revision with the current one; nothing changed', async () => {
  const al = await alignmentOf(M);
  const tBefore = await territoriesOf(M);
  const u = units.find(x => x.id !== moved.unit && x.measures.accounts > 0);
  const to = terrIds.find(t => t !== al.units[u.id]);
  const r = await post(`/models/${M}/moves`, { revision: al.revision - 1, moves: [{ unit: u.id, to }] });
  assertError(r, 409, 'stale_revision', 'stale move');
  assert.equal(r.json.revision, al.revision, 'the body carries the current revision');
  const fut = await post(`/models/${M}/moves`, { revision: al.revision + 5, moves: [{ unit: u.id, to }] });
  assertError(fut, 409, 'stale_revision', 'future revision');
  assert.equal(fut.json.revision, al.revision);
  const al2 = await alignmentOf(M);
  assert.deepEqual(al2, al, 'alignment identical after');
  assert.deepEqual(await territoriesOf(M), tBefore, 'territories identical after');
});

test('POST /moves with malformed JSON: 400 invalid_json; nothing changed', async () => {
  const al = await alignmentOf(M);
  const u = units.find(x => x.id !== moved.unit);
  const to = terrIds.find(t => t !== al.units[u.id]);
  const broken = `{"revision": ${al.revision}, "moves": [{"unit": "${u.id}", "to": "${to}"}`;
  assertError(await post(`/models/${M}/moves`, broken), 400, 'invalid_json', 'truncated JSON');
  assertError(await post(`/models/${M}/moves`, `[{"unit": "${u.id}", "to": "${to}"}]`), 400, 'invalid_json', 'array body');
  assertError(await post(`/models/${M}/moves`, ''), 400, 'invalid_json', 'empty body');
  assertError(await post(`/models/${M}/moves`, `{"revision": ${al.revision}, "revision": ${al.revision}, "moves": [{"unit": "${u.id}", "to": "${to}"}]}`),
    400, 'invalid_json', 'duplicate keys');
  assertError(await post(`/models/${M}/moves`, { moves: [{ unit: u.id, to }] }), 400, 'bad_request', 'no revision');
  assertError(await post(`/models/${M}/moves`, { revision: al.revision, moves: [] }), 400, 'bad_request', 'no moves');
  assertError(await post(`/models/${M}/moves`, { revision: al.revision, moves: [{ unit: u.id }] }), 400, 'bad_request', 'move without to');
  assert.deepEqual(await alignmentOf(M), al, 'alignment identical after');
});

test('POST /moves with an unknown unit or territory: 422 unprocessable; none of the batch applies', async () => {
  const al = await alignmentOf(M);
  const u = units.find(x => x.id !== moved.unit);
  const to = terrIds.find(t => t !== al.units[u.id]);
  assertError(await post(`/models/${M}/moves`, { revision: al.revision, moves: [{ unit: '99999', to }] }),
    422, 'unprocessable', 'unknown unit');
  assertError(await post(`/models/${M}/moves`, { revision: al.revision, moves: [{ unit: u.id, to }, { unit: '99999', to }] }),
    422, 'unprocessable', 'batch with an unknown unit');
  assertError(await post(`/models/${M}/moves`, { revision: al.revision, moves: [{ unit: u.id, to: 'T-NOPE' }] }),
    422, 'unprocessable', 'unknown territory');
  assertError(await post(`/models/${M}/moves`, { revision: al.revision, moves: [{ account: 'ACC-NOPE', to }] }),
    422, 'unprocessable', 'unknown account');
  assert.deepEqual(await alignmentOf(M), al, 'alignment identical after');
  assertError(await post('/models/no-such-model/moves', { revision: 1, moves: [{ unit: u.id, to }] }), 404, 'not_found');
});

const accountMoves = {}; // account id -> territory it was moved to (overrides its unit's)
test('POST /moves of an account: 200, revision + 1, unit alignment unchanged', async () => {
  const al = await alignmentOf(M);
  const acc = accountsAll.find(a => a.unit && unitById[a.unit]);
  const to = terrIds.find(t => t !== al.units[acc.unit]);
  accountMoves[acc.id] = to;
  const r = await post(`/models/${M}/moves`, { revision: al.revision, moves: [{ account: acc.id, to }] });
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.json.revision, al.revision + 1);
  const al2 = await alignmentOf(M);
  assert.equal(al2.revision, al.revision + 1);
  assert.deepEqual(al2.units, al.units);
  assert.equal(al2.accounts[acc.id], to, 'the alignment lists the account move');
  assert.equal((al.accounts || {})[acc.id], undefined, 'and did not before');
  // "to": null removes the override; then it is set again for the plan test.
  const r2 = await post(`/models/${M}/moves`, { revision: al2.revision, moves: [{ account: acc.id, to: null }] });
  assert.equal(r2.status, 200, r2.text.slice(0, 300));
  const al3 = await alignmentOf(M);
  assert.equal(al3.accounts[acc.id], undefined, 'override removed');
  assertError(await post(`/models/${M}/moves`, { revision: al3.revision, moves: [{ unit: acc.unit, to: null }] }),
    400, 'bad_request', 'a unit cannot be unaligned by a move');
  const r3 = await post(`/models/${M}/moves`, { revision: al3.revision, moves: [{ account: acc.id, to }] });
  assert.equal(r3.status, 200, r3.text.slice(0, 300));
});

test('POST /locks: a locked unit cannot move (409 unit_locked); unlock lets it move', async () => {
  const al = await alignmentOf(M);
  const u = units.find(x => x.id !== moved.unit && x.measures.accounts > 0);
  const home = al.units[u.id];
  const to = terrIds.find(t => t !== home);
  const l = await post(`/models/${M}/locks`, { revision: al.revision, units: [u.id], locked: true });
  assert.equal(l.status, 200, l.text.slice(0, 300));
  assert.equal(l.json.revision, al.revision + 1);
  const al2 = await alignmentOf(M);
  assert.deepEqual(al2.locked, [u.id]);
  assert.equal(al2.revision, al.revision + 1);
  const tj = await territoriesOf(M);
  assert.equal(tj.territories.find(t => t.id === home).locked_units, 1);
  assertError(await post(`/models/${M}/moves`, { revision: al2.revision, moves: [{ unit: u.id, to }] }), 409, 'unit_locked', 'move of a locked unit');
  assert.deepEqual(await alignmentOf(M), al2, 'alignment identical after the refused move');
  assertError(await post(`/models/${M}/locks`, { revision: al.revision, units: [u.id], locked: false }), 409, 'stale_revision', 'stale lock');
  assertError(await post(`/models/${M}/locks`, { revision: al2.revision, units: [u.id] }), 400, 'bad_request', 'lock without "locked"');
  assertError(await post(`/models/${M}/locks`, `{"revision": ${al2.revision}, "units": [`), 400, 'invalid_json', 'broken lock body');
  const ul = await post(`/models/${M}/locks`, { revision: al2.revision, units: [u.id], locked: false });
  assert.equal(ul.status, 200);
  assert.equal(ul.json.revision, al2.revision + 1);
  const al3 = await alignmentOf(M);
  assert.deepEqual(al3.locked, []);
  // Move it and back: the unit is free again (two more revisions).
  const m1 = await post(`/models/${M}/moves`, { revision: al3.revision, moves: [{ unit: u.id, to }] });
  assert.equal(m1.status, 200, m1.text.slice(0, 300));
  const m2 = await post(`/models/${M}/moves`, { revision: m1.json.revision, moves: [{ unit: u.id, to: home }] });
  assert.equal(m2.status, 200, m2.text.slice(0, 300));
  assert.equal(m2.json.revision, al3.revision + 2);
  assert.equal((await alignmentOf(M)).units[u.id], home);
});

// ---- compare and exports ---------------------------------------------------

test('GET /compare?a=base-before&b=base lists exactly the moved unit(s)', async () => {
  const a = await alignmentOf('base-before');
  const b = await alignmentOf(M);
  const diff = Object.keys(b.units).filter(u => a.units[u] !== b.units[u]).sort();
  assert.deepEqual(diff, [moved.unit], 'only the first moved unit differs by now');
  const r = await get(`/compare?a=base-before&b=${M}`);
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.json.a, 'base-before');
  assert.equal(r.json.b, M);
  assert.equal(r.json.moved_units, 1);
  near(r.json.moved_share, 1 / 64, 'moved_share');
  assert.equal(r.json.changes.length, 1);
  const c = r.json.changes[0];
  assert.equal(c.unit, moved.unit);
  assert.equal(c.name, unitById[moved.unit].name);
  assert.equal(c.from, moved.from);
  assert.equal(c.to, moved.to);
  for (const m of measures) near(c.measures[m], unitById[moved.unit].measures[m], `change measures.${m}`);
  assert.ok(r.json.summary.a && r.json.summary.b);
  assert.equal(typeof r.json.summary.a.balance.accounts, 'number');
  const same = await get(`/compare?a=${M}&b=${M}`);
  assert.equal(same.json.moved_units, 0);
  assert.deepEqual(same.json.changes, []);
  assertError(await get('/compare?a=base-before&b=no-such-model'), 404, 'not_found', 'compare with unknown');
  assertError(await get('/compare?a=base-before'), 400, 'bad_request', 'compare without b');
});

test('GET /export?format=csv: attachment, one row per unit matching the alignment', async () => {
  const r = await get(`/models/${M}/export?format=csv`);
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.match(r.headers.get('content-type') || '', /^text\/csv/);
  assert.match(r.headers.get('content-disposition') || '', /^attachment;\s*filename="?[^"]+\.csv"?/);
  const lines = r.text.trim().split(/\r?\n/);
  assert.equal(lines[0], 'unit_id,territory');
  assert.equal(lines.length - 1, 64, 'csv rows = units');
  const al = await alignmentOf(M);
  const seen = new Set();
  for (const line of lines.slice(1)) {
    const [u, t] = line.split(',');
    assert.equal(al.units[u], t, `row ${line}`);
    seen.add(u);
  }
  assert.equal(seen.size, 64);
});

test('GET /export?format=geojson and kml: attachments with one feature/placemark per territory, flat properties, the files `regio export territories` writes', async () => {
  const g = await get(`/models/${M}/export?format=geojson`);
  assert.equal(g.status, 200, g.text.slice(0, 300));
  assert.match(g.headers.get('content-disposition') || '', /^attachment;\s*filename="?[^"]+\.(geo)?json"?/);
  assert.equal(g.json.type, 'FeatureCollection');
  assert.equal(g.json.features.length, 5);
  assert.ok(g.json.features.every(f => f.geometry));
  const figures = (await territoriesOf(M)).territories;
  for (const f of g.json.features) {
    const p = f.properties;
    const t = figures.find(x => x.id === p.id);
    assert.ok(t, `feature ${p.id} is a territory`);
    assert.equal(f.id, p.id);
    assert.equal(p.units, t.units);
    for (const k of ['totals', 'target', 'dev']) assert.ok(!(k in p), `no nested ${k}: flat properties`);
    for (const m of measures) {
      assert.equal(typeof p[m], 'number', `${p.id}.${m} is a number`);
      near(p[m], t.totals[m], `${p.id}.${m}`);
      near(p[`${m}_target`], t.target[m], `${p.id}.${m}_target`);
      near(p[`${m}_dev`], t.dev[m], `${p.id}.${m}_dev`);
    }
    assert.equal(typeof p.contiguous, 'boolean');
  }
  const k = await get(`/models/${M}/export?format=kml`);
  assert.equal(k.status, 200, k.text.slice(0, 300));
  assert.match(k.headers.get('content-type') || '', /kml|xml/);
  assert.match(k.headers.get('content-disposition') || '', /^attachment;\s*filename="?[^"]+\.kml"?/);
  assert.match(k.text, /<kml[\s>]/);
  assert.equal((k.text.match(/<Placemark[\s>]/g) || []).length, 5, 'one Placemark per territory');
  for (const t of terrIds) assert.ok(k.text.includes(t), `kml names ${t}`);
  for (const m of measures) assert.ok(k.text.includes(`<Data name="${m}_target">`), `kml has ${m}_target`);
  // The CLI writes the same files (the library's one territory export).
  const cli = fmt => execFileSync(BIN, ['export', 'territories', '--model', M, '--format', fmt,
    '--db', db], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(cli('geojson'), g.text, 'regio export territories --format geojson = the API download');
  assert.equal(cli('kml'), k.text, 'regio export territories --format kml = the API download');
  assertError(await get(`/models/${M}/export?format=xls`), 400, 'bad_request', 'unknown format');
  assertError(await get('/models/no-such-model/export?format=csv'), 404, 'not_found');
});

// ---- plans -------------------------------------------------------------------

test('GET /plan: a call plan of the territory\'s own accounts from the rep\'s home', async () => {
  const al = await alignmentOf(M);
  const den = al.units['08031'];
  const r = await get(`/models/${M}/territories/${enc(den)}/plan?rep=REP-10&days=5&visit_min=20&start=2027-01-04`, { timeoutMs: 60000 });
  assert.equal(r.status, 200, r.text.slice(0, 300));
  const rep = typeof r.json.rep === 'object' && r.json.rep ? r.json.rep.id : r.json.rep;
  assert.equal(rep, 'REP-10');
  assert.equal(r.json.territory, den);
  assert.ok(Array.isArray(r.json.days) && r.json.days.length >= 1 && r.json.days.length <= 5, `days: ${r.json.days?.length}`);
  const terrOf = a => accountMoves[a.id] || al.units[a.unit];
  const accById = Object.fromEntries(accountsAll.map(a => [a.id, a]));
  let visits = 0;
  for (const d of r.json.days) {
    assert.match(d.date, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(d.date >= '2027-01-04', `day ${d.date} on or after start`);
    assert.ok(d.km >= 0 && d.work_min >= 0);
    assert.ok(Array.isArray(d.route));
    if (d.visits.length) {
      // The day's route starts at the rep's home (REP-10, Denver).
      assert.ok(d.route.length >= 2, `${d.date}: a route of ${d.route.length} points`);
      near(d.route[0][0], 39.74796, `${d.date}: route starts at home (lat)`, 1e-3);
      near(d.route[0][1], -104.99905, `${d.date}: route starts at home (lon)`, 1e-3);
    }
    for (const v of d.visits) {
      visits++;
      assert.ok(accById[v.account], `visit of a known account ${v.account}`);
      assert.equal(terrOf(accById[v.account]), den, `visited ${v.account} belongs to ${den}`);
      assert.ok(v.depart > v.arrive || String(v.depart) > String(v.arrive), `${v.account}: depart after arrive`);
    }
  }
  assert.ok(visits > 0, 'some visits');
  assert.ok(r.json.coverage >= 0 && r.json.coverage <= 1, `coverage ${r.json.coverage}`);
  assert.ok(Number.isInteger(r.json.overtime_days) && r.json.overtime_days >= 0);
  assertError(await get(`/models/${M}/territories/T-NOPE/plan?rep=REP-10`), 404, 'not_found', 'plan of unknown territory');
  assertError(await get(`/models/${M}/territories/${enc(den)}/plan?rep=REP-10&days=abc`), 400, 'bad_request', 'days=abc');
  assertError(await get(`/models/${M}/territories/${enc(den)}/plan?rep=REP-10&start=2027-02-30`), 400, 'bad_request', 'bad start date');
});

// ---- jobs ----------------------------------------------------------------------

const waitJob = (id, ms) => waitJobAt(A, id, ms);

test('POST /jobs design: 202 + Location, runs to done, writes the new planning model; base untouched', async () => {
  const before = await alignmentOf(M);
  const r = await post('/jobs', { kind: 'design', model: M, target: 'job-design', k: 4, balance: ['accounts'], tolerance: 0.1, seed: 7, time_limit: 20 });
  assert.equal(r.status, 202, r.text.slice(0, 300));
  assert.ok(r.json.id !== undefined && r.json.id !== null);
  assert.ok(['queued', 'running'].includes(r.json.state), `state ${r.json.state}`);
  assert.equal(typeof r.json.url, 'string');
  assert.ok(r.headers.get('location'), 'Location header');
  assert.ok(r.headers.get('location').endsWith(r.json.url) || r.json.url.endsWith(r.headers.get('location')), 'Location = url');
  assert.match(r.json.url, new RegExp(`/api/v1/jobs/${r.json.id}$`));
  const j = await waitJob(String(r.json.id));
  assert.equal(j.state, 'done', `job ended ${j.state}: ${j.message}`);
  assert.equal(j.kind, 'design');
  assert.equal(j.progress, 1);
  assert.equal(j.result.model, 'job-design');
  assert.ok(j.result.summary);
  const m = await get('/models/job-design');
  assert.equal(m.status, 200);
  assert.equal(m.json.state, 'planning');
  const tj = await territoriesOf('job-design');
  assert.equal(tj.territories.length, 4);
  assert.equal(tj.summary.units, 64);
  assert.equal(Object.keys((await alignmentOf('job-design')).units).length, 64, 'every unit aligned');
  assert.ok(tj.summary.balance.accounts <= 0.1 + 1e-9, `job design balance ${tj.summary.balance.accounts}`);
  // 25 reps for 4 territories: every territory gets a rep, each a different
  // one, as the job's result says; 21 reps stay without a territory.
  const reps = tj.territories.map(t => t.rep);
  assert.ok(reps.every(x => typeof x === 'string'), `every territory has a rep: ${reps}`);
  assert.equal(new Set(reps).size, 4, 'four different reps');
  assert.equal(j.result.reps.assigned, 4);
  assert.deepEqual(j.result.reps.vacant, []);
  assert.equal(j.result.reps.without_territory.length, 21);
  for (const t of tj.territories) {
    assert.equal(j.result.reps.territories[t.id].rep, t.rep, `${t.id}: the result names the saved rep`);
    assert.ok(j.result.reps.territories[t.id].home_km >= 0);
  }
  assert.ok(j.result.reps.home_km > 0 && j.result.reps.text[0].startsWith('reps: 4 of 4 territories have a rep'),
    JSON.stringify(j.result.reps.text));
  assert.deepEqual(await alignmentOf(M), before, 'the base model is never changed');
  const list = await get('/jobs');
  assert.equal(list.status, 200);
  assert.ok(list.json.jobs.some(x => String(x.id) === String(r.json.id)));
});

test('POST /jobs realign: done, target written, base untouched', async () => {
  const before = await alignmentOf(M);
  const r = await post('/jobs', { kind: 'realign', model: M, target: 'job-realign', balance: ['accounts'], tolerance: 0.05, seed: 3, time_limit: 20, max_moved: 0.2 });
  assert.equal(r.status, 202, r.text.slice(0, 300));
  const j = await waitJob(String(r.json.id));
  assert.equal(j.state, 'done', `job ended ${j.state}: ${j.message}`);
  assert.equal(j.result.model, 'job-realign');
  const al = await alignmentOf('job-realign');
  const changed = Object.keys(al.units).filter(u => al.units[u] !== before.units[u]).length;
  assert.ok(changed <= Math.ceil(0.2 * 64), `realign moved ${changed} units, max_moved 20%`);
  assert.deepEqual(await alignmentOf(M), before);
  // Each territory keeps the rep it has in the base model.
  const baseReps = Object.fromEntries((await territoriesOf(M)).territories.map(t => [t.id, t.rep]));
  const newReps = Object.fromEntries((await territoriesOf('job-realign')).territories.map(t => [t.id, t.rep]));
  assert.ok(Object.values(baseReps).every(Boolean), 'the base model\'s territories have reps');
  assert.deepEqual(newReps, baseReps, 'a realign keeps the reps');
  assert.equal(j.result.reps.kept, Object.keys(baseReps).length);
  assert.equal(j.params.reassign_reps, false);
  assertError(await post('/jobs', { kind: 'realign', model: M, reassign_reps: 'yes' }), 400, 'bad_request',
    'reassign_reps is a boolean');
});

test('POST /jobs/{id}/cancel: 200 job, ends cancelled (or done if it beat the cancel); unknown 404; bad job 400', async () => {
  const r = await post('/jobs', { kind: 'design', model: M, target: 'job-cancelled', k: 5, balance: ['accounts'], tolerance: 0.001, seed: 1, time_limit: 60 });
  assert.equal(r.status, 202, r.text.slice(0, 300));
  const c = await post(`/jobs/${enc(String(r.json.id))}/cancel`, undefined);
  assert.equal(c.status, 200, c.text.slice(0, 300));
  assert.equal(String(c.json.id), String(r.json.id));
  const j = await waitJob(String(r.json.id), 30000);
  assert.ok(['cancelled', 'done'].includes(j.state), `state ${j.state}`);
  if (j.state === 'cancelled') {
    const m = await get('/models/job-cancelled');
    assert.equal(m.status, 404, 'a cancelled design writes no model');
  } else {
    console.log('     note: the job finished before the cancel reached it');
  }
  assertError(await get('/jobs/999999'), 404, 'not_found', 'unknown job');
  assertError(await post('/jobs/999999/cancel', undefined), 404, 'not_found', 'cancel unknown job');
  assertError(await post('/jobs', { kind: 'dance', model: M }), 400, 'bad_request', 'unknown kind');
  assertError(await post('/jobs', '{"kind":'), 400, 'invalid_json', 'broken job body');
  const unk = await post('/jobs', { kind: 'design', model: 'no-such-model', k: 3 });
  assert.ok([404, 422].includes(unk.status), `job on an unknown model: ${unk.status}`);
});

// ---- promote / archive and what they forbid -----------------------------------

// Past dates: active at once (promotion_test.mjs has dates ahead).
test('POST /promote: 400 bad date; 200 active; default model follows; previous active archived', async () => {
  assertError(await post('/models/scen-a/promote', { effective_from: '2027-13-45' }), 400, 'bad_request', 'bad date');
  assertError(await post('/models/scen-a/promote', { effective_from: '01/02/2027' }), 400, 'bad_request', 'not ISO');
  assertError(await post('/models/scen-a/promote', {}), 400, 'bad_request', 'no date');
  assertError(await post('/models/no-such-model/promote', { effective_from: '2027-01-01' }), 404, 'not_found', 'unknown');
  const p = await post('/models/scen-a/promote', { effective_from: '2026-01-01' });
  assert.equal(p.status, 200, p.text.slice(0, 300));
  assert.equal(p.json.name, 'scen-a');
  assert.equal(p.json.state, 'active');
  assert.equal(p.json.effective_from, '2026-01-01');
  const cfg = await get('/config');
  assert.equal(cfg.json.default_model, 'scen-a', 'the active model is the default');
  const list = await get('/models');
  assert.equal(list.json.default, 'scen-a');
  const tj = await territoriesOf('scen-a');
  checkFeatureCollection(await get('/territories.geojson'), tj, 'default geojson = the active model');
  // A second promotion archives the first in the same step.
  const q = await post('/models/base-before/clone', { name: 'scen-c' });
  assert.equal(q.status, 201);
  const p2 = await post('/models/scen-c/promote', { effective_from: '2026-07-01' });
  assert.equal(p2.status, 200, p2.text.slice(0, 300));
  assert.equal(p2.json.state, 'active');
  const a = await get('/models/scen-a');
  assert.equal(a.json.state, 'archived');
  const all = (await get('/models')).json.models;
  assert.equal(all.filter(m => m.state === 'active').length, 1, 'at most one active model');
});

test('moves on an active or archived model: 409 not_editable, nothing changed', async () => {
  const al = await alignmentOf('scen-c');
  const u = units[0];
  const to = terrIds.find(t => t !== al.units[u.id]);
  assertError(await post('/models/scen-c/moves', { revision: al.revision, moves: [{ unit: u.id, to }] }), 409, 'not_editable', 'active');
  assertError(await post('/models/scen-c/locks', { revision: al.revision, units: [u.id], locked: true }), 409, 'not_editable', 'lock on active');
  assert.deepEqual(await alignmentOf('scen-c'), al);
  const ar = await alignmentOf('scen-a');
  assertError(await post('/models/scen-a/moves', { revision: ar.revision, moves: [{ unit: u.id, to }] }), 409, 'not_editable', 'archived');
  assert.deepEqual(await alignmentOf('scen-a'), ar);
});

test('POST /archive: 200 archived; promoting an archived model is 409; unknown 404', async () => {
  const r = await post('/models/empty-one/archive', undefined);
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.json.name, 'empty-one');
  assert.equal(r.json.state, 'archived');
  assert.equal((await get('/models/empty-one')).json.state, 'archived');
  const p = await post('/models/scen-a/promote', { effective_from: '2028-01-01' });
  assertError(p, 409, ['conflict', 'not_editable'], 'promote archived');
  assert.equal((await get('/models/scen-a')).json.state, 'archived', 'still archived');
  assert.equal((await get('/models/scen-c')).json.state, 'active', 'still active');
  assertError(await post('/models/no-such-model/archive', undefined), 404, 'not_found');
});

// ---- the app's files ------------------------------------------------------------

test('static: / is the app (HTML), its script is JavaScript, ".." never leaves the web root', async () => {
  const r = await http(srv.url);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') || '', /^text\/html/);
  assert.match(r.text, /<html/i);
  const js = await http(srv.url + 'app/js/main.js');
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') || '', /javascript/);
  for (const path of ['/app/../../CMakeLists.txt', '/app/%2e%2e/%2e%2e/CMakeLists.txt', '/vendor/leaflet/../../../package.json']) {
    const t = await rawRequest(srv.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.ok(t.status === 404 || t.status === 400 || t.status === 403, `${path}: ${t.data.split('\r\n')[0]}`);
    assert.doesNotMatch(t.data, /cmake_minimum_required|"dependencies"/, `${path} leaked a file`);
  }
  assertError(await http(srv.url + 'app/no-such-file.js'), 404, 'not_found', 'missing static file');
});

// ---- HTTP-level errors ----------------------------------------------------------

test('unknown API path: 404 not_found (JSON)', async () => {
  assertError(await get('/nope'), 404, 'not_found');
  assertError(await get('/models/base/nope'), 404, 'not_found');
  assertError(await http(srv.url + 'api/v2/health'), 404, 'not_found');
});

test('wrong method: 405 method_not_allowed', async () => {
  assertError(await http(A + '/health', { method: 'DELETE' }), 405, 'method_not_allowed', 'DELETE /health');
  assertError(await post('/units', { x: 1 }), 405, 'method_not_allowed', 'POST /units');
  assertError(await http(A + `/models/${M}/moves`), 405, 'method_not_allowed', 'GET /moves');
  assertError(await http(A + '/models', { method: 'PUT', body: {} }), 405, 'method_not_allowed', 'PUT /models');
});

test(`body over --max-body (${MAX_BODY}) with Content-Length: 413 payload_too_large; nothing changed`, async () => {
  const al = await alignmentOf(M);
  const big = { revision: al.revision, moves: [{ unit: units[0].id, to: terrIds[0] }], pad: 'x'.repeat(2 * MAX_BODY) };
  assertError(await post(`/models/${M}/moves`, big), 413, 'payload_too_large', 'Content-Length over the cap');
  assert.deepEqual(await alignmentOf(M), al);
  const ok = await post(`/models/${M}/moves`, { revision: al.revision, moves: [{ unit: moved.unit, to: moved.to }] });
  assert.equal(ok.status, 200, `a body under the cap still works: ${ok.text.slice(0, 200)}`);
});

test(`chunked body over --max-body (${MAX_BODY}), no Content-Length: 413 too; nothing changed`, async () => {
  const al = await alignmentOf(M);
  const body = JSON.stringify({ revision: al.revision, moves: [{ unit: units[0].id, to: terrIds[0] }], pad: 'x'.repeat(2 * MAX_BODY) });
  const head = `POST /api/v1/models/${M}/moves HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n';
  const small = '{"x":1}';
  const under = await rawRequest(srv.port, `${head}${small.length.toString(16)}\r\n${small}\r\n0\r\n\r\n`, { timeoutMs: 10000 });
  assert.equal(under.status, 400, `a small chunked body is read (400 bad_request: no revision): ${under.data.slice(0, 120)}`);
  const r = await rawRequest(srv.port, `${head}${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`, { timeoutMs: 10000 });
  assert.equal(r.status, 413, `chunked oversize body: ${r.data.slice(0, 200) || (r.closed ? 'connection closed without an answer' : r.error)}`);
  assert.deepEqual(await alignmentOf(M), al);
});

test('a 64 KiB request header: 431 from the HTTP layer; the server keeps serving', async () => {
  const req = `GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\nConnection: close\r\n\r\n`;
  const r = await rawRequest(srv.port, req, { timeoutMs: 10000 });
  console.log(`     server answered: ${r.data.split('\r\n')[0] || '(nothing)'}${r.error ? ' error ' + r.error : ''}`);
  assert.equal(r.status, 431, `status line: ${JSON.stringify(r.data.split('\r\n')[0])}`);
  assert.equal((await get('/health')).status, 200);
});

test('garbage request lines: never a 2xx/5xx answer, and the server still answers health', async () => {
  const junks = ['GARBAGE\r\n\r\n', '\x00\x01\x02\xff\xfe BLAH /// HTTP/9.9\r\n\r\n', 'GET\r\n\r\n',
    'GET / HTTP/1.1 extra\r\nHost\r\n\r\n', 'GET /api/v1/health HTTP/1.1\r\nno colon here\r\n\r\n'];
  const rs = await Promise.all(junks.map(j => rawRequest(srv.port, Buffer.from(j, 'latin1'), { timeoutMs: 3000 })));
  rs.forEach((r, i) => {
    console.log(`     ${JSON.stringify(junks[i])} -> ${r.status ? r.data.split('\r\n')[0] : r.closed ? 'closed without an answer' : 'no answer within 3 s (left to the idle timeout)'}`);
    assert.ok(r.status === null || (r.status >= 400 && r.status < 500), `answer to ${JSON.stringify(junks[i])}: ${r.data.slice(0, 80)}`);
  });
  const h = await get('/health');
  assert.equal(h.status, 200);
  assert.deepEqual(h.json, { status: 'ok' });
});

test('the server stops on SIGTERM with exit status 0', async () => {
  const code = await srv.stop();
  assert.equal(code, 0, `exit ${code}; stderr tail:\n${srv.stderr().slice(-2000)}`);
});

await run({
  after: async () => {
    if (srv && srv.exited() === null) await srv.stop();
    removeDir(dir);
  },
});

// Goals and results through the API (docs/API.md, docs/PERFORMANCE.md): on
// the small store (Colorado's counties, five territories) with the demo
// organisation of `make run` (tools/demo_org.mjs: a live model in force,
// five regions, a manager per region, a rep per territory) and the demo
// sales, quotas and visits (tools/demo_sales.mjs):
//  - GET /api/v1/perf answers what `regio perf --format json` prints for the
//    same query (period, from/to, by, crediting, fiscal year), byte for byte;
//  - GET /api/v1/perf/trend: every month's totals and rows are that month's
//    `regio perf` figures;
//  - who sees what: the VP every territory, a manager their region, a rep
//    their own territory; without credentials 401;
//  - bad parameters answer 400 naming the problem, an unknown model 404.
// Prints ok/FAIL per test and "N passed, N failed".
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  test, run, tempDir, removeDir, buildSmallStore, startServer, http, testStore, BIN, SRC,
} from './harness.mjs';

const dir = tempDir('regio-perf-api-');
const db = testStore(dir, 'perf');
const LIVE = 'base-live';
let srv = null;
const token = {};
let leaves = [];   // [{id, parent, rep}]

function cli(args) {
  const r = spawnSync(BIN, [...args, '--db', db], { cwd: SRC, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`regio ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}
const node = (script, args) => execFileSync(process.execPath, [join(SRC, script), '--db', db, '--regio', BIN, ...args], { cwd: SRC, encoding: 'utf8' });
const as = (u, path) => http(srv.base + path, { headers: u ? { Authorization: `Bearer ${token[u]}` } : {} });

test('setup: the small store, the demo organisation, a year of demo sales, quotas and visits', async () => {
  buildSmallStore(db);
  node('tools/demo_org.mjs', ['--design', 'base', '--live', LIVE]);
  const out = node('tools/demo_sales.mjs', ['--model', LIVE]);
  assert.match(out, /sales: added \d+/);
  const gj = JSON.parse(cli(['export', 'territories', '--model', LIVE, '--format', 'geojson', '--out', '-']));
  leaves = gj.features.map(f => ({ id: String(f.id), parent: f.properties.parent, rep: f.properties.rep })).filter(t => t.rep);
  assert.equal(leaves.length, 5);
  // An analyst with view_all sees everything regio perf shows, (unassigned) included.
  writeFileSync(join(dir, 'users.csv'), 'username,name,email,role,permissions\nana,Ana Analyst,ana@example.com,Sales Ops,view_all\n');
  cli(['import', 'users', join(dir, 'users.csv')]);
  for (const u of ['vp', 'ops', 'ana', leaves[0].rep, 'mgr-' + leaves[0].parent.slice(2).toLowerCase()])
    token[u] = cli(['user', 'token', u]).trim().split(/\s+/).pop();
  srv = await startServer(db, []);
});

test('without credentials: 401 like every other route', async () => {
  for (const p of ['/perf?period=2026Q3', '/perf/trend?to=2026-12']) {
    const r = await as(null, p);
    assert.equal(r.status, 401, p);
    assert.equal(r.json.error.code, 'unauthorized');
  }
});

test('GET /perf answers what regio perf --format json prints for the same query', async () => {
  const cases = [
    ['period=2026Q3', ['--period', '2026Q3']],
    ['period=2026-03&by=rep', ['--period', '2026-03', '--by', 'rep']],
    ['period=2026&by=level:1&credit=current', ['--period', '2026', '--by', 'level:1', '--credit', 'current']],
    ['period=FY2027&fiscal_start=4&by=model', ['--period', 'FY2027', '--fiscal-start', '4', '--by', 'model']],
    ['from=2026-02-10&to=2026-05-20&segment_visits=A%3D24%2CB%3D12%2CC%3D4', ['--from', '2026-02-10', '--to', '2026-05-20', '--segment-visits', 'A=24,B=12,C=4']],
    [`period=2026Q2&model=${LIVE}&by=level:2`, ['--period', '2026Q2', '--model', LIVE, '--by', 'level:2']],
  ];
  for (const [q, args] of cases) {
    const r = await as('ana', '/perf?' + q);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    assert.match(r.headers.get('content-type'), /application\/json/);
    const json = cli(['perf', ...args, '--format', 'json']);
    assert.equal(r.text, json, q);
    // The VP (no view_all) sees every territory, not what no territory
    // holds ((unassigned), and so (no rep)); the model row sums what they see.
    if (q.includes('by=model')) continue;
    const vp = await as('vp', '/perf?' + q), all = JSON.parse(json);
    all.rows = all.rows.filter(x => !x.key.startsWith('('));
    assert.deepEqual(vp.json, all, `${q} for the VP`);
  }
  const q3 = (await as('vp', '/perf?period=2026Q3')).json;
  assert.deepEqual(q3.rows.map(r => r.key), leaves.map(t => t.id).sort(), 'the VP sees every territory');
  assert.ok(q3.rows.some(r => r.flags.length), 'some territory is flagged');
});

test('the server keeps a period\'s credited figures only while the store does not change', async () => {
  const q = 'period=2026Q3&by=model';
  const first = await as('ana', '/perf?' + q);
  assert.equal(first.status, 200, first.text);
  assert.equal((await as('ana', '/perf?' + q)).text, first.text, 'asked again: the same answer');
  // another process imports a won line of 1,000 in August 2026
  const acc = (await as('ana', '/accounts?limit=1')).json;
  const account = acc.accounts[0].id;
  const file = join(dir, 'one_line.csv');
  writeFileSync(file, `id,account,date,amount,status\nCACHE-1,${account},2026-08-15,1000,won\n`);
  cli(['import', 'sales', file]);
  const after = await as('ana', '/perf?' + q);
  assert.equal(after.status, 200, after.text);
  assert.equal(after.text, cli(['perf', '--period', '2026Q3', '--by', 'model', '--format', 'json']));
  const b0 = first.json.rows[0].bookings, b1 = after.json.rows[0].bookings;
  assert.ok(Math.abs(b1 - b0 - 1000) < 1e-6 * Math.max(1, b0), `bookings ${b0} -> ${b1}: +1,000`);
});

test('GET /perf/trend: each month is that month\'s regio perf', async () => {
  const r = await as('ana', '/perf/trend?months=12&to=2026-12&by=territory');
  assert.equal(r.status, 200, r.text);
  const t = r.json;
  assert.equal(t.months.length, 12);
  assert.equal(t.months[0], '2026-01');
  assert.equal(t.months[11], '2026-12');
  assert.deepEqual(t.rows.map(x => x.key), [...leaves.map(x => x.id).sort(), '(unassigned)']);
  for (const i of [0, 6, 11]) {
    const m = JSON.parse(cli(['perf', '--period', t.months[i], '--format', 'json']));
    const sum = k => m.rows.reduce((s, x) => s + x[k], 0);
    assert.ok(Math.abs(t.total.bookings[i] - sum('bookings')) < 1e-6, `bookings ${t.months[i]}`);
    assert.ok(Math.abs(t.total.quota[i] - sum('quota')) < 1e-6, `quota ${t.months[i]}`);
    for (const x of m.rows) {
      const row = t.rows.find(y => y.key === x.key);
      assert.equal(row.bookings[i], x.bookings, `${x.key} ${t.months[i]}`);
      assert.equal(row.quota[i], x.quota, `${x.key} ${t.months[i]}`);
    }
  }
  assert.ok(t.total.bookings.every(v => v > 0), 'bookings every month');
  const rep = (await as('vp', '/perf/trend?months=3&to=2026-06&by=rep&credit=current')).json;
  assert.deepEqual(rep.months, ['2026-04', '2026-05', '2026-06']);
  assert.equal(rep.by, 'rep');
  assert.equal(rep.credit, 'current');
});

test('who sees what: a manager their region, a rep their own territory', async () => {
  const t = leaves[0], mgr = 'mgr-' + t.parent.slice(2).toLowerCase();
  const rep = (await as(t.rep, '/perf?period=2026Q3')).json;
  assert.deepEqual(rep.rows.map(r => r.key), [t.id], 'the rep: their territory only');
  const full = (await as('vp', '/perf?period=2026Q3')).json;
  assert.deepEqual(rep.rows[0], full.rows.find(r => r.key === t.id), 'with the same figures');
  const mine = leaves.filter(x => x.parent === t.parent).map(x => x.id).sort();
  assert.deepEqual((await as(mgr, '/perf?period=2026Q3')).json.rows.map(r => r.key), mine, 'the manager: the region');
  assert.deepEqual((await as(t.rep, '/perf?period=2026&by=level:1')).json.rows.map(r => r.key), [t.parent], 'a level: the region the rep sees part of');
  const trend = (await as(t.rep, '/perf/trend?months=2&to=2026-12')).json;
  assert.deepEqual(trend.rows.map(r => r.key), [t.id], 'the trend too');
});

test('POST /quotas/allocate: the dry run answers what regio quota allocate --format json prints; managers only; saved quotas reach regio perf', async () => {
  const post = (u, body) => http(srv.base + '/quotas/allocate', { method: 'POST', body,
    headers: u ? { Authorization: `Bearer ${token[u]}` } : {} });
  const body = { model: LIVE, total: 123457, period: '2027Q1', weights: 'potential=0.5,history=0.5', dry_run: true };
  const r = await post('ops', body);
  assert.equal(r.status, 200, r.text);
  const want = cli(['quota', 'allocate', '--model', LIVE, '--total', '123457', '--period', '2027Q1',
    '--weights', 'potential=0.5,history=0.5', '--dry-run', '--format', 'json']);
  assert.equal(r.text, want);
  assert.equal(r.json.territories.reduce((a, t) => a + t.quota, 0), 123457);
  assert.equal(r.json.saved, false);
  // nothing was saved: 2027-01 has no quota yet
  const before = JSON.parse(cli(['perf', '--model', LIVE, '--period', '2027-01', '--by', 'model', '--format', 'json']));
  assert.equal(before.rows[0].quota, 0);
  // a rep may not set quotas; bad bodies are 400
  assert.equal((await post(leaves[0].rep, body)).status, 403);
  assert.equal((await post(null, body)).status, 401);
  for (const bad of [{ total: 'lots', period: '2027Q1' }, { total: 1000, period: '2027Q9' },
    { total: 1000.5, period: '2027Q1' }, { total: 1000, period: '2027Q1', weights: 'luck=1' }]) {
    const b = await post('ops', bad);
    assert.equal(b.status, 400, JSON.stringify(bad) + ' ' + b.text);
  }
  // saved: the quarter's quota is the total, month by month
  const saved = await post('ops', { ...body, dry_run: false });
  assert.equal(saved.status, 200, saved.text);
  assert.equal(saved.json.saved, true);
  const q1 = JSON.parse(cli(['perf', '--model', LIVE, '--period', '2027Q1', '--by', 'model', '--format', 'json']));
  assert.equal(q1.rows[0].quota, 123457);
});

test('GET …/territories/{t}/brief: the page regio brief writes, for those who see the territory', async () => {
  const t = leaves[0].id, other = leaves[1].id;
  const r = await as('vp', `/models/${LIVE}/territories/${t}/brief?day=2026-10-01`);
  assert.equal(r.status, 200, r.text.slice(0, 200));
  assert.match(r.headers.get('content-type'), /^text\/html/);
  const cli_ = cli(['brief', '--model', LIVE, '--territory', t, '--at', '2026-10-01', '--out', join(dir, 'b.html')]);
  assert.ok(cli_ !== undefined);
  assert.equal(r.text, readFileSync(join(dir, 'b.html'), 'utf8'), 'the same page as regio brief');
  // the rep of the first territory sees theirs, not another one
  assert.equal((await as(leaves[0].rep, `/models/${LIVE}/territories/${t}/brief`)).status, 200);
  assert.equal((await as(leaves[0].rep, `/models/${LIVE}/territories/${other}/brief`)).status, 404);
  assert.equal((await as(null, `/models/${LIVE}/territories/${t}/brief`)).status, 401);
});

test('bad parameters: 400 naming the problem; an unknown model 404', async () => {
  const bad = [
    ['/perf', /period/],
    ['/perf?period=2026Q5', /2026Q5|period/],
    ['/perf?period=2026Q3&from=2026-01-01&to=2026-02-01', /not both/],
    ['/perf?from=2026-01-01', /to=DAY/],
    ['/perf?from=2026-02-30&to=2026-03-01', /2026-02-30|day|date/],
    ['/perf?period=2026&by=county', /by 'county'/],
    ['/perf?period=2026&by=level:0', /level:N/],
    ['/perf?period=2026&credit=later', /credit 'later'/],
    ['/perf?period=FY2027&fiscal_start=13', /fiscal_start/],
    ['/perf?period=2026&segment_visits=A%3Dx', /segment|A=x|visits/i],
    ['/perf/trend?months=0', /months '0'/],
    ['/perf/trend?months=61', /months/],
    ['/perf/trend?to=2026-13', /2026-13/],
    ['/perf/trend?by=nothing', /by 'nothing'/],
  ];
  for (const [p, re] of bad) {
    const r = await as('vp', p);
    assert.equal(r.status, 400, `${p}: ${r.status} ${r.text}`);
    assert.equal(r.json.error.code, 'bad_request', p);
    assert.match(r.json.error.message, re, p);
  }
  assert.equal((await as('ops', '/perf?period=2026&model=nope')).status, 404, 'an unknown model');
  assert.equal((await as('vp', '/perf?period=2026&model=base')).status, 404, 'a model other than the one in force: only for managers');
});

await run({
  after: async () => {
    if (srv && srv.exited() === null) await srv.stop();
    removeDir(dir);
  },
});

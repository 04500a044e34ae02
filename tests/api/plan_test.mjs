// Call plans from the store, one library behind two shells: on a store of
// Colorado's counties with the sample reps and accounts and planning model
// sample-design of 3 territories by longitude (every unit locked, so the
// design engine does not matter: T01 west, without a rep, T02 around
// Denver with rep REP-10, both set in the store after the design, T03
// east), the same territory, rep, days and seed
// give the same plan through `regio plan --model` and
// GET /api/v1/models/{model}/territories/{territory}/plan:
//  - the same visits on the same days in the same order (the CLI's plan.csv
//    against the API's days), with the territory's own rep when none is
//    named and with a named one;
//  - both save their plan in the store, with the same rows;
//  - the same error text for an unknown territory or rep, a territory
//    without a rep and a territory that would be covered by nothing (API:
//    404, 404, 400, 422); a far rep is a warning, and a plan that then
//    reaches no account covers nothing: an error (422), nothing saved.
// Prints ok/FAIL per test and "N passed, N failed".
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  test, run, tempDir, removeDir, startServer, http, testStore, storeSql, storeWrite, BIN, SRC,
} from './harness.mjs';

const dir = tempDir('regio-plan-');
const db = testStore(dir, 'plan');
const M = 'sample-design';
const START = '2027-01-04';
let srv = null, A = '';
const enc = encodeURIComponent;

/** Runs `regio ARGS --db db`: {status, stdout, stderr}. */
function cli(args) {
  const r = spawnSync(BIN, [...args, '--db', db], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function sql(q) {
  return storeSql(db, q, { csv: true });
}

/** `regio plan --model M --territory T …` into FILE; the CSV rows and the saved plan's id. */
function cliPlan(territory, extra, file) {
  const r = cli(['plan', '--model', M, '--territory', territory, '--days', '20', '--seed', '1',
    '--start', START, '--out', join(dir, file), ...extra]);
  // 3: written, but some visits could not be placed (a best effort).
  const unplaced = Number((r.stderr.match(/, (\d+) unplaced,/) || [])[1] || 0);
  assert.equal(r.status, unplaced ? 3 : 0, `regio plan exit status (${unplaced} unplaced):\n${r.stderr}`);
  const m = r.stderr.match(/saved as plan (\d+) '([^']*)'/);
  assert.ok(m, `"saved as plan N" in:\n${r.stderr}`);
  const lines = readFileSync(join(dir, file), 'utf8').trim().split('\n');
  assert.equal(lines[0], 'rep,day,seq,account_id,arrival,departure,date');
  const rows = lines.slice(1).map(l => {
    const [rep, day, seq, account, arrival, , date] = l.split(',');
    return { rep, day: +day, seq: +seq, account, arrival, date };
  });
  return { rows, id: +m[1], name: m[2], stderr: r.stderr };
}

/** POST plans and saves; GET (preview) plans and saves nothing. */
async function apiPlan(territory, q = '', method = 'POST') {
  const r = await http(`${A}/models/${enc(M)}/territories/${enc(territory)}/plan?days=20&seed=1&start=${START}${q}`,
    { method, timeoutMs: 120000 });
  return r;
}

/** The API's visits as CSV-like rows (arrive is HH:MM, the CSV's arrival HH:MM:SS). */
function apiRows(j) {
  const rows = [];
  for (const d of j.days)
    d.visits.forEach((v, i) => rows.push({ rep: j.rep, day: d.day, date: d.date, seq: i + 1, account: v.account, arrive: v.arrive }));
  return rows;
}

function hhmm(hms) { // the API rounds to the minute
  const [h, m, s] = hms.split(':').map(Number);
  const t = Math.round((h * 3600 + m * 60 + s) / 60);
  return `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
}

function sameVisits(cliRows, j, what) {
  const a = cliRows.map(r => `${r.rep} d${r.day} ${r.date} #${r.seq} ${r.account} ${hhmm(r.arrival)}`);
  const b = apiRows(j).map(r => `${r.rep} d${r.day} ${r.date} #${r.seq} ${r.account} ${r.arrive}`);
  assert.ok(a.length > 0, `${what}: the plan visits someone`);
  assert.deepEqual(b, a, `${what}: API visits = CLI visits (day, date, order, account, arrival)`);
}

function storedRows(id) {
  return sql(`SELECT r.ext_id, v.day, v.seq, a.ext_id, v.arrival_s, v.departure_s, v.travel_s
              FROM plan_visits v JOIN reps r ON r.id = v.rep_id JOIN accounts a ON a.id = v.account_id
              WHERE v.plan_id = ${id} ORDER BY r.ext_id, v.day, v.seq`);
}

function must(args) {
  const r = cli(args);
  if (r.status !== 0) throw new Error(`regio ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

test('setup: Colorado, the sample reps and accounts, 3 locked territories, T02\'s rep REP-10, T01 without one, the server', async () => {
  must(['import', 'units', join(SRC, 'node_modules/us-atlas/counties-10m.json'), '--layer', 'counties',
    '--skip-empty', '--where', "id LIKE '08%'", '--quiet']);
  must(['import', 'reps', join(SRC, 'data/sample/reps.csv'), '--quiet']);
  must(['import', 'accounts', join(SRC, 'data/sample/accounts.csv'), '--quiet']);
  must(['assign', 'units', '--measures']);
  const units = must(['export', 'units']).trim().split('\n').slice(1).map(l => l.split(','));
  const locked = units.map(([id, , , lon]) => `${id},${+lon < -106 ? 'T01' : +lon < -104.5 ? 'T02' : 'T03'}`);
  writeFileSync(join(dir, 'locked.csv'), ['unit_id,territory', ...locked].join('\n') + '\n');
  cli(['design', '--k', '3', '--balance', 'accounts', '--locked', join(dir, 'locked.csv'), '--model', M]);
  const al = must(['export', 'alignment', '--model', M]).trim().split('\n').slice(1);
  assert.deepEqual(al.sort(), locked.sort(), 'the model is the locked split');
  // The design gave every territory a rep; the cases want T02 with
  // REP-10 and T01 without one.
  sql(`UPDATE territories SET rep_id = (SELECT id FROM reps WHERE ext_id = 'REP-10')
       WHERE ext_id = 'T02' AND model_id = (SELECT id FROM territory_models WHERE name = '${M}')`);
  sql(`UPDATE territories SET rep_id = NULL
       WHERE ext_id = 'T01' AND model_id = (SELECT id FROM territory_models WHERE name = '${M}')`);
  srv = await startServer(db);
  A = srv.base;
});

test('T02 without a rep: the territory\'s rep REP-10, the same visits through the CLI and the API, both saved', async () => {
  const c = cliPlan('T02', [], 'cli_t02.csv');
  assert.match(c.stderr, /rep REP-10 \(territory\)/);
  assert.equal(c.name, `${M}/T02/REP-10/${START}`);
  const r = await apiPlan('T02');
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.json.rep, 'REP-10');
  assert.equal(r.json.rep_source, 'territory');
  assert.equal(r.json.start, START);
  assert.equal(r.json.n_days, 20);
  assert.equal(r.json.far, false);
  assert.deepEqual(r.json.warnings, []);
  assert.ok(!r.json.cancelled, 'the solve ran to its end');
  sameVisits(c.rows, r.json, 'T02');
  assert.ok(Number.isInteger(r.json.plan_id) && r.json.plan_id !== c.id, `plan_id ${r.json.plan_id}`);
  assert.equal(r.json.plan_name, c.name);
  const cliStored = storedRows(c.id), apiStored = storedRows(r.json.plan_id);
  assert.equal(cliStored.split('\n').length, c.rows.length, 'the CLI saved every visit');
  assert.equal(apiStored, cliStored, 'the two saved plans hold the same rows');
  const hdr = sql(`SELECT cycle_start, cycle_days FROM visit_plans WHERE id = ${r.json.plan_id}`);
  const params = JSON.parse(storeSql(db, `SELECT params FROM visit_plans WHERE id = ${r.json.plan_id}`));
  assert.equal([hdr, params.rep, params.territory, params.seed].join(','), `${START},20,REP-10,T02,1`);
  const audit = sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'plan.save' AND object_id IN ('${c.id}', '${r.json.plan_id}')`);
  assert.equal(audit, '2', 'both saves are audited');
});

test('T03 with a named rep (REP-10): the same visits through both', async () => {
  const c = cliPlan('T03', ['--rep', 'REP-10'], 'cli_t03.csv');
  const r = await apiPlan('T03', '&rep=REP-10');
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.json.rep, 'REP-10');
  assert.equal(r.json.rep_source, 'given');
  sameVisits(c.rows, r.json, 'T03 with REP-10');
  assert.equal(storedRows(r.json.plan_id), storedRows(c.id));
});

test('GET previews a plan without saving; a far rep that reaches nothing is an error', async () => {
  const before = sql('SELECT COUNT(*) FROM visit_plans');
  const g = await apiPlan('T03', '&rep=REP-10', 'GET');
  assert.equal(g.status, 200, g.text.slice(0, 300));
  assert.equal(g.json.plan_id, null);
  assert.ok(g.json.days.some(d => d.visits.length > 0), 'the preview visits someone');
  assert.equal(sql('SELECT COUNT(*) FROM visit_plans'), before, 'nothing saved');
  // REP-01 lives in San Francisco: far from T02, and no account is within
  // a day's round trip. GET and POST refuse alike; the CLI warns first.
  const r = await apiPlan('T02', '&rep=REP-01', 'GET');
  const msg = assertError(r, 422, 'unprocessable', 'T02 with REP-01 (GET)');
  assert.match(msg, /^rep 'REP-01' lives [\d,]+ km from the nearest account of territory 'T02' and reaches none of its accounts within a working day: the plan would cover nothing/);
  assert.equal(assertError(await apiPlan('T02', '&rep=REP-01'), 422, 'unprocessable', 'POST'), msg);
  assert.equal(sql('SELECT COUNT(*) FROM visit_plans'), before, 'nothing saved');
  const c = cli(['plan', '--model', M, '--territory', 'T02', '--rep', 'REP-01', '--days', '20',
    '--start', START, '--out', join(dir, 'far.csv')]);
  assert.equal(c.status, 1, c.stderr);
  assert.match(c.stderr, /^regio plan: warning: rep 'REP-01' lives [\d,]+ km from the nearest account of territory 'T02'/m);
  assert.ok(c.stderr.includes(`regio: plan: ${msg}\n`), c.stderr);
  assert.equal(sql('SELECT COUNT(*) FROM visit_plans'), before, 'the CLI saved nothing either');
});

function assertError(r, status, code, what) {
  assert.equal(r.status, status, `${what}: status (body ${r.text.slice(0, 300)})`);
  assert.equal(r.json?.error?.code, code, `${what}: error code`);
  return r.json.error.message;
}

/** The CLI's error for the same request: exit 1 and "regio: plan: MESSAGE". */
function cliError(territory, extra) {
  const c = cli(['plan', '--model', M, '--territory', territory, '--days', '20', '--start', START,
    '--out', join(dir, 'none.csv'), ...extra]);
  assert.equal(c.status, 1, `exit status 1 for ${territory} ${extra.join(' ')}: ${c.stderr}`);
  const m = c.stderr.match(/^regio: plan: (.*)$/m);
  assert.ok(m, c.stderr);
  return m[1];
}

test('errors: the same message through the CLI and the API', async () => {
  const cases = [
    ['T99', [], '', 404, 'not_found', /model 'sample-design' has no territory 'T99'/],
    ['T02', ['--rep', 'REP-99'], '&rep=REP-99', 404, 'not_found', /rep 'REP-99' not found/],
    ['T01', [], '', 400, 'bad_request', /territory 'T01' of model 'sample-design' has no rep of its own/],
    ['T02', ['--overnight', '--max-nights', '3', '--trip-days', '5'], '&overnight=1&max_nights=3&trip_days=5',
      422, 'unprocessable', /trips over weekends .* give one of them/],
  ];
  storeWrite(db, `INSERT INTO territories(model_id, ext_id, name) SELECT id, 'T04', 'Empty'
       FROM territory_models WHERE name = '${M}'`);
  cases.push(['T04', ['--rep', 'REP-10'], '&rep=REP-10', 422, 'unprocessable', /would cover nothing/]);
  for (const [t, args, q, status, code, re] of cases) {
    const msg = assertError(await apiPlan(t, q), status, code, `${t} ${q}`);
    assert.match(msg, re);
    assert.equal(cliError(t, args), msg, `${t} ${q}: the CLI says the same`);
  }
  const other = await http(`${A}/models/no-such-model/territories/T02/plan?rep=REP-10`);
  const msg = assertError(other, 404, 'not_found', 'unknown model');
  const c = cli(['plan', '--model', 'no-such-model', '--territory', 'T02', '--out', join(dir, 'none.csv')]);
  assert.equal(c.status, 1);
  assert.ok(c.stderr.includes(msg), `${c.stderr} names ${msg}`);
});

await run({ after: async () => { if (srv) await srv.stop(); removeDir(dir); } });

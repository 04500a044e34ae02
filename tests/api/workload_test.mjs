// The workload of a model over HTTP: POST /api/v1/models/{model}/workload
// plans every territory, saves the plans and stores the unit measure
// "workload", as `regio plan --model M --all` does (one library call behind
// both shells). On Colorado's counties with three reps living there and a
// first design of 3 territories:
//  - the answer's table: every territory planned, its workload = calls +
//    travel + estimate, the territories summing to the total;
//  - the stored measure: the units' workload (regio export units) sums to
//    the total less the work of accounts without a unit, and /config lists
//    the measure once the server has seen it;
//  - the same request through the CLI gives the same figures;
//  - a bad option is 400, an unknown model 404.
// Prints ok/FAIL per test and "N passed, N failed".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { test, run, tempDir, removeDir, startServer, http, testStore, BIN, SRC } from './harness.mjs';

const dir = tempDir('regio-workload-');
const db = testStore(dir, 'workload');
const START = '2027-01-04';
let srv = null, A = '';

function cli(args) {
  const r = spawnSync(BIN, [...args, '--db', db], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function must(args) {
  const r = cli(args);
  if (r.status !== 0) throw new Error(`regio ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** The stored workload of every unit, summed. */
function unitWorkload() {
  const lines = must(['export', 'units']).trim().split('\n');
  const col = lines[0].split(',').indexOf('workload');
  assert.ok(col > 0, `a workload column in ${lines[0]}`);
  return lines.slice(1).reduce((s, l) => s + Number(l.split(',')[col]), 0);
}

test('setup: Colorado, three reps living there, the sample accounts, a design of 3, the server', async () => {
  must(['import', 'units', join(SRC, 'node_modules/us-atlas/counties-10m.json'), '--layer', 'counties',
    '--skip-empty', '--where', "id LIKE '08%'", '--quiet']);
  writeFileSync(join(dir, 'reps.csv'), 'id,name,lat,lon,day_start,day_end\n' +
    'DEN,Denver,39.74,-104.99,08:00,17:00\nGJT,Grand Junction,39.06,-108.55,08:00,17:00\n' +
    'COS,Colorado Springs,38.83,-104.82,08:00,17:00\n');
  must(['import', 'reps', join(dir, 'reps.csv'), '--quiet']);
  must(['import', 'accounts', join(SRC, 'data/sample/accounts.csv'), '--quiet']);
  must(['assign', 'units', '--measures']);
  const d = cli(['design', '--k', '3', '--balance', 'accounts', '--model', 'co']);
  assert.ok(d.status === 0 || d.status === 3, d.stderr);
  srv = await startServer(db);
  A = srv.base;
});

let api = null;

test('POST /models/co/workload: every territory planned and saved, the table adds up', async () => {
  const r = await http(`${A}/models/co/workload`, { method: 'POST', body: { start: START, seed: 1 },
    timeoutMs: 120000 });
  assert.equal(r.status, 200, r.text.slice(0, 300));
  api = r.json;
  assert.equal(api.model, 'co');
  assert.equal(api.measure, 'workload');
  assert.equal(api.territories.length, 3);
  let sum = 0;
  for (const t of api.territories) {
    assert.equal(t.status, 'planned', `${t.territory}: ${t.message}`);
    assert.ok(Number.isInteger(t.plan_id) && t.plan_id > 0);
    assert.ok(Math.abs(t.workload_h - (t.call_h + t.travel_h + t.estimated_h)) < 1e-9);
    sum += t.workload_h;
  }
  assert.ok(Math.abs(sum - api.workload_h) < 1e-6, `${sum} = ${api.workload_h}`);
  assert.ok(api.visits_scheduled > 0 && api.visits_scheduled <= api.visits_required);
  assert.ok(Math.abs(unitWorkload() - (api.workload_h - api.unattributed_h)) < 0.01,
    'the units carry the workload');
});

test('GET /config lists the measure; the CLI gives the same figures', async () => {
  const c = await http(`${A}/config`);
  assert.equal(c.status, 200);
  assert.ok(c.json.measures.includes('workload'), JSON.stringify(c.json.measures));
  const r = cli(['plan', '--model', 'co', '--all', '--start', START, '--seed', '1']);
  assert.ok(r.status === 0 || r.status === 3, r.stderr);
  const m = r.stderr.match(/visits (\d+)\/(\d+), .* workload ([\d.]+) h/);
  assert.ok(m, r.stderr);
  assert.equal(Number(m[1]), api.visits_scheduled);
  assert.equal(Number(m[2]), api.visits_required);
  assert.equal(Number(m[3]), Math.round(api.workload_h * 10) / 10);
});

test('refusals: a bad option 400, an unknown model 404', async () => {
  const bad = await http(`${A}/models/co/workload`, { method: 'POST', body: { days: 0 } });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.json.error.message, /"days" must be a whole number from 1 to 256/);
  const unknown = await http(`${A}/models/nope/workload`, { method: 'POST', body: {} });
  assert.equal(unknown.status, 404, unknown.text);
});

await run({ after: async () => { if (srv) await srv.stop(); removeDir(dir); } });

// Design and realign jobs take every option of `regio design|realign`, with
// the same names and the library's own checks (regio/design_opts.h). On
// the small store (Colorado's counties, the sample reps and accounts,
// planning model `base` of 5 territories):
//  - a design job with several balance measures each within its own
//    tolerance ("accounts=0.05,revenue=0.12"), objective diameter, a travel
//    measure, a seed and a number of starts saves the same alignment as
//    `regio design --model` with the same options, with the same balance
//    figures as the CLI's --report;
//  - a realign job with max_moved_weight and index weights keeps within its
//    budget; locked units stay where the job puts them, targets give a
//    territory its share;
//  - bad option values give 400 with the library's message.
// Prints ok/FAIL per test and "N passed, N failed".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  test, run, tempDir, removeDir, buildSmallStore, startServer, http, waitJob as waitJobAt, testStore, BIN,
} from './harness.mjs';

const dir = tempDir('regio-opts-');
const db = testStore(dir, 'opts');
let srv = null, A = '';
const enc = encodeURIComponent;
const get = p => http(A + p);
const post = (p, body) => http(A + p, { method: 'POST', body });

function cli(args) {
  const r = spawnSync(BIN, [...args, '--db', db], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return r;
}

const waitJob = (id, ms = 120000) => waitJobAt(A, id, ms);

async function units(model) {
  const r = await get(`/models/${enc(model)}/alignment`);
  assert.equal(r.status, 200, `alignment of ${model}: ${r.text.slice(0, 300)}`);
  return r.json.units;
}

function bad(r, re, what) {
  assert.equal(r.status, 400, `${what}: status ${r.status} (${r.text.slice(0, 300)})`);
  assert.equal(r.json.error.code, 'bad_request', what);
  assert.match(r.json.error.message, re, what);
}

test('setup: the small store and the server', async () => {
  buildSmallStore(db);
  srv = await startServer(db);
  A = srv.base;
});

test('design job with the CLI options = regio design with the same options and seed', async () => {
  const r0 = cli(['design', '--k', '4', '--balance', 'accounts,revenue',
    '--tolerance', 'accounts=0.05,revenue=0.12', '--objective', 'diameter', '--travel', 'revenue',
    '--seed', '11', '--starts', '3', '--model', 'cli-opts', '--report', join(dir, 'cli.json')]);
  assert.ok(r0.status === 0 || r0.status === 3, `regio design: ${r0.status}\n${r0.stderr}`);
  const rep = JSON.parse(readFileSync(join(dir, 'cli.json'), 'utf8'));
  const r = await post('/jobs', {
    kind: 'design', target: 'api-opts', k: 4, balance: ['accounts', 'revenue'],
    tolerance: 'accounts=0.05,revenue=0.12', objective: 'diameter', travel: 'revenue',
    seed: 11, starts: 3, time_limit: 600,
  });
  assert.equal(r.status, 202, r.text.slice(0, 300));
  assert.equal(r.json.params.objective, 'diameter');
  assert.equal(r.json.params.tolerance, 'accounts=0.05,revenue=0.12');
  assert.equal(r.json.params.travel, 'revenue');
  assert.equal(r.json.params.starts, 3);
  const j = await waitJob(String(r.json.id));
  assert.equal(j.state, 'done', `job: ${j.message}`);
  assert.equal(j.result.summary.starts, 3, 'the job ran the 3 starts asked for');
  const a = await units('api-opts'), c = await units('cli-opts');
  assert.equal(Object.keys(a).length, 64);
  assert.deepEqual(a, c, 'same alignment through the API and the CLI');
  // The same figures as the CLI's report.
  for (const m of ['accounts', 'revenue']) {
    const want = rep.balance ? rep.balance[m] : rep.overall.balance[m];
    assert.ok(Math.abs(j.result.summary.balance[m] - want) < 1e-9,
      `${m} balance ${j.result.summary.balance[m]} (API) vs ${want} (CLI)`);
  }
  // And not what the defaults give: a default job of the same k and seed differs.
  const d = await post('/jobs', { kind: 'design', target: 'api-default', k: 4, balance: ['accounts', 'revenue'], seed: 11, starts: 3 });
  assert.equal(d.status, 202, d.text.slice(0, 300));
  assert.equal((await waitJob(String(d.json.id))).state, 'done');
  assert.notDeepEqual(await units('api-default'), a, 'the options changed the design');
});

test('design job on "homes" = regio design --homes: territories named after the reps', async () => {
  const homes = [
    { id: 'REP-10', lat: 39.74796, lon: -104.99905 },
    { id: 'H-WEST', lat: 39.0639, lon: -108.5506 },
    { id: 'H-SOUTH', lat: 38.2544, lon: -104.6091 },
  ];
  writeFileSync(join(dir, 'homes.csv'), 'id,lat,lon\n' + homes.map(h => `${h.id},${h.lat},${h.lon}`).join('\n') + '\n');
  const r0 = cli(['design', '--homes', join(dir, 'homes.csv'), '--balance', 'accounts', '--tolerance', '0.1',
    '--seed', '4', '--model', 'cli-homes']);
  assert.ok(r0.status === 0 || r0.status === 3, `regio design --homes: ${r0.status}\n${r0.stderr}`);
  const r = await post('/jobs', { kind: 'design', target: 'api-homes', homes, balance: ['accounts'], tolerance: 0.1, seed: 4 });
  assert.equal(r.status, 202, r.text.slice(0, 300));
  assert.equal(r.json.params.k, 3, 'k from the homes');
  const j = await waitJob(String(r.json.id));
  assert.equal(j.state, 'done', `job: ${j.message}`);
  const a = await units('api-homes');
  assert.deepEqual([...new Set(Object.values(a))].sort(), ['H-SOUTH', 'H-WEST', 'REP-10']);
  assert.deepEqual(a, await units('cli-homes'), 'same alignment through the API and the CLI');
  assert.equal(j.result.reps.territories['REP-10'].rep, 'REP-10', 'the territory named after a rep is that rep\'s');
  bad(await post('/jobs', { kind: 'design', k: 2, homes, balance: ['accounts'] }), /"k" 2 conflicts with the 3 reps of "homes"/, 'k against homes');
  bad(await post('/jobs', { kind: 'design', homes: [{ id: 'X', lat: 99, lon: 0 }] }), /"homes"\[0\] needs an "id" and a home/, 'bad home');
});

test('realign job: max_moved_weight, index weights, locked units, targets', async () => {
  const base = await units('base');
  const ids = Object.keys(base).sort();
  // Lock one unit into another territory than the base gives it.
  const u = ids[0], from = base[u];
  const to = [...new Set(Object.values(base))].sort().find(t => t !== from);
  const r = await post('/jobs', {
    kind: 'realign', model: 'base', target: 'api-realign', balance: 'accounts,revenue',
    index_weights: [2, 1], tolerance: 0.1, max_moved_weight: 0.3, seed: 2, time_limit: 600,
    locked: { [u]: to },
  });
  assert.equal(r.status, 202, r.text.slice(0, 300));
  assert.deepEqual(r.json.params.index_weights, [2, 1]);
  assert.equal(r.json.params.max_moved_weight, 0.3);
  const j = await waitJob(String(r.json.id));
  assert.equal(j.state, 'done', `job: ${j.message}`);
  const after = await units('api-realign');
  assert.equal(after[u], to, `locked unit ${u} moved to ${to}`);
  // targets: one territory of a fresh design gets about twice the others' share.
  const t = await post('/jobs', {
    kind: 'design', target: 'api-targets', k: 3, balance: ['accounts'], tolerance: 0.1, seed: 1,
    targets: { T01: 2, T02: 1, T03: 1 },
  });
  assert.equal(t.status, 202, t.text.slice(0, 300));
  const tj = await waitJob(String(t.json.id));
  assert.equal(tj.state, 'done', `targets job: ${tj.message}`);
  const terr = await get('/models/api-targets/territories');
  assert.equal(terr.status, 200);
  const acc = Object.fromEntries(terr.json.territories.map(x => [x.id, x.measures ? x.measures.accounts : x.totals.accounts]));
  assert.ok(acc.T01 > 1.6 * acc.T02 && acc.T01 > 1.6 * acc.T03, `T01 holds about half: ${JSON.stringify(acc)}`);
  // A target on a territory the design does not have fails the job, naming it.
  const bt = await post('/jobs', { kind: 'design', target: 'api-bad-targets', k: 2, balance: ['accounts'], targets: { T07: 1 } });
  assert.equal(bt.status, 202);
  const bj = await waitJob(String(bt.json.id));
  assert.equal(bj.state, 'failed');
  assert.match(bj.message, /"targets": no territory 'T07'/);
});

test('the same through both: a realign with index weights and a weight budget, a design with locks and targets', async () => {
  const r0 = cli(['realign', '--from-model', 'base', '--balance', 'accounts,revenue', '--index-weights', '2,1',
    '--tolerance', '0.1', '--max-moved-weight', '0.3', '--seed', '2', '--model', 'cli-realign2']);
  assert.ok(r0.status === 0 || r0.status === 3, `regio realign: ${r0.status}\n${r0.stderr}`);
  const r = await post('/jobs', { kind: 'realign', model: 'base', target: 'api-realign2', balance: 'accounts,revenue',
    index_weights: '2,1', tolerance: 0.1, max_moved_weight: 0.3, seed: 2, time_limit: 600 });
  assert.equal(r.status, 202, r.text.slice(0, 300));
  assert.equal((await waitJob(String(r.json.id))).state, 'done');
  assert.deepEqual(await units('api-realign2'), await units('cli-realign2'), 'realign: API = CLI');
  writeFileSync(join(dir, 'locked.csv'), 'unit_id,territory\n08001,T03\n08003,T01\n');
  writeFileSync(join(dir, 'targets.csv'), 'territory,share\nT01,2\nT02,1\nT03,1\n');
  const r1 = cli(['design', '--k', '3', '--balance', 'accounts', '--tolerance', '0.1', '--seed', '1',
    '--locked', join(dir, 'locked.csv'), '--targets', join(dir, 'targets.csv'), '--model', 'cli-lt']);
  assert.ok(r1.status === 0 || r1.status === 3, `regio design --locked --targets: ${r1.status}\n${r1.stderr}`);
  const d = await post('/jobs', { kind: 'design', target: 'api-lt', k: 3, balance: ['accounts'], tolerance: 0.1, seed: 1,
    locked: { '08001': 'T03', '08003': 'T01' }, targets: { T01: 2, T02: 1, T03: 1 } });
  assert.equal(d.status, 202, d.text.slice(0, 300));
  assert.equal((await waitJob(String(d.json.id))).state, 'done');
  const a = await units('api-lt');
  assert.equal(a['08001'], 'T03');
  assert.equal(a['08003'], 'T01');
  assert.deepEqual(a, await units('cli-lt'), 'locks and targets: API = CLI');
  const r2 = cli(['design', '--k', 'auto', '--capacity', '60', '--balance', 'accounts', '--tolerance', '0.1', '--model', 'cli-cap']);
  assert.ok(r2.status === 0 || r2.status === 3, `regio design --k auto: ${r2.status}\n${r2.stderr}`);
  const c = await post('/jobs', { kind: 'design', target: 'api-cap', k: 'auto', capacity: 60, balance: ['accounts'], tolerance: 0.1 });
  assert.equal(c.status, 202, c.text.slice(0, 300));
  const cj = await waitJob(String(c.json.id));
  assert.equal(cj.state, 'done');
  const cap = await units('api-cap');
  assert.ok(cj.params.k > 1, `k from the capacity: ${cj.params.k}`);
  assert.equal(new Set(Object.values(cap)).size, cj.params.k);
  assert.deepEqual(cap, await units('cli-cap'), 'k auto with a capacity: API = CLI');
});

test('bad option values: 400 with the library\'s message', async () => {
  const job = extra => post('/jobs', { kind: 'design', k: 3, balance: ['accounts', 'revenue'], ...extra });
  bad(await job({ tolerance: 'accounts=2' }), /"tolerance" takes T or MEASURE=T \(T between 0 and 1\), not 'accounts=2'/, 'tolerance out of range');
  bad(await job({ tolerance: 'potential=0.1' }), /"tolerance" names 'potential', which is not a measure of "balance" \(accounts, revenue\)/, 'tolerance on another measure');
  bad(await job({ tolerance: '0.1,0.2' }), /more than one bare number/, 'two bare tolerances');
  bad(await job({ objective: 'shortest' }), /"objective" is travel or diameter/, 'objective');
  bad(await job({ index_weights: [1] }), /"index_weights" needs exactly one weight per "balance" measure \(2\)/, 'one weight for two');
  bad(await job({ index_weights: [1, -1] }), /"index_weights": '-1' is not a weight/, 'negative weight');
  bad(await job({ travel: 'nope' }), /"travel": unknown measure 'nope'/, 'travel');
  bad(await job({ starts: 0 }), /"starts" takes a number from 1 to 1000/, 'starts');
  bad(await job({ max_moved_weight: 1.5 }), /"max_moved_weight" must be a share from 0 to 1/, 'max_moved_weight');
  bad(await job({ keep_whole: 'no_such_attribute' }), /"keep_whole": no unit has an attribute 'no_such_attribute'/, 'keep_whole');
  bad(await job({ locked: { 'no-unit': 'T01' } }), /"locked": no unit 'no-unit'/, 'locked unit');
  bad(await job({ locked: ['x'] }), /"locked" must be an object/, 'locked array');
  bad(await job({ k: 'auto' }), /"k": "auto" needs "capacity"/, 'k auto without capacity');
  bad(await job({ capacity: -1 }), /"capacity" must be above 0/, 'capacity');
  bad(await job({ targets: { T01: 0 } }), /"targets": territory 'T01' needs a share above 0/, 'target share');
  // The CLI says the same of the same values.
  const c = cli(['design', '--k', '3', '--balance', 'accounts,revenue', '--tolerance', 'potential=0.1', '--model', 'x']);
  assert.equal(c.status, 2, c.stderr);
  assert.match(c.stderr, /--tolerance names 'potential', which is not a measure of --balance \(accounts, revenue\)/);
});

test('the server stops with exit status 0 (under ASan: nothing leaked by the jobs)', async () => {
  const code = await srv.stop();
  assert.equal(code, 0, `exit ${code}; stderr tail:\n${srv.stderr().slice(-3000)}`);
});

await run({
  after: async () => {
    if (srv && srv.exited() === null) await srv.stop();
    removeDir(dir);
  },
});

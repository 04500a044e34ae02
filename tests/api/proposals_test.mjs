// Proposals and reasons through the API (issue 14): on the small store
// (Colorado's counties, the sample reps and accounts) with a loosely
// balanced model `base` (4 territories, accounts within 15%):
//  - a realign job with "proposals": 3 saves each proposal as TARGET-I;
//    their figures (balance, moved share) are mutually non-dominated, each
//    saved model, read back, differs from `base` in exactly its moved units,
//    and `regio realign --proposals 3` with the same options saves the same
//    alignments;
//  - GET /models/{m}/reasons gives every moved unit a reason whose "from"
//    is its territory in `base` and "to" its territory now, and a balance
//    reason's numbers;
//  - a design job with proposals answers the travel-vs-balance front;
//  - a realign on revenue of a 5-territory design ends (it crashed);
//  - bad values give 400.
// Prints ok/FAIL per test and "N passed, N failed".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  test, run, tempDir, removeDir, buildSmallStore, startServer, http, waitJob as waitJobAt, testStore, BIN,
} from './harness.mjs';

const dir = tempDir('regio-prop-');
const db = testStore(dir, 'prop');
let srv = null, A = '';
const enc = encodeURIComponent;
const get = p => http(A + p);
const post = (p, body) => http(A + p, { method: 'POST', body });
const waitJob = (id, ms = 300000) => waitJobAt(A, id, ms);

function cli(args) {
  const r = spawnSync(BIN, [...args, '--db', db], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return r;
}

async function units(model) {
  const r = await get(`/models/${enc(model)}/alignment`);
  assert.equal(r.status, 200, `alignment of ${model}: ${r.text.slice(0, 300)}`);
  return r.json.units;
}

const dominates = (a, b) => a.balance <= b.balance + 1e-12 && a.cost <= b.cost + 1e-12 &&
  (a.balance < b.balance - 1e-12 || a.cost < b.cost - 1e-12);

test('setup: the small store and the server', async () => {
  buildSmallStore(db, { design: false });
  const d = cli(['design', '--k', '4', '--balance', 'accounts', '--tolerance', '0.15', '--seed', '2',
    '--model', 'base']);
  assert.equal(d.status, 0, d.stderr);
  srv = await startServer(db);
  A = srv.base;
});

let props = null;
test('realign job with proposals: non-dominated, saved, each differing from base by its moves', async () => {
  const r = await post('/jobs', {
    kind: 'realign', model: 'base', target: 'api-prop', balance: ['accounts'], tolerance: 0.03,
    max_moved: 0.3, seed: 3, proposals: 3, time_limit: 600,
  });
  assert.equal(r.status, 202, r.text.slice(0, 300));
  const j = await waitJob(String(r.json.id));
  assert.equal(j.state, 'done', `job: ${j.message}`);
  props = j.result.proposals;
  assert.ok(Array.isArray(props) && props.length >= 2 && props.length <= 3, JSON.stringify(j.result).slice(0, 300));
  assert.equal(j.result.front, 'disruption vs balance');
  const base = await units('base');
  const pts = [];
  for (const [i, p] of props.entries()) {
    assert.equal(p.model, `api-prop-${i + 1}`);
    assert.equal(p.proposal, i + 1);
    const a = await units(p.model);
    const moved = Object.keys(a).filter(u => a[u] !== base[u]).length;
    assert.equal(moved, p.summary.moved_units, `${p.model}: moved units measured again`);
    assert.ok(p.summary.moved_share <= 0.3 + 1e-12, 'within the budget');
    assert.equal(p.summary.non_contiguous, 0);
    assert.ok(Math.abs(p.balance - p.summary.balance.accounts) < 1e-12);
    pts.push({ balance: p.balance, cost: p.summary.moved_share });
  }
  for (let a = 0; a < pts.length; a++)
    for (let b = 0; b < pts.length; b++)
      if (a !== b) assert.ok(!dominates(pts[a], pts[b]), `proposal ${a + 1} dominates ${b + 1}`);
});

test('regio realign --proposals with the same options saves the same alignments', async () => {
  const c = cli(['realign', '--from-model', 'base', '--balance', 'accounts', '--tolerance', '0.03',
    '--max-moved', '0.3', '--seed', '3', '--proposals', '3', '--model', 'cli-prop']);
  assert.ok(c.status === 0 || c.status === 3, `regio realign: ${c.status}\n${c.stderr}`);
  assert.match(c.stdout, /proposals? on the front of disruption vs balance/);
  for (const [i] of props.entries())
    assert.deepEqual(await units(`cli-prop-${i + 1}`), await units(`api-prop-${i + 1}`),
      `proposal ${i + 1}: the same through the CLI and the API`);
});

test('reasons: every moved unit, from its base territory to its new one, with true numbers', async () => {
  const base = await units('base');
  let balance = 0;
  for (const p of props) {
    const a = await units(p.model);
    const r = await get(`/models/${enc(p.model)}/reasons`);
    assert.equal(r.status, 200, r.text.slice(0, 300));
    const moved = Object.keys(a).filter(u => a[u] !== base[u]);
    assert.equal(r.json.count, moved.length);
    for (const u of moved) {
      const why = r.json.reasons[u];
      assert.ok(why, `${p.model}: unit ${u} has no reason`);
      assert.equal(why.from, base[u]);
      assert.equal(why.to, a[u]);
      assert.ok(['lock', 'group', 'contiguity', 'balance', 'travel'].includes(why.kind), why.kind);
      assert.match(why.text, new RegExp(`^${why.kind === 'contiguity' ? 'contiguity' : why.kind}`));
      if (why.kind === 'balance') {
        balance++;
        assert.equal(why.data.measure, 'accounts');
        assert.ok(Math.abs(why.data.deviation_without) > Math.abs(why.data.deviation_with));
      }
    }
  }
  assert.ok(balance > 0, 'some balance reasons were checked');
  const none = await get('/models/nope/reasons');
  assert.equal(none.status, 404);
});

test('design job with proposals: the travel-vs-balance front', async () => {
  const r = await post('/jobs', { kind: 'design', target: 'api-dprop', k: 4, balance: ['accounts'], proposals: 2 });
  assert.equal(r.status, 202, r.text.slice(0, 300));
  const j = await waitJob(String(r.json.id));
  assert.equal(j.state, 'done', `job: ${j.message}`);
  assert.equal(j.result.front, 'travel vs balance');
  const pts = j.result.proposals.map(p => ({ balance: p.balance, cost: p.summary.travel_km }));
  assert.ok(pts.length >= 1 && pts.length <= 2);
  for (let a = 0; a < pts.length; a++)
    for (let b = 0; b < pts.length; b++)
      if (a !== b) assert.ok(!dominates(pts[a], pts[b]));
  // a taken name is refused before the run
  const again = await post('/jobs', { kind: 'design', target: 'api-dprop', k: 4, balance: ['accounts'], proposals: 2 });
  assert.equal(again.status, 409, again.text.slice(0, 300));
});

test('a realign on revenue from a 5-territory design runs to its end (lns.c read a stale centre outside its window)', async () => {
  const d = cli(['design', '--k', '5', '--balance', 'accounts', '--tolerance', '0.05', '--model', 'base5']);
  assert.equal(d.status, 0, d.stderr);
  const r = cli(['realign', '--from-model', 'base5', '--balance', 'revenue', '--tolerance', '0.04',
    '--max-moved', '0.3', '--seed', '3', '--model', 'rev5']);
  assert.ok(r.status === 0 || r.status === 3, `regio realign: status ${r.status} signal ${r.signal}\n${r.stderr}`);
});

test('bad proposals values give 400', async () => {
  for (const v of [0, 21, 'x', 1.5]) {
    const r = await post('/jobs', { kind: 'design', k: 3, balance: ['accounts'], proposals: v });
    assert.equal(r.status, 400, `proposals ${JSON.stringify(v)}: ${r.status}`);
    assert.match(r.json.error.message, /"proposals" takes a number from 1 to 20/);
  }
});

test('the server stops with exit status 0', async () => {
  const code = await srv.stop();
  assert.equal(code, 0, `exit ${code}; stderr tail:\n${srv.stderr().slice(-3000)}`);
});

await run({
  after: async () => {
    if (srv && srv.exited() === null) await srv.stop();
    removeDir(dir);
  },
});

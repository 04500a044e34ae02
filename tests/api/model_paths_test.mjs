// One library, two shells: the same request through the CLI and through the
// API gives the same answer. On the sample market (contiguous US counties,
// 25 territories) with a two-level hierarchy in the store and two units
// locked through the API that a realign would otherwise move:
//  - `regio realign --from-model` and a realign job (POST /api/v1/jobs)
//    with the same parameters and seed give byte-identical alignments, and
//    both keep the locked units (still locked) and the hierarchy;
//  - an account moved by hand counts in its new territory in the API's
//    figures and in `regio report --model`.
// Prints ok/FAIL per test and "N passed, N failed".
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import {
  test, run, tempDir, removeDir, buildSampleStore, startServer, http, sleep, testStore, storeSql, BIN, SRC,
} from './harness.mjs';

const dir = tempDir('regio-paths-');
const db = testStore(dir, 'paths');
const M = 'sample-design';
const REALIGN = { balance: 'accounts', tolerance: 0.04, maxMoved: 0.2, seed: 7, timeLimit: 300 };
let srv = null, A = '';
let base = null;       // alignment of M after the locks
let locked = [];       // the two locked units
const execFileP = promisify(execFile);
const enc = encodeURIComponent;
const get = p => http(A + p);
const post = (p, body) => http(A + p, { method: 'POST', body });

// Asynchronous, so that the event loop runs while a command does: a
// realign blocking it for longer than the server's idle timeout (15 s)
// would leave fetch a kept-alive connection the server has closed.
async function cli(args, { allowFail = false } = {}) {
  try {
    return (await execFileP(BIN, [...args, '--db', db], {
      cwd: SRC, encoding: 'utf8', maxBuffer: 64 << 20,
    })).stdout;
  } catch (e) {
    if (allowFail) return e.stdout || '';
    throw new Error(`regio ${args.join(' ')} failed (${e.code}):\n${e.stderr || ''}`);
  }
}

function realignArgs() {
  return ['--balance', REALIGN.balance, '--tolerance', String(REALIGN.tolerance),
    '--max-moved', String(REALIGN.maxMoved), '--seed', String(REALIGN.seed),
    '--time-limit', String(REALIGN.timeLimit)];
}

async function alignmentOf(model) {
  const r = await get(`/models/${enc(model)}/alignment`);
  assert.equal(r.status, 200, `alignment of ${model}: ${r.text.slice(0, 300)}`);
  return r.json;
}

async function territoriesOf(model) {
  const r = await get(`/models/${enc(model)}/territories`);
  assert.equal(r.status, 200, `territories of ${model}: ${r.text.slice(0, 300)}`);
  return r.json;
}

test('setup: the sample market, a region level over its 25 territories, the server', async () => {
  buildSampleStore(db);
  // Five regions of five territories each, written as another process
  // would (the hierarchy has no editing command yet).
  const sql = [];
  for (let r = 1; r <= 5; r++) {
    sql.push(`INSERT INTO territories(model_id, ext_id, name) SELECT id, 'R${r}', 'Region ${r}'
      FROM territory_models WHERE name = '${M}';`);
    const leaves = Array.from({ length: 5 }, (_, i) => `'T${String((r - 1) * 5 + i + 1).padStart(2, '0')}'`);
    sql.push(`UPDATE territories SET parent_id = (SELECT t.id FROM territories t
        JOIN territory_models m ON m.id = t.model_id WHERE m.name = '${M}' AND t.ext_id = 'R${r}')
      WHERE ext_id IN (${leaves.join(',')})
        AND model_id = (SELECT id FROM territory_models WHERE name = '${M}');`);
  }
  storeSql(db, sql.join('\n'));
  srv = await startServer(db);
  A = srv.base;
  const t = await territoriesOf(M);
  assert.equal(t.territories.length, 25, 'the regions are parents, not territories');
  assert.equal(t.hierarchy.length, 30);
});

test('two units that a realign moves are locked through the API', async () => {
  // A realign without locks, to a file: which units does it move?
  const out = join(dir, 'free.csv');
  await cli(['realign', '--from-model', M, ...realignArgs(), '--out', out]);
  const before = await alignmentOf(M);
  const moved = readFileSync(out, 'utf8').trim().split('\n').slice(1).map(l => l.split(','))
    .filter(([u, t]) => before.units[u] !== t).map(([u]) => u);
  assert.ok(moved.length >= 2, `the free realign moves ${moved.length} units`);
  locked = [moved[0], moved[moved.length - 1]];
  const r = await post(`/models/${M}/locks`, { revision: before.revision, units: locked, locked: true });
  assert.equal(r.status, 200, r.text.slice(0, 300));
  base = await alignmentOf(M);
  assert.deepEqual([...base.locked].sort(), [...locked].sort());
});

test('CLI realign and API realign job give byte-identical alignments, locks and hierarchy kept', async () => {
  await cli(['realign', '--from-model', M, ...realignArgs(), '--model', 'via-cli']);
  const j = await post('/jobs', {
    kind: 'realign', model: M, target: 'via-api', balance: [REALIGN.balance],
    tolerance: REALIGN.tolerance, max_moved: REALIGN.maxMoved, seed: REALIGN.seed,
    time_limit: REALIGN.timeLimit,
  });
  assert.equal(j.status, 202, j.text.slice(0, 300));
  let job = null;
  for (let i = 0; i < 600; i++) {
    job = (await http(srv.url.replace(/\/$/, '') + j.json.url)).json;
    if (['done', 'failed', 'cancelled'].includes(job.state)) break;
    await sleep(200);
  }
  assert.equal(job.state, 'done', `job: ${JSON.stringify(job).slice(0, 400)}`);
  const a = await cli(['export', 'alignment', '--model', 'via-cli']);
  const b = await cli(['export', 'alignment', '--model', 'via-api']);
  assert.ok(a.split('\n').length > 3000, 'a whole alignment was exported');
  assert.equal(a, b, 'the two alignments differ');
  for (const model of ['via-cli', 'via-api']) {
    const al = await alignmentOf(model);
    for (const u of locked) {
      assert.equal(al.units[u], base.units[u], `${model}: locked unit ${u} kept its territory`);
    }
    assert.deepEqual([...al.locked].sort(), [...locked].sort(), `${model}: the locks are kept`);
    const moved = Object.keys(al.units).filter(u => al.units[u] !== base.units[u]);
    assert.ok(moved.length > 0, `${model}: the realign moved units`);
    const t = await territoriesOf(model);
    const h = Object.fromEntries(t.hierarchy.map(x => [x.id, x]));
    for (let r = 1; r <= 5; r++) assert.equal(h[`R${r}`]?.name, `Region ${r}`, `${model}: region R${r}`);
    for (const leaf of t.territories)
      assert.equal(leaf.parent, `R${Math.floor((Number(leaf.id.slice(1)) - 1) / 5) + 1}`,
        `${model}: ${leaf.id} under its region`);
    const m = (await get(`/models/${model}`)).json;
    assert.equal(m.parent, M, `${model} records its base`);
  }
});

test('an account moved by hand counts in its new territory: API figures and `regio report`', async () => {
  const c = await post(`/models/${M}/clone`, { name: 'acct-move' });
  assert.equal(c.status, 201, c.text.slice(0, 300));
  const al = await alignmentOf('acct-move');
  // An account placed in a unit: the first of the store's accounts with one.
  const acc = (await get('/accounts?limit=50')).json.accounts.find(x => x.unit && al.units[x.unit]);
  assert.ok(acc, 'an account with a unit');
  const from = al.units[acc.unit];
  const to = from === 'T01' ? 'T02' : 'T01';
  const t0 = Object.fromEntries((await territoriesOf('acct-move')).territories.map(t => [t.id, t]));
  const r = await post('/models/acct-move/moves', { revision: al.revision, moves: [{ account: acc.id, to }] });
  assert.equal(r.status, 200, r.text.slice(0, 300));
  const inAnswer = Object.fromEntries(r.json.territories.map(t => [t.id, t]));
  assert.equal(inAnswer[to]?.totals.accounts, t0[to].totals.accounts + 1, 'moves answer: destination +1');
  assert.equal(inAnswer[from]?.totals.accounts, t0[from].totals.accounts - 1, 'moves answer: source -1');
  const t1 = Object.fromEntries((await territoriesOf('acct-move')).territories.map(t => [t.id, t]));
  assert.equal(t1[to].totals.accounts, t0[to].totals.accounts + 1, 'territories: destination +1');
  assert.equal(t1[from].totals.accounts, t0[from].totals.accounts - 1, 'territories: source -1');
  const rev = Number(acc.annual_revenue) || 0;
  if ('revenue' in t0[to].totals)
    assert.ok(Math.abs(t1[to].totals.revenue - t0[to].totals.revenue - rev) < 1e-6 * Math.max(1, rev),
      'territories: revenue follows the account');
  // The CLI's report on the same model.
  const csv = await cli(['report', '--model', 'acct-move', '--balance', 'accounts', '--format', 'csv']);
  const rows = csv.trim().split('\n').map(l => l.split(','));
  const col = rows[0].indexOf('accounts');
  const row = id => rows.find(x => x[0] === id);
  assert.equal(Number(row(to)[col]), t1[to].totals.accounts, 'regio report: destination as the API');
  assert.equal(Number(row(from)[col]), t1[from].totals.accounts, 'regio report: source as the API');
  // Undo: the override removed, the figures back.
  const u = await post('/models/acct-move/moves', { revision: r.json.revision, moves: [{ account: acc.id, to: null }] });
  assert.equal(u.status, 200, u.text.slice(0, 300));
  const t2 = Object.fromEntries((await territoriesOf('acct-move')).territories.map(t => [t.id, t]));
  assert.equal(t2[to].totals.accounts, t0[to].totals.accounts);
  assert.equal(t2[from].totals.accounts, t0[from].totals.accounts);
});

test('units imported under a running server: the model still reports, the new units listed as unaligned; a realign assigns them', async () => {
  const before = await territoriesOf(M);
  assert.equal(before.summary.unaligned, 0);
  // The whole counties file: Alaska, Hawaii and the territories come in.
  await cli(['import', 'units', join(SRC, 'node_modules/us-atlas/counties-10m.json'), '--layer', 'counties',
    '--skip-empty', '--quiet']);
  const after = await territoriesOf(M);
  const added = after.summary.units - before.summary.units;
  assert.ok(added > 30, `${added} units added`);
  assert.equal(after.summary.unaligned, added, 'the new units are unaligned');
  assert.equal(after.territories.length, 25);
  assert.ok(after.summary.balance.accounts !== null, 'the model still has its figures');
  const units = (await get('/units?limit=1')).json;
  assert.equal(units.total, after.summary.units, 'the server serves the new units');
  const txt = await cli(['report', '--model', M, '--balance', 'accounts', '--format', 'text']);
  assert.match(txt, new RegExp(`unaligned: ${added} units in no territory`));
  await cli(['realign', '--from-model', M, ...realignArgs(), '--model', 'after-import'], { allowFail: true });
  const al = await alignmentOf('after-import');
  assert.equal(Object.keys(al.units).length, after.summary.units, 'the realign aligned every unit');
  const t = await territoriesOf('after-import');
  assert.equal(t.summary.unaligned, 0);
});

await run({
  after: async () => {
    if (srv) await srv.stop();
    removeDir(dir);
  },
});

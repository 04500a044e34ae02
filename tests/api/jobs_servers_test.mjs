// Jobs of /api/v1/jobs on the store's queue (issue 16): two `regio serve`
// processes on one store, A with its own worker thread, B with --no-worker:
//  - a job posted to A runs on A's worker, and B shows it with its
//    progress, then its result; default target names are the store's job
//    ids (design-design-ID), distinct for distinct jobs, skipping a name a
//    model has already;
//  - a job posted to A is cancelled through B: A's worker stops it at its
//    next heartbeat and saves nothing;
//  - with no worker anywhere (A restarted with --no-worker), a posted job
//    stays queued on both servers, and a `regio worker` started later
//    takes it and saves its model, which both servers then serve.
// On a SQLite file; with REGIO_TEST_STORE=pg (api.jobs_servers.pg) on a
// fresh schema of the test cluster.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  test, run, tempDir, removeDir, buildSmallStore, startServer, http, sleep, waitJob, testStore,
  BIN, SRC,
} from './harness.mjs';

const dir = tempDir('regio-jobs-servers-');
const db = testStore(dir, 'jobs');
let a, b;

const post = (srv, path, body) => http(srv.base + path, { method: 'POST', body });
const get = (srv, path) => http(srv.base + path);

/** Polls srv until pred(job) holds; the job. */
async function until(srv, id, pred, what, ms = 30000) {
  const t0 = Date.now();
  let j;
  while (Date.now() - t0 < ms) {
    const r = await get(srv, `/jobs/${id}`);
    assert.equal(r.status, 200, r.text);
    j = r.json;
    if (pred(j)) return j;
    await sleep(100);
  }
  throw new Error(`job ${id}: ${what} not seen in ${ms} ms: ${JSON.stringify(j).slice(0, 300)}`);
}

test('setup: one store, server A with its worker, server B with --no-worker', async () => {
  buildSmallStore(db);
  [a, b] = await Promise.all([startServer(db), startServer(db, ['--no-worker'])]);
});

test('a single server does a job by itself; the default target is named after the job id', async () => {
  const r = await post(a, '/jobs', { kind: 'design', k: 3, balance: ['accounts'], time_limit: 2 });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.headers.get('location'), `/api/v1/jobs/${r.json.id}`);
  assert.equal(r.json.target, `design-design-${r.json.id}`);
  assert.equal(r.json.state, 'queued');
  const j = await waitJob(a.base, r.json.id);
  assert.equal(j.state, 'done', JSON.stringify(j).slice(0, 300));
  assert.equal(j.progress, 1);
  assert.equal(j.result.model, j.target);
  assert.equal((await get(a, `/models/${j.target}`)).status, 200);
  const r2 = await post(a, '/jobs', { kind: 'design', k: 3, balance: ['accounts'], time_limit: 1 });
  assert.equal(r2.status, 202, r2.text);
  assert.notEqual(r2.json.id, r.json.id);
  assert.equal(r2.json.target, `design-design-${r2.json.id}`);
  assert.equal((await waitJob(a.base, r2.json.id)).state, 'done');
  // a model that has the next default name already (as an earlier server's
  // numbering made them): the job gets the next free one
  const next = Number(r2.json.id) + 1;
  const m = await post(a, '/models', { name: `design-design-${next}`, from: 'base' });
  assert.equal(m.status, 201, m.text);
  const r3 = await post(b, '/jobs', { kind: 'design', k: 3, balance: ['accounts'], time_limit: 1 });
  assert.equal(r3.status, 202, r3.text);
  assert.equal(r3.json.target, `design-design-${next + 1}`);
  const j3 = await waitJob(b.base, r3.json.id);
  assert.equal(j3.state, 'done', JSON.stringify(j3).slice(0, 300));
  assert.equal(j3.result.model, `design-design-${next + 1}`);
});

test('a job posted to A is on B with its progress, then its result', async () => {
  const r = await post(a, '/jobs', { kind: 'design', k: 5, balance: ['accounts'], starts: 1000, time_limit: 6, target: 'seen-on-b' });
  assert.equal(r.status, 202, r.text);
  const onB = await until(b, r.json.id, j => j.state === 'running' && j.progress > 0, 'progress on B');
  assert.ok(onB.progress > 0 && onB.progress < 1, `progress ${onB.progress}`);
  assert.ok(onB.phase && onB.phase !== 'running', `phase ${onB.phase}`);
  assert.equal(onB.target, 'seen-on-b');
  assert.equal(onB.params.k, 5);
  assert.deepEqual(onB.params.balance, ['accounts']);
  assert.ok((await get(b, '/jobs')).json.jobs.some(j => j.id === r.json.id), 'in B\'s list');
  const done = await waitJob(b.base, r.json.id);
  assert.equal(done.state, 'done', JSON.stringify(done).slice(0, 300));
  assert.equal(done.result.model, 'seen-on-b');
  assert.equal((await get(b, '/models/seen-on-b')).status, 200);
  // a target a job wrote, or a job is writing, is refused on either server
  const again = await post(b, '/jobs', { kind: 'design', k: 3, target: 'seen-on-b' });
  assert.equal(again.status, 409, again.text);
});

test('a job posted to A is cancelled through B; nothing of it saved', async () => {
  const r = await post(a, '/jobs', { kind: 'design', k: 5, balance: ['accounts'], starts: 1000, time_limit: 120, target: 'cancelled-via-b' });
  assert.equal(r.status, 202, r.text);
  await until(b, r.json.id, j => j.state === 'running', 'running on B');
  const c = await post(b, `/jobs/${r.json.id}/cancel`, {});
  assert.equal(c.status, 200, c.text);
  assert.match(c.json.message, /cancel requested/);
  const t0 = Date.now();
  const j = await until(b, r.json.id, x => x.state !== 'running', 'the cancel', 20000);
  console.log(`     cancelled through B ${Date.now() - t0} ms after asking`);
  assert.equal(j.state, 'cancelled', JSON.stringify(j).slice(0, 300));
  assert.equal((await get(a, `/jobs/${r.json.id}`)).json.state, 'cancelled', 'A says the same');
  assert.equal((await get(a, '/models/cancelled-via-b')).status, 404);
  const twice = await post(a, `/jobs/${r.json.id}/cancel`, {});
  assert.equal(twice.status, 409, twice.text);
  assert.equal((await post(b, '/jobs/999999/cancel', {})).status, 404);
});

test('with no worker anywhere a job waits; a regio worker started later takes it', async () => {
  assert.equal(await a.stop(), 0);
  a = await startServer(db, ['--no-worker']);
  const r = await post(a, '/jobs', { kind: 'design', k: 3, balance: ['accounts'], time_limit: 2 });
  assert.equal(r.status, 202, r.text);
  await sleep(2500);
  for (const srv of [a, b])
    assert.equal((await get(srv, `/jobs/${r.json.id}`)).json.state, 'queued', 'nobody takes it');
  const w = spawnSync(BIN, ['worker', '--db', db, '--once', '--name', 'late-worker'],
    { cwd: SRC, encoding: 'utf8', timeout: 60000 });
  assert.equal(w.status, 0, w.stderr);
  assert.match(w.stderr, new RegExp(`job ${r.json.id} done`));
  for (const srv of [a, b]) {
    const j = (await get(srv, `/jobs/${r.json.id}`)).json;
    assert.equal(j.state, 'done', JSON.stringify(j).slice(0, 300));
    assert.equal(j.target, `design-design-${r.json.id}`);
    assert.equal((await get(srv, `/models/${j.target}`)).status, 200);
  }
});

await run({
  after: async () => {
    await Promise.all([a && a.stop(), b && b.stop()]);
    removeDir(dir);
  },
});

// Graceful shutdown of `regio serve` on SIGTERM (issue 15, item 6):
//  - a request in flight (its body still arriving, slowly) is answered after
//    the signal, with Connection: close, and its write is in the store;
//  - once the signal came no new connection is accepted, and a kept-alive
//    connection with no request in flight is closed at once;
//  - a design job that the server's worker runs stops: the process exits 0
//    long before the job's time limit, the job's model was not saved, and
//    the job stays running in the store's queue, to be taken again by a
//    worker once its lease has run out;
//  - a request that is still not in full when its deadline passes does not
//    hold the stop beyond it;
//  - each time the process exits 0 and the store passes `regio check`.
// Prints ok/FAIL per test and "N passed, N failed".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import {
  test, run, tempDir, removeDir, buildSmallStore, copyStore, startServer, http, sleep, testStore, BIN, SRC,
} from './harness.mjs';

const dir = tempDir('regio-shutdown-');
const db = testStore(dir, 'base');
const servers = [];

function check(store) {
  const r = spawnSync(BIN, ['check', '--db', store], { cwd: SRC, encoding: 'utf8' });
  assert.equal(r.status, 0, `regio check: ${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /: ok/);
}

/** A connection on which requests are written by hand; collects what comes back. */
function connect(port) {
  return new Promise((resolve, reject) => {
    const c = { data: '', closed: false, closedAt: 0 };
    c.sock = net.connect({ host: '127.0.0.1', port });
    c.sock.on('connect', () => resolve(c));
    c.sock.on('data', d => { c.data += d.toString('latin1'); });
    c.sock.on('error', e => { c.error = e.code; if (!c.sock.connecting) return; reject(e); });
    c.sock.on('close', () => { c.closed = true; c.closedAt = performance.now(); });
  });
}

function tryConnect(port) {
  return new Promise(resolve => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => { s.destroy(); resolve('connected'); });
    s.on('error', e => resolve(e.code));
  });
}

async function until(cond, ms, what) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) assert.fail(`${what} not within ${ms} ms`);
    await sleep(20);
  }
}

async function start(name, args = []) {
  const store = copyStore(db, testStore(dir, name));
  const s = await startServer(store, args);
  servers.push(s);
  return { s, store };
}

test('setup: the small store with model base', () => {
  buildSmallStore(db);
});

test('SIGTERM during a slow POST: it is answered and saved; new connections refused; idle ones closed; exit 0', async () => {
  const { s, store } = await start('inflight');
  const rev = (await http(`${s.base}/models/base/alignment`)).json.revision;
  const idle = await connect(s.port);
  idle.sock.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await until(() => /\{"status":"ok"\}/.test(idle.data), 5000, 'the kept-alive health answer');
  const body = JSON.stringify({ revision: rev, moves: [{ unit: '08031', to: 'T02' }] });
  const slow = await connect(s.port);
  slow.sock.write(`POST /api/v1/models/base/moves HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 12)}`);
  await sleep(300);
  const t0 = performance.now();
  s.proc.kill('SIGTERM');
  await until(() => idle.closed, 2000, 'the idle connection closed');
  console.log(`     idle kept-alive connection closed ${(idle.closedAt - t0).toFixed(0)} ms after SIGTERM`);
  assert.equal(await tryConnect(s.port), 'ECONNREFUSED', 'a new connection after SIGTERM');
  assert.equal(s.exited(), null, 'still running while the POST is in flight');
  slow.sock.write(body.slice(12));
  await until(() => slow.closed, 5000, 'the in-flight answer');
  assert.match(slow.data, /^HTTP\/1\.1 200 /, slow.data.slice(0, 300));
  assert.match(slow.data, /\r\nConnection: close\r\n/i);
  assert.match(slow.data, /"revision":\s*\d+/);
  await until(() => s.exited() !== null, 5000, 'the exit');
  assert.equal(s.exited(), 0, s.stderr());
  assert.match(s.stderr(), /stopping \(signal 15\), 1 request in flight/);
  assert.match(s.stderr(), /stopped, the store is closed/);
  check(store);
  const again = await startServer(store, []);
  servers.push(again);
  const a = (await http(`${again.base}/models/base/alignment`)).json;
  assert.equal(a.units['08031'], 'T02', 'the answered move is in the store');
  assert.equal(a.revision, rev + 1);
  assert.equal(await again.stop(), 0);
});

test('SIGTERM while a design job runs: the worker stops, exit 0 at once, nothing saved, the job left for another worker', async () => {
  const { s, store } = await start('job');
  const r = await http(`${s.base}/jobs`, {
    method: 'POST',
    body: { kind: 'design', model: 'base', target: 'long-run', k: 5, balance: ['accounts'], starts: 1000, time_limit: 120 },
  });
  assert.equal(r.status, 202, r.text);
  let j;
  const t0 = Date.now();
  do {
    j = (await http(`${s.base}/jobs/${r.json.id}`)).json;
    if (j.state !== 'running') await sleep(50);
  } while (j.state === 'queued' && Date.now() - t0 < 10000);
  assert.equal(j.state, 'running', `the job is running: ${JSON.stringify(j).slice(0, 300)}`);
  await sleep(300);
  const t1 = performance.now();
  const code = await s.stop();
  const ms = performance.now() - t1;
  console.log(`     exit ${code} ${ms.toFixed(0)} ms after SIGTERM (the job's time limit: 120 s)`);
  assert.equal(code, 0, s.stderr());
  assert.ok(ms < 10000, `stopped in ${ms.toFixed(0)} ms`);
  check(store);
  const again = await startServer(store, ['--no-worker']);
  servers.push(again);
  assert.equal((await http(`${again.base}/models/long-run`)).status, 404, 'the stopped job saved no model');
  const left = (await http(`${again.base}/jobs/${r.json.id}`)).json;
  assert.equal(left.state, 'running', `the job stays in the queue until its lease ends: ${JSON.stringify(left).slice(0, 300)}`);
  assert.equal((await http(`${again.base}/models/base`)).status, 200);
  assert.equal(await again.stop(), 0);
});

test('SIGTERM with a request whose body never ends: the stop waits at most the request deadline', async () => {
  const { s, store } = await start('stuck', ['--request-deadline', '2']);
  const stuck = await connect(s.port);
  stuck.sock.write('POST /api/v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"na');
  await sleep(200);
  const t0 = performance.now();
  const code = await s.stop();
  const ms = performance.now() - t0;
  console.log(`     exit ${code} ${ms.toFixed(0)} ms after SIGTERM; the stuck client got ${JSON.stringify(stuck.data.split('\r\n')[0])}`);
  assert.equal(code, 0, s.stderr());
  assert.ok(ms < 3500, `stopped in ${ms.toFixed(0)} ms`);
  assert.match(stuck.data, /^HTTP\/1\.1 408 /);
  check(store);
});

test('a second SIGTERM ends the wait at once', async () => {
  const { s, store } = await start('twice');
  const stuck = await connect(s.port);
  stuck.sock.write('POST /api/v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
  await sleep(200);
  s.proc.kill('SIGTERM');
  await sleep(300);
  assert.equal(s.exited(), null, 'waiting for the request in flight');
  const t0 = performance.now();
  const code = await s.stop();
  assert.equal(code, 0, s.stderr());
  assert.ok(performance.now() - t0 < 2000);
  assert.match(s.stderr(), /a second signal/);
  check(store);
  stuck.sock.destroy();
});

await run({
  after: async () => {
    for (const s of servers) if (s.exited() === null) await s.stop();
    removeDir(dir);
  },
});

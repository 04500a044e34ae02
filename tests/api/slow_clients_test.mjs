// Slow clients: 1,000 connections from 127.0.1.1-127.0.1.10 (100 each)
// trickle a request header one byte every ~500 ms while a client from
// 127.0.0.1 asks for /api/v1/health 20 times; every answer must be 200 (a
// generous 2 s bound here; bench/serve.sh measures the 100 ms target).
// Meanwhile a client trickling a header one byte every 2 s and one sending a
// body at 10 bytes/s are cut by the default request deadline, 30 s, with a
// 408. With --request-deadline 3, 1,000 such trickling connections are all
// cut within it while health is served. Then the caps: with --per-client 50
// the 51st connection from one address is refused while other addresses are
// still served; with --max-connections 20 the server holds 20 connections
// and the others wait unaccepted in the listen queue until one closes.
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  test, run, tempDir, removeDir, buildSmallStore, startServer, rawRequest, sleep, slowClient, testStore,
} from './harness.mjs';

const SLOW_PER_ADDR = 100;
const SLOW_ADDRS = Array.from({ length: 10 }, (_, i) => `127.0.1.${i + 1}`);
const TICK_MS = 500;

const dir = tempDir('regio-slow-');
let db = '';
let srv = null, srvCap = null;
const sockets = [];

/** Opens one connection from localAddress; resolves with a record tracking its fate. */
function openConn(port, localAddress) {
  return new Promise(resolve => {
    const rec = { sock: null, connected: false, closed: false, error: null, received: 0 };
    const s = net.connect({ host: '127.0.0.1', port, localAddress });
    rec.sock = s;
    sockets.push(s);
    s.setNoDelay(true);
    s.on('connect', () => { rec.connected = true; resolve(rec); });
    s.on('data', d => { rec.received += d.length; rec.data = (rec.data || '') + d.toString('latin1'); });
    s.on('error', e => { rec.error = e.code || String(e); resolve(rec); });
    s.on('close', () => { rec.closed = true; resolve(rec); });
  });
}

async function openMany(port, addrs, perAddr, batch = 100) {
  const all = [];
  const plan = [];
  for (let k = 0; k < perAddr; k++) for (const a of addrs) plan.push(a);
  for (let i = 0; i < plan.length; i += batch)
    all.push(...await Promise.all(plan.slice(i, i + batch).map(a => openConn(port, a))));
  return all;
}

/** One GET on a fresh connection (Connection: close): {status, ms}. */
async function freshGet(port, path, localAddress) {
  const t0 = performance.now();
  const r = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    { timeoutMs: 5000, localAddress });
  return { status: r.status, ms: performance.now() - t0, error: r.error, data: r.data };
}

test('setup: a small store and a server with the default limits', async () => {
  db = testStore(dir, 'slow');
  buildSmallStore(db, { design: false });
  srv = await startServer(db, []);
  deadlineHeader = slowClient(srv.port, 'header');
  deadlineBody = slowClient(srv.port, 'body');
});

let slow = [];
let trickle = null;
let deadlineHeader = null, deadlineBody = null;
test(`1,000 trickling connections from ${SLOW_ADDRS[0]}-${SLOW_ADDRS.at(-1)} all connect`, async () => {
  slow = await openMany(srv.port, SLOW_ADDRS, SLOW_PER_ADDR);
  assert.equal(slow.length, SLOW_ADDRS.length * SLOW_PER_ADDR);
  const ok = slow.filter(r => r.connected && !r.closed).length;
  assert.equal(ok, 1000, `connected and open: ${ok} (errors: ${[...new Set(slow.map(r => r.error).filter(Boolean))]})`);
  // Each sends the start of a request, then one more header byte every
  // ~500 ms, staggered over the period so bytes arrive all the time.
  for (const r of slow) r.sock.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
  const slots = 50;
  let tick = 0;
  trickle = setInterval(() => {
    const slot = tick++ % slots;
    for (let i = slot; i < slow.length; i += slots)
      if (!slow[i].closed) slow[i].sock.write('a');
  }, TICK_MS / slots);
  await sleep(1500);
  const open = slow.filter(r => !r.closed).length;
  assert.equal(open, 1000, `still open after 1.5 s of trickling: ${open}`);
});

test('while they trickle, 20 GETs of /api/v1/health from 127.0.0.1 all answer 200 within 2 s', async () => {
  const lat = [];
  for (let i = 0; i < 20; i++) {
    const r = await freshGet(srv.port, '/api/v1/health', '127.0.0.1');
    assert.equal(r.status, 200, `request ${i}: ${r.error || r.data.slice(0, 100)}`);
    assert.ok(r.ms < 2000, `request ${i} took ${r.ms.toFixed(0)} ms`);
    lat.push(r.ms);
    await sleep(150);
  }
  lat.sort((a, b) => a - b);
  console.log(`     health under 1,000 slow connections: median ${lat[10].toFixed(1)} ms, max ${lat[19].toFixed(1)} ms`);
  const open = slow.filter(r => !r.closed).length;
  assert.equal(open, 1000, `the slow connections were all still open during the test: ${open}`);
  assert.equal(slow.reduce((s, r) => s + r.received, 0), 0, 'no slow connection got an answer (their headers never end)');
});

test('cleanup: the slow connections are closed and the server still answers', async () => {
  clearInterval(trickle);
  trickle = null;
  for (const r of slow) r.sock.destroy();
  await sleep(300);
  const r = await freshGet(srv.port, '/api/v1/health', '127.0.1.1');
  assert.equal(r.status, 200, 'a slow address is served once its connections are gone');
});

test('the default request deadline: a header at 1 byte / 2 s and a body at 10 bytes/s are cut at 30 s with 408', async () => {
  const [h, b] = await Promise.all([deadlineHeader, deadlineBody]);
  console.log(`     header trickle cut after ${(h.ms / 1000).toFixed(2)} s, body trickle after ${(b.ms / 1000).toFixed(2)} s`);
  for (const [what, x] of [['header', h], ['body', b]]) {
    assert.ok(x.ms >= 29500 && x.ms <= 31000, `${what}: open ${x.ms.toFixed(0)} ms`);
    assert.match(x.data, /^HTTP\/1\.1 408 /, `${what}: ${x.data.slice(0, 200)}`);
    assert.match(x.data, /"code":"request_timeout"/);
  }
  assert.equal(await srv.stop(), 0, `server exit status; stderr:\n${srv.stderr().slice(-2000)}`);
});

test('--request-deadline 3: 1,000 connections trickling a header byte every 2 s are all cut within it; health is served meanwhile', async () => {
  const s3 = await startServer(db, ['--request-deadline', '3']);
  try {
    const t0 = performance.now();
    const conns = await openMany(s3.port, SLOW_ADDRS, SLOW_PER_ADDR);
    const opened = performance.now() - t0;
    for (const r of conns) r.sock.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const timer = setInterval(() => { for (const r of conns) if (!r.closed) r.sock.write('a'); }, 2000);
    const lat = [];
    while (conns.some(r => !r.closed) && performance.now() - t0 < 10000) {
      const h = await freshGet(s3.port, '/api/v1/health', '127.0.0.1');
      assert.equal(h.status, 200, h.error || h.data.slice(0, 100));
      lat.push(h.ms);
      await sleep(100);
    }
    clearInterval(timer);
    const all = performance.now() - t0;
    const open = conns.filter(r => !r.closed).length;
    const with408 = conns.filter(r => /^HTTP\/1\.1 408 /.test(r.data || '')).length;
    lat.sort((a, b) => a - b);
    console.log(`     1,000 opened in ${opened.toFixed(0)} ms, all cut ${(all / 1000).toFixed(2)} s after the first opened; ` +
      `${with408} got a 408; health x${lat.length}: max ${lat.at(-1).toFixed(1)} ms`);
    assert.equal(open, 0, 'connections still open');
    assert.ok(all <= 3000 + opened + 1000, `all cut after ${all.toFixed(0)} ms`);
    assert.equal(with408, 1000, 'each got a 408');
    assert.ok(lat.at(-1) < 2000, `health max ${lat.at(-1)} ms`);
  } finally {
    assert.equal(await s3.stop(), 0);
  }
});

test('--per-client 50: the connections past 50 from one address are refused; other addresses are served', async () => {
  srvCap = await startServer(db, ['--per-client', '50']);
  const addr = '127.0.2.1';
  const conns = [];
  for (let i = 0; i < 60; i++) conns.push(await openConn(srvCap.port, addr));
  await sleep(300); // let the server accept (and refuse) them all
  // Every connection asks for health on a kept-alive connection.
  for (const c of conns) if (!c.closed) c.sock.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  const t0 = Date.now();
  while (Date.now() - t0 < 5000 && conns.some(c => !c.closed && !/^HTTP\/1\.1 \d{3}/.test(c.data || ''))) await sleep(50);
  const answered = conns.filter(c => /^HTTP\/1\.1 200/.test(c.data || '')).length;
  const refused = conns.filter(c => c.closed && !c.data).length;
  console.log(`     60 connections from ${addr}: ${answered} answered, ${refused} refused/closed without an answer`);
  assert.equal(answered, 50, 'answered connections');
  assert.equal(refused, 10, 'refused connections');
  const other = await freshGet(srvCap.port, '/api/v1/health', '127.0.2.2');
  assert.equal(other.status, 200, 'another address is served while 127.0.2.1 is at its cap');
  const local = await freshGet(srvCap.port, '/api/v1/health', '127.0.0.1');
  assert.equal(local.status, 200);
  const over = await freshGet(srvCap.port, '/api/v1/health', addr);
  assert.equal(over.status, null, `a 61st connection from ${addr} gets no answer`);
  for (const c of conns) c.sock.destroy();
  await sleep(300);
  const again = await freshGet(srvCap.port, '/api/v1/health', addr);
  assert.equal(again.status, 200, `${addr} is served again once its connections closed`);
});

test('--max-connections 20 (one worker thread): 20 connections are served, the rest wait in the listen queue until one closes', async () => {
  const s = await startServer(db, ['--max-connections', '20', '--threads', '1']);
  try {
    const conns = [];
    for (let i = 0; i < 30; i++) conns.push(await openConn(s.port, `127.0.3.${i + 1}`));
    await sleep(300);
    for (const c of conns) if (!c.closed) c.sock.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const answered = () => conns.filter(c => /^HTTP\/1\.1 200/.test(c.data || ''));
    const t0 = Date.now();
    while (Date.now() - t0 < 5000 && answered().length < 20) await sleep(50);
    await sleep(500);
    const first = answered();
    console.log(`     30 connections: ${first.length} answered while the first 20 stay open`);
    assert.equal(first.length, 20, 'answered while 20 are held');
    // The server holds no more: the other ten were not accepted. Once the
    // first twenty close, they are (their requests were waiting).
    for (const c of first) c.sock.destroy();
    const t1 = Date.now();
    while (Date.now() - t1 < 5000 && answered().length < 30) await sleep(50);
    assert.equal(answered().length, 30, 'the waiting ten are served once the first twenty closed');
    for (const c of conns) c.sock.destroy();
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

await run({
  after: async () => {
    if (trickle) clearInterval(trickle);
    for (const s of sockets) s.destroy();
    for (const s of [srv, srvCap]) if (s && s.exited() === null) await s.stop();
    removeDir(dir);
  },
});

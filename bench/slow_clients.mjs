// Another client under 1,000 slow connections: connections from
// 127.0.1.1-127.0.1.10 (100 each) trickle a request header one byte every
// ~500 ms while a client from 127.0.0.1 makes 100 GETs of /api/v1/health and
// 20 of /api/v1/territories.geojson, each on a fresh connection; then it
// keeps asking for health every 50 ms until the server's request deadline has
// cut every slow connection. Meanwhile one client trickles a header one byte
// every 2 s and one sends a body at 10 bytes/s: the seconds until the server
// cut each. Prints one JSON line with the latencies (ms), how many slow
// connections stayed open through the first phase, and the cut times.
//   node bench/slow_clients.mjs PORT [SLOW=1000]
import net from 'node:net';
import { rawRequest, percentile, sleep, slowClient } from '../tests/api/harness.mjs';

const port = Number(process.argv[2]);
const SLOW = Number(process.argv[3] || 1000);
if (!port) { console.error('usage: node bench/slow_clients.mjs PORT [SLOW]'); process.exit(2); }
const ADDRS = Array.from({ length: 10 }, (_, i) => `127.0.1.${i + 1}`);

const slow = [];
function open(addr) {
  return new Promise(resolve => {
    const rec = { closed: false, data: '', s: net.connect({ host: '127.0.0.1', port, localAddress: addr }) };
    rec.s.setNoDelay(true);
    rec.s.on('connect', () => resolve(rec));
    rec.s.on('data', d => { rec.data += d.toString('latin1'); });
    rec.s.on('error', () => { rec.closed = true; resolve(rec); });
    rec.s.on('close', () => { rec.closed = true; rec.closedAt = performance.now(); resolve(rec); });
    slow.push(rec);
  });
}

// The seconds until the server cut each, and whether with a 408.
const cut = p => p.then(r => ({ s: Math.round(r.ms / 10) / 100, status408: r.status === 408 }));
const headerTrickle = cut(slowClient(port, 'header', { localAddress: '127.0.0.2' }));
const bodyTrickle = cut(slowClient(port, 'body', { localAddress: '127.0.0.2' }));
const tOpen = performance.now();
for (let i = 0; i < SLOW; i += 100)
  await Promise.all(Array.from({ length: Math.min(100, SLOW - i) }, (_, k) => open(ADDRS[(i + k) % ADDRS.length])));
for (const r of slow) if (!r.closed) r.s.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
const SLOTS = 50;
let tick = 0;
const timer = setInterval(() => {
  const slot = tick++ % SLOTS;
  for (let i = slot; i < slow.length; i += SLOTS) if (!slow[i].closed) slow[i].s.write('a');
}, 500 / SLOTS);
await sleep(1000);

async function timed(path, n) {
  const ms = [];
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, { timeoutMs: 10000, localAddress: '127.0.0.1' });
    ms.push(performance.now() - t0);
    if (r.status !== 200) bad++;
    await sleep(20);
  }
  ms.sort((a, b) => a - b);
  const r1 = x => Math.round(x * 10) / 10;
  return { n, errors: bad, median_ms: r1(percentile(ms, 50)), p99_ms: r1(percentile(ms, 99)), max_ms: r1(ms.at(-1)) };
}
const health = await timed('/api/v1/health', 100);
const geojson = await timed('/api/v1/territories.geojson', 20);
const open_at_end = slow.filter(r => !r.closed).length;
// Health every 50 ms until the deadline has cut every slow connection (or 60 s).
const cutMs = [];
let cutErrors = 0;
while (slow.some(r => !r.closed) && performance.now() - tOpen < 60000) {
  const t0 = performance.now();
  const r = await rawRequest(port, 'GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', { timeoutMs: 10000, localAddress: '127.0.0.1' });
  cutMs.push(performance.now() - t0);
  if (r.status !== 200) cutErrors++;
  await sleep(50);
}
clearInterval(timer);
const still_open = slow.filter(r => !r.closed).length;
const lastCut = Math.max(...slow.map(r => r.closedAt || 0));
const got408 = slow.filter(r => /^HTTP\/1\.1 408 /.test(r.data)).length;
for (const r of slow) r.s.destroy();
cutMs.sort((a, b) => a - b);
const r1 = x => Math.round(x * 10) / 10;
const until_cut = { n: cutMs.length, errors: cutErrors, median_ms: r1(percentile(cutMs, 50)), p99_ms: r1(percentile(cutMs, 99)), max_ms: r1(cutMs.at(-1) ?? NaN) };
const [header, body] = await Promise.all([headerTrickle, bodyTrickle]);
console.log(JSON.stringify({
  slow: SLOW, open_at_end, health, geojson, still_open, all_cut_s: r1((lastCut - tOpen) / 1000), got408, until_cut,
  header_trickle: header, body_trickle: body,
}));

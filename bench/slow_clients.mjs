// Another client under 1,000 slow connections: connections from
// 127.0.1.1-127.0.1.10 (100 each) trickle a request header one byte every
// ~500 ms while a client from 127.0.0.1 makes 100 GETs of /api/v1/health and
// 20 of /api/v1/territories.geojson, each on a fresh connection. Prints one
// JSON line with the latencies (ms) and how many slow connections stayed open.
//   node bench/slow_clients.mjs PORT [SLOW=1000]
import net from 'node:net';
import { rawRequest, percentile, sleep } from '../tests/api/harness.mjs';

const port = Number(process.argv[2]);
const SLOW = Number(process.argv[3] || 1000);
if (!port) { console.error('usage: node bench/slow_clients.mjs PORT [SLOW]'); process.exit(2); }
const ADDRS = Array.from({ length: 10 }, (_, i) => `127.0.1.${i + 1}`);

const slow = [];
function open(addr) {
  return new Promise(resolve => {
    const rec = { closed: false, s: net.connect({ host: '127.0.0.1', port, localAddress: addr }) };
    rec.s.setNoDelay(true);
    rec.s.on('connect', () => resolve(rec));
    rec.s.on('error', () => { rec.closed = true; resolve(rec); });
    rec.s.on('close', () => { rec.closed = true; resolve(rec); });
    slow.push(rec);
  });
}
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
clearInterval(timer);
for (const r of slow) r.s.destroy();
console.log(JSON.stringify({ slow: SLOW, open_at_end, health, geojson }));

// Edit round trip of `regio serve`: N times, POST a move of one unit
// (alternating between its territory and a neighbouring one, with the
// current revision) and read the balance in the answer. Prints one JSON
// line: {n, median_ms, p95_ms, max_ms, unit, from, to, geo_*} where geo_*
// times the move plus the GET of the territories GeoJSON the app makes next.
//   node bench/serve_roundtrip.mjs API_BASE MODEL [N]   (RT_ALL=1: every time on stderr)
import { http, percentile } from '../tests/api/harness.mjs';

const [base, model, nArg] = process.argv.slice(2);
if (!base || !model) {
  console.error('usage: node bench/serve_roundtrip.mjs http://127.0.0.1:PORT/api/v1 MODEL [N]');
  process.exit(2);
}
const N = Number(nArg || 50);
const enc = encodeURIComponent;
const must = (r, what) => { if (r.status !== 200) throw new Error(`${what}: HTTP ${r.status} ${r.text.slice(0, 200)}`); return r.json; };

const al = must(await http(`${base}/models/${enc(model)}/alignment`), 'alignment');
const units = must(await http(`${base}/units?limit=5000`), 'units').units;
const terrs = must(await http(`${base}/models/${enc(model)}/territories`), 'territories').territories;
// A unit with accounts in a territory of several units; the other territory
// is the one whose centroid is nearest (a plausible neighbour).
const count = {};
for (const t of Object.values(al.units)) count[t] = (count[t] || 0) + 1;
const centre = {};
for (const u of units) {
  const t = al.units[u.id];
  if (!t) continue;
  const c = centre[t] || (centre[t] = { lat: 0, lon: 0, n: 0 });
  c.lat += u.lat; c.lon += u.lon; c.n++;
}
const unit = units.find(u => u.measures.accounts > 0 && count[al.units[u.id]] > 1 && !al.locked.includes(u.id));
const from = al.units[unit.id];
const d2 = t => { const c = centre[t]; return (c.lat / c.n - unit.lat) ** 2 + (c.lon / c.n - unit.lon) ** 2; };
const to = terrs.map(t => t.id).filter(t => t !== from && centre[t]).sort((a, b) => d2(a) - d2(b))[0];

let rev = al.revision;
let cur = from;
async function moveTo(t) {
  const t0 = performance.now();
  const r = await http(`${base}/models/${enc(model)}/moves`, { method: 'POST', body: { revision: rev, moves: [{ unit: unit.id, to: t }] } });
  const j = must(r, 'move');
  // "Read the returned balance": the changed territories and the summary.
  if (!j.territories.length || typeof j.summary.balance !== 'object') throw new Error('no balance in the answer: ' + JSON.stringify(j).slice(0, 600));
  rev = j.revision;
  cur = t;
  return performance.now() - t0;
}

const ms = [], geo = [];
for (let i = 0; i < N; i++) ms.push(await moveTo(cur === from ? to : from));
// The same again, each followed by the GeoJSON refresh the app makes.
for (let i = 0; i < Math.min(N, 20); i++) {
  const t0 = performance.now();
  await moveTo(cur === from ? to : from);
  must(await http(`${base}/models/${enc(model)}/territories.geojson`), 'geojson');
  geo.push(performance.now() - t0);
}
// Leave the unit where it started.
if (cur !== from) await moveTo(from);
if (process.env.RT_ALL) console.error(ms.map(x => x.toFixed(0)).join(" "));
ms.sort((a, b) => a - b);
geo.sort((a, b) => a - b);
const r1 = x => Math.round(x * 10) / 10;
console.log(JSON.stringify({
  n: ms.length, unit: unit.id, from, to,
  median_ms: r1(percentile(ms, 50)), p95_ms: r1(percentile(ms, 95)), max_ms: r1(ms.at(-1)),
  geo_n: geo.length, geo_median_ms: r1(percentile(geo, 50)), geo_p95_ms: r1(percentile(geo, 95)), geo_max_ms: r1(geo.at(-1)),
}));

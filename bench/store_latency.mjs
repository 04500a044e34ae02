// The same requests to `regio serve` on a SQLite store and on a PostgreSQL
// one: the small store of the API tests (Colorado's counties, the sample
// accounts, model `base` of 5 territories) built by the CLI, then 300
// sequential GETs of each read (after 20 to warm up) and 100 moves, each
// based on the revision the previous one answered. Prints one JSON line a
// backend: {path: {p50, p99}} in ms.
//   node bench/store_latency.mjs sqlite
//   REGIO_TEST_DB=postgresql://... node bench/store_latency.mjs pg   (a cluster of tests/pg/pg_cluster.sh)
import { join } from 'node:path';
import {
  buildSmallStore, startServer, http, pgStore, pgStoreDrop, percentile, tempDir, removeDir,
} from '../tests/api/harness.mjs';

const kind = process.argv[2];
if (kind !== 'sqlite' && kind !== 'pg') {
  console.error('usage: node bench/store_latency.mjs sqlite|pg');
  process.exit(2);
}
const dir = kind === 'sqlite' ? tempDir() : null;
const db = kind === 'pg' ? pgStore('latency') : join(dir, 'latency.db');
buildSmallStore(db);
const srv = await startServer(db);
const stat = ms => {
  ms.sort((a, b) => a - b);
  return { p50: +percentile(ms, 50).toFixed(2), p99: +percentile(ms, 99).toFixed(2) };
};
const res = {};
for (const path of ['/models/base/alignment', '/models/base/territories', '/accounts?limit=50']) {
  for (let i = 0; i < 20; i++) await http(srv.base + path);
  const ms = [];
  for (let i = 0; i < 300; i++) ms.push((await http(srv.base + path)).ms);
  res[path] = stat(ms);
}
const al = (await http(srv.base + '/models/base/alignment')).json;
const units = Object.keys(al.units).sort(), terr = [...new Set(Object.values(al.units))].sort();
let rev = al.revision;
const ms = [];
for (let i = 0; i < 100; i++) {
  const u = units[i % units.length];
  const to = terr[(terr.indexOf(al.units[u]) + 1 + i) % terr.length];
  const r = await http(srv.base + '/models/base/moves',
    { method: 'POST', body: { revision: rev, moves: [{ unit: u, to }] } });
  if (r.json && r.json.revision) rev = r.json.revision;
  ms.push(r.ms);
}
res['POST /models/base/moves'] = stat(ms);
console.log(JSON.stringify({ backend: kind, ...res }));
await srv.stop();
if (kind === 'pg') pgStoreDrop(db);
else removeDir(dir);

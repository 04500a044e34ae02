#!/usr/bin/env node
// Checks an alignment without Regio's code: reads the units CSV (id and a
// measure column), the adjacency as `regio export adjacency` writes it (one
// unit pair a line, island links included) and the alignment
// (unit_id,territory), then recounts each territory's total of the measure
// against the mean target (balance = the largest |total / target - 1|) and
// finds the connected pieces of each territory by union-find over the
// pairs whose two units share a territory. Plain CSV only (no quotes).
//
//   node bench/check_alignment.mjs UNITS.csv ADJ.csv ALIGN.csv MEASURE K
//
// Prints one line: balance=B noncontig=N empty=E unaligned=U territories=T
// (empty: of the K territories, how many hold no unit).
import { readFileSync } from 'node:fs';

const [unitsPath, adjPath, alignPath, measure, kArg] = process.argv.slice(2);
if (!kArg) {
  console.error('usage: check_alignment.mjs UNITS.csv ADJ.csv ALIGN.csv MEASURE K');
  process.exit(2);
}
const k = Number(kArg);
const lines = (p) => readFileSync(p, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);

const ul = lines(unitsPath);
const head = ul[0].split(',');
const ci = head.indexOf('id') >= 0 ? head.indexOf('id') : 0;
const cm = head.indexOf(measure);
if (cm < 0) {
  console.error(`no column ${measure} in ${unitsPath}`);
  process.exit(2);
}
const index = new Map();
const amount = [];
for (const l of ul.slice(1)) {
  const f = l.split(',');
  index.set(f[ci], amount.length);
  amount.push(Number(f[cm]));
}
const n = amount.length;

const terr = new Array(n).fill(null);
for (const l of lines(alignPath).slice(1)) {
  const [u, t] = l.split(',');
  if (index.has(u)) terr[index.get(u)] = t;
}

const parent = Array.from({ length: n }, (_, i) => i);
const find = (a) => {
  while (parent[a] !== a) a = parent[a] = parent[parent[a]];
  return a;
};
for (const l of lines(adjPath).slice(1)) {
  const [a, b] = l.split(',').map((u) => index.get(u));
  if (a === undefined || b === undefined || terr[a] === null || terr[a] !== terr[b]) continue;
  parent[find(a)] = find(b);
}

const total = new Map();
const roots = new Map();
let sum = 0;
let unaligned = 0;
for (let i = 0; i < n; i++) {
  sum += amount[i];
  if (terr[i] === null) {
    unaligned++;
    continue;
  }
  total.set(terr[i], (total.get(terr[i]) ?? 0) + amount[i]);
  if (!roots.has(terr[i])) roots.set(terr[i], new Set());
  roots.get(terr[i]).add(find(i));
}
const target = sum / k;
let balance = 0;
for (const v of total.values()) balance = Math.max(balance, Math.abs(v / target - 1));
const empty = Math.max(0, k - total.size);
if (empty > 0) balance = Math.max(balance, 1);
let noncontig = 0;
for (const r of roots.values()) if (r.size > 1) noncontig++;
console.log(`balance=${balance.toFixed(6)} noncontig=${noncontig} empty=${empty} unaligned=${unaligned} territories=${total.size}`);

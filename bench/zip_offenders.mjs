#!/usr/bin/env node
// The territories of an alignment outside a tolerance and their
// neighbourhoods, without Regio's code (issue 14, k=5,000 at 10% on the
// ZIP set): for each territory off by more than TOL it prints its units
// (measure values), the territories around it by rings of the territory
// adjacency, and for each ring the window's total, its number of
// territories and the range of territory counts that the total allows
// within the tolerance (ceil(total / (target (1 + tol))) ..
// floor(total / (target (1 - tol)))): when the window's count lies in
// that range the window's load is not the obstacle, its granularity is.
//
//   node bench/zip_offenders.mjs UNITS.csv ADJ.csv ALIGN.csv MEASURE K TOL [RINGS]
//
// Plain CSV only (no quotes). Deterministic.
import { readFileSync } from 'node:fs';

const [unitsPath, adjPath, alignPath, measure, kArg, tolArg, ringsArg] = process.argv.slice(2);
if (!tolArg) {
  console.error('usage: zip_offenders.mjs UNITS.csv ADJ.csv ALIGN.csv MEASURE K TOL [RINGS]');
  process.exit(2);
}
const k = Number(kArg), tol = Number(tolArg), rings = Number(ringsArg ?? 3);
const lines = (p) => readFileSync(p, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);

const ul = lines(unitsPath);
const head = ul[0].split(',');
const ci = Math.max(0, head.indexOf('id'));
const cm = head.indexOf(measure);
if (cm < 0) {
  console.error(`no column ${measure}`);
  process.exit(2);
}
const index = new Map(), ids = [], amount = [];
for (const l of ul.slice(1)) {
  const f = l.split(',');
  index.set(f[ci], amount.length);
  ids.push(f[ci]);
  amount.push(Number(f[cm]));
}
const n = amount.length;
const nbr = Array.from({ length: n }, () => []);
for (const l of lines(adjPath).slice(1)) {
  const [a, b] = l.split(',').map((u) => index.get(u));
  if (a === undefined || b === undefined || a === b) continue;
  nbr[a].push(b);
  nbr[b].push(a);
}
const terr = new Array(n).fill(null);
for (const l of lines(alignPath).slice(1)) {
  const [u, t] = l.split(',');
  if (index.has(u)) terr[index.get(u)] = t;
}
const total = new Map(), members = new Map();
let sum = 0;
for (let i = 0; i < n; i++) {
  sum += amount[i];
  if (terr[i] === null) continue;
  total.set(terr[i], (total.get(terr[i]) ?? 0) + amount[i]);
  if (!members.has(terr[i])) members.set(terr[i], []);
  members.get(terr[i]).push(i);
}
const target = sum / k;
const tadj = new Map();
for (const t of total.keys()) tadj.set(t, new Set());
for (let a = 0; a < n; a++) {
  for (const b of nbr[a]) {
    if (terr[a] !== null && terr[b] !== null && terr[a] !== terr[b]) tadj.get(terr[a]).add(terr[b]);
  }
}
const dev = (t) => total.get(t) / target - 1;
const pct = (x) => `${(100 * x).toFixed(1)}%`;
const off = [...total.keys()].filter((t) => Math.abs(dev(t)) > tol + 1e-9)
  .sort((a, b) => Math.abs(dev(b)) - Math.abs(dev(a)));
console.log(`target ${target.toFixed(2)}, band [${(target * (1 - tol)).toFixed(2)}, ${(target * (1 + tol)).toFixed(2)}], ${off.length} territories off`);
for (const t of off) {
  const ms = members.get(t);
  const mean = ms.reduce((s, i) => s + [ids[i], amount[i]][1], 0) / ms.length;
  console.log(`\n${t}: ${total.get(t).toFixed(2)} (${pct(dev(t))}), ${ms.length} units, e.g. ${ids[ms[0]]}, mean unit ${mean.toFixed(2)}`);
  console.log(`  units: ${ms.map((i) => amount[i].toFixed(1)).join(' ')}`);
  const seen = new Set([t]);
  let ring = [t];
  for (let r = 1; r <= rings; r++) {
    const next = [];
    for (const a of ring) for (const b of tadj.get(a)) if (!seen.has(b)) { seen.add(b); next.push(b); }
    ring = next;
    if (r === 1) console.log(`  ring 1: ${next.map((b) => `${b} ${pct(dev(b))}`).join(', ')}`);
    let L = 0, units = 0, heavy = 0;
    for (const s of seen) {
      L += total.get(s);
      for (const i of members.get(s)) { units++; if (amount[i] > target / 3) heavy++; }
    }
    const lo = Math.ceil(L / (target * (1 + tol)) - 1e-9), hi = Math.floor(L / (target * (1 - tol)) + 1e-9);
    console.log(`  rings <= ${r}: ${seen.size} territories, ${units} units (${heavy} above a third of the target), total ${L.toFixed(1)} = ${(L / target).toFixed(2)} targets; counts allowed ${lo}..${hi}${seen.size >= lo && seen.size <= hi ? '' : ' (count outside)'}`);
  }
}

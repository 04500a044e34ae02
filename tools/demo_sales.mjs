#!/usr/bin/env node
// The demo goals and results of `make run`: a year of sales lines (won,
// open, lost), quarterly quotas per territory and visits for the sample
// market, loaded with `regio import sales|quotas|activities`. Amounts follow
// each account's potential (its revenue when it has none), quotas each
// territory's potential, and visits each account's visits_per_year; a few
// territories book and visit clearly less than the others, so the flags of
// docs/PERFORMANCE.md have something to say. Everything is drawn from a
// seeded PRNG: the same store and seed give the same files, and importing
// them again changes nothing.
//
//   node tools/demo_sales.mjs --db regio-sample.db --regio build/regio
//        [--model sample-live] [--year 2026] [--seed 20261207] [--out DIR]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRng } from './prng.mjs';
import { opt, db, bin } from './demo_args.mjs';

const model = opt('model', 'sample-live');
const year = Number(opt('year', '2026'));
const seed = Number(opt('seed', '20261207'));
const keepDir = opt('out', null);

// Under-performing territories: this share books and visits about half.
const WEAK_SHARE = 0.2;
// Yearly bookings of an account as a share of its potential (a healthy territory).
const BOOK_RATE = 0.3;
// The share of each month in a year's bookings (busier at quarter ends and in Q4).
const SEASON = [0.065, 0.07, 0.095, 0.075, 0.08, 0.095, 0.07, 0.065, 0.09, 0.085, 0.095, 0.115];

// A failure ends the script with one line: what failed and regio's own message.
process.on('uncaughtException', (e) => { console.error(`demo_sales: ${e.message}`); process.exit(1); });
function regio(argv) {
  try {
    return execFileSync(bin, [...argv, '--db', db], { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`regio ${argv[0]} ${argv[1]} failed: ${String(e.stderr || e.message).trim()}`);
  }
}

/** RFC 4180 CSV into arrays of strings. */
function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') q = false; else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}
function records(text) {
  const [head, ...rows] = parseCsv(text);
  return rows.filter((r) => r.length === head.length).map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}
const csv = (rows) => rows.map((r) => r.join(',')).join('\n') + '\n';

const rng = makeRng(seed);
const pad = (n, w) => String(n).padStart(w, '0');
const DAYS = [31, (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const SEASON_CUM = SEASON.reduce((a, v) => [...a, (a.length ? a[a.length - 1] : 0) + v], []);
/** A day of `y` in month m (0-11), uniform within the month. */
const dayIn = (y, m) => `${y}-${pad(m + 1, 2)}-${pad(1 + rng.int(DAYS[m]), 2)}`;
const seasonalDay = () => dayIn(year, rng.weighted(SEASON_CUM));
const money = (v) => String(Math.max(100, Math.round(v / 10) * 10));

const accounts = records(regio(['export', 'accounts', '--model', model, '--out', '-'])).filter((a) => a.territory);
const territories = records(regio(['export', 'territories', '--model', model, '--format', 'csv', '--out', '-']));
const repOf = new Map(territories.map((t) => [t.name, t.rep]));
const leaves = [...new Set(accounts.map((a) => a.territory))].sort();

// Each territory's form: the weak ones book about half their potential's
// share and visit half as often; the others spread around the norm.
const form = new Map();
const weak = new Set();
const order = leaves.map((t) => [t, rng.float()]).sort((a, b) => a[1] - b[1]);
order.slice(0, Math.max(1, Math.round(leaves.length * WEAK_SHARE))).forEach(([t]) => weak.add(t));
for (const t of leaves) {
  form.set(t, weak.has(t)
    ? { sales: 0.4 + 0.15 * rng.float(), visits: 0.45 + 0.2 * rng.float(), win: 0.3 }
    : { sales: 0.85 + 0.35 * rng.float(), visits: 1.05 + 0.25 * rng.float(), win: 0.5 });
}

const sales = [['id', 'account', 'date', 'amount', 'status', 'probability', 'product', 'rep']];
const visits = [['id', 'account', 'user', 'date', 'type', 'duration_min', 'outcome']];
const PRODUCTS = ['Platform', 'Services', 'Support', 'Training'];
const OUTCOMES = ['order discussed', 'follow-up agreed', 'demo given', 'no decision'];
const potentialOf = new Map();
let nSale = 0, nAct = 0;
for (const a of accounts) {
  const f = form.get(a.territory);
  const rep = repOf.get(a.territory) || '';
  const potential = Number(a.potential) > 0 ? Number(a.potential) : 0.01 * (Number(a.annual_revenue) || 0);
  potentialOf.set(a.territory, (potentialOf.get(a.territory) || 0) + potential);
  // The year's won bookings: the potential's share, the territory's form,
  // and a log-normal spread between accounts.
  const target = potential * BOOK_RATE * f.sales * Math.exp(0.45 * rng.normal() - 0.1);
  const deals = 1 + rng.int(a.segment === 'A' ? 6 : a.segment === 'B' ? 4 : 2);
  const line = (status, amount, date, prob) => {
    sales.push([`SL-${year}-${pad(++nSale, 6)}`, a.id, date, money(amount), status, prob, rng.pick(PRODUCTS), rep]);
  };
  for (let i = 0; i < deals; i++) line('won', (target / deals) * (0.6 + 0.8 * rng.float()), seasonalDay(), '');
  const lost = Math.round(deals * (1 / f.win - 1) * (0.5 + rng.float()));
  for (let i = 0; i < lost; i++) line('lost', (target / deals) * (0.5 + rng.float()), seasonalDay(), '');
  // Open deals closing from September to early next year.
  for (let i = rng.int(3); i > 0; i--) {
    const m = 8 + rng.int(7);
    line('open', (target / deals) * (0.5 + rng.float()), m < 12 ? dayIn(year, m) : dayIn(year + 1, m - 12), String(10 * (1 + rng.int(9))));
  }
  // Visits: the account's yearly frequency, thinned by the territory's form,
  // spread evenly over the year with some jitter.
  const fy = Number(a.visits_per_year) || 0;
  const n = Math.round(fy * f.visits * (0.9 + 0.2 * rng.float()));
  for (let i = 0; i < n; i++) {
    const doy = Math.min(364, Math.floor(((i + rng.float()) / n) * 365));
    let m = 0, d = doy;
    while (d >= DAYS[m]) d -= DAYS[m++];
    visits.push([`AC-${year}-${pad(++nAct, 6)}`, a.id, rep || 'ops', `${year}-${pad(m + 1, 2)}-${pad(d + 1, 2)}`, 'visit', String(20 + 10 * rng.int(5)), rng.pick(OUTCOMES)]);
  }
  if (rng.float() < 0.3) visits.push([`AC-${year}-${pad(++nAct, 6)}`, a.id, rep || 'ops', seasonalDay(), 'call', '15', 'follow-up agreed']);
}

// Quarterly quotas: each territory's potential share of the plan, by season.
const quotas = [['territory', 'period', 'amount']];
for (const t of leaves) {
  for (let q = 0; q < 4; q++) {
    const share = SEASON.slice(3 * q, 3 * q + 3).reduce((s, v) => s + v, 0);
    quotas.push([t, `${year}Q${q + 1}`, String(Math.round((potentialOf.get(t) * BOOK_RATE * share) / 1000) * 1000)]);
  }
}

const dir = keepDir ? (mkdirSync(keepDir, { recursive: true }), keepDir) : mkdtempSync(join(tmpdir(), 'regio-sales-'));
try {
  const files = { sales, quotas, activities: visits };
  for (const [kind, rows] of Object.entries(files)) {
    const path = join(dir, `${kind}.csv`);
    writeFileSync(path, csv(rows));
    const out = regio(['import', kind, path]).trim().split('\n');
    console.log(`${kind}: ${out.slice(-1)[0].trim()}`);
  }
  console.log(`   ${weak.size} of ${leaves.length} territories under-perform by design: ${[...weak].sort().join(', ')}`);
} finally {
  if (!keepDir) rmSync(dir, { recursive: true, force: true });
}

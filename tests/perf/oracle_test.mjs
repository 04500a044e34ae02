// perf.oracle: `regio perf --format csv` checked figure by figure against an
// independent computation of docs/PERFORMANCE.md written here, from the data
// this script generates (fixed seed) and the account→territory maps, territory
// trees and promotion history the store exports (`regio export accounts
// --model M`, `regio export territories --format csv`, `regio model history`).
// It does not look at how `regio perf` computes anything.
//
// The store: 30 point units in a grid, 6 reps, ~370 accounts (a dozen far
// from every unit: in no territory) with segments, potentials and a custom
// `visits_per_year` column (numbers, 0, "n/a", empty); model A25 (designed;
// NATION > EAST/WEST > leaves, T06 directly under NATION, an extra leaf TX,
// hand-moved accounts) promoted effective 2025-07-01; B26 (a clone: a new
// region CENTRAL, a new leaf T07, reps swapped, T05 vacant, units and accounts
// moved) effective 2026-01-01; C27 (a clone of B26, a unit moved, T02's rep
// changed) scheduled for 2026-12-20; D27 scheduled for 2099 and withdrawn.
// ~4,800 sales lines (won/open/lost, dates with a time or M/D/YYYY, empty
// status, lines on the change days, a few in 2023/early 2024 for P-1y and 29
// February, Salesforce and HubSpot exports, a corrected re-import), monthly,
// quarterly and yearly quotas (with upserts), ~9,600 visits and calls/emails/
// meetings. Then `regio perf` for months, quarters, years, fiscal years,
// --from/--to ranges (one day, 21 months, around 29 February), by territory,
// rep, level:1..4 and model, as-of and current crediting, with and without
// --segment-visits, reporting through B26 and through A25; the defaults; and
// bad import files that must be rejected naming the line, changing nothing.
//
// Where PERFORMANCE.md leaves a choice open, the reading taken is written
// where it is computed (search for "reading"): active accounts in roll-ups,
// the (unassigned) row, rows reached only by zero contributions.
//
// Exit 77 (ctest: skipped) when the binary has no `perf` command.
// PERF_ORACLE_LOG=FILE writes every mismatch there (default
// REGIO_BUILD_DIR/perf_oracle_mismatches.txt); PERF_ORACLE_KEEP=1 keeps the
// temporary directory (store, CSV files, expected and actual outputs).
// PERF_ORACLE_DB=LOCATION builds the store there instead of a new SQLite
// file: an empty store, e.g. a postgresql:// location of a new schema.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BIN as BIN0, BUILD, tempDir, removeDir, test, run } from '../api/harness.mjs';

const BIN = resolve(BIN0);

// ---- the regio binary -------------------------------------------------------

if (!existsSync(BIN)) {
  console.log(`SKIP: no regio binary at ${BIN}`);
  process.exit(77);
}
// PERF_ORACLE_DRY=1 (for working on this script): build the store and write
// the oracle's expected CSVs without running `regio perf` or the new imports.
const DRY = !!process.env.PERF_ORACLE_DRY;
if (!DRY) {
  const r = spawnSync(BIN, ['perf', '--help'], { encoding: 'utf8' });
  const text = (r.stdout || '') + (r.stderr || '');
  if (/unknown command/i.test(text)) {
    console.log(`SKIP: ${BIN} has no 'perf' command yet (regio perf is not built): the oracle did not run`);
    process.exit(77);
  }
}

const dir = tempDir('regio-perf-oracle-');
const DB = process.env.PERF_ORACLE_DB || join(dir, 'perf.db');
const KEEP = !!process.env.PERF_ORACLE_KEEP || DRY;
const LOG = process.env.PERF_ORACLE_LOG || join(BUILD, 'perf_oracle_mismatches.txt');

function regio(args, { allowFail = false } = {}) {
  if (DRY && (args[0] === 'perf' || (args[0] === 'import' && ['sales', 'quotas', 'activities'].includes(args[1]))))
    return { code: 0, out: '', err: '' };
  const r = spawnSync(BIN, [...args, '--db', DB], { cwd: dir, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (!allowFail && r.status !== 0)
    throw new Error(`regio ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const R = (...args) => regio(args).out;
function put(name, text) { const p = join(dir, name); writeFileSync(p, text); return p; }

// ---- deterministic random numbers ------------------------------------------

function mulberry32(seed) {
  return function () {
    seed |= 0; seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(20261207);
const ri = (a, b) => a + Math.floor(rnd() * (b - a + 1));      // integer in [a, b]
const pick = arr => arr[Math.floor(rnd() * arr.length)];
const chance = p => rnd() < p;

// ---- days -------------------------------------------------------------------

const DAY = 86400000;
const dayOf = s => { const [y, m, d] = s.split('-').map(Number); return Date.UTC(y, m - 1, d) / DAY; };
const ymd = n => new Date(n * DAY).toISOString().slice(0, 10);
const ymdParts = n => { const t = new Date(n * DAY); return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()]; };
const mk = (y, m, d) => Date.UTC(y, m - 1, d) / DAY;     // m may be 13 (next year)

/** A period [start, end) from --period or --from/--to, as docs/PERFORMANCE.md reads them. */
function periodOf({ period, from, to, fiscalStart = 1 }) {
  if (from) return [dayOf(from), dayOf(to) + 1];
  let m;
  if ((m = /^(\d{4})-(\d{2})$/.exec(period))) return [mk(+m[1], +m[2], 1), mk(+m[1], +m[2] + 1, 1)];
  if ((m = /^(\d{4})Q([1-4])$/.exec(period))) return [mk(+m[1], 3 * m[2] - 2, 1), mk(+m[1], 3 * m[2] + 1, 1)];
  if ((m = /^(\d{4})$/.exec(period))) return [mk(+m[1], 1, 1), mk(+m[1] + 1, 1, 1)];
  if ((m = /^FY(\d{4})$/.exec(period))) {
    const y = +m[1];
    if (fiscalStart === 1) return [mk(y, 1, 1), mk(y + 1, 1, 1)];
    return [mk(y - 1, fiscalStart, 1), mk(y, fiscalStart, 1)];
  }
  throw new Error(`period ${period}?`);
}
/** A bound moved back one calendar year (29 February → 28 February). */
function backYear(n) {
  const [y, mo, d] = ymdParts(n);
  return mk(y - 1, mo, mo === 2 && d === 29 ? 28 : d);
}
/** Quota periods: month, quarter, year. */
function quotaPeriod(p) { return periodOf({ period: p }); }

// ---- CSV --------------------------------------------------------------------

function parseCsv(text) {
  const rows = []; let row = [], f = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"') { if (text[i + 1] === '"') { f += '"'; i++; } else q = false; }
      else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(f); f = ''; }
    else if (c === '\n') { row.push(f); rows.push(row); row = []; f = ''; }
    else if (c !== '\r') f += c;
  }
  if (f !== '' || row.length) { row.push(f); rows.push(row); }
  return rows;
}
function csvObjects(text) {
  const [head, ...rows] = parseCsv(text);
  return rows.filter(r => r.length > 1 || r[0] !== '').map(r => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}
const csvLine = cells => cells.map(c => {
  const s = String(c ?? '');
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}).join(',');
const csvText = (head, rows) => [csvLine(head), ...rows.map(csvLine)].join('\n') + '\n';

// ---- 1. the store -----------------------------------------------------------

const UNITS = [];                                  // {id, lat, lon}
const ACCOUNTS = [];                               // {id, lat, lon, segment, potential, vpy}
const REPS = ['REP-01', 'REP-02', 'REP-03', 'REP-04', 'REP-05', 'REP-06'];
const MODELS = { A: 'A25', B: 'B26', C: 'C27', D: 'D27' };
const REPORTING = MODELS.B;

function buildStore() {
  // units: a 6 x 5 grid, half a degree apart, with grid adjacency
  const urows = [], adj = [];
  for (let r = 0; r < 5; r++) for (let c = 0; c < 6; c++) {
    const i = r * 6 + c + 1, id = `U${String(i).padStart(2, '0')}`;
    const u = { id, lat: 40 + r * 0.5, lon: -100 + c * 0.5 };
    UNITS.push(u);
    urows.push([id, `Unit ${i}`, u.lat.toFixed(2), u.lon.toFixed(2)]);
    if (c < 5) adj.push([id, `U${String(i + 1).padStart(2, '0')}`]);
    if (r < 4) adj.push([id, `U${String(i + 6).padStart(2, '0')}`]);
  }
  put('units.csv', csvText(['id', 'name', 'lat', 'lon'], urows));
  put('adjacency.csv', csvText(['a', 'b'], adj));
  R('import', 'units', 'units.csv', '--adjacency', 'adjacency.csv', '--quiet');

  put('reps.csv', csvText(['id', 'name', 'lat', 'lon'],
    REPS.map((id, k) => [id, `Rep ${k + 1}`, (40.2 + (k % 3) * 0.8).toFixed(2), (-99.8 + Math.floor(k / 3) * 1.6).toFixed(2)])));
  R('import', 'reps', 'reps.csv');
  put('users.csv', csvText(['user', 'name', 'email', 'role', 'permissions'], [['oscar', 'Oscar Field', '', '', '']]));
  R('import', 'users', 'users.csv');

  // accounts: 8–16 near each unit, and 12 far from every unit
  const seg = () => { const x = rnd(); return x < 0.15 ? 'A' : x < 0.5 ? 'B' : x < 0.9 ? 'C' : ''; };
  const pot = () => chance(0.2) ? '' : chance(0.5) ? String(ri(10, 500) * 1000) : (ri(1000000, 50000000) / 100).toFixed(2);
  const vpy = () => { const x = rnd(); return x < 0.6 ? '' : x < 0.9 ? pick(['0', '2', '4', '6.5', '12', '24', '52']) : x < 0.95 ? 'n/a' : ''; };
  let n = 0;
  for (const u of UNITS) for (let k = ri(8, 16); k > 0; k--) {
    n++;
    ACCOUNTS.push({ id: `AC${String(n).padStart(4, '0')}`, lat: u.lat + (rnd() - 0.5) * 0.16, lon: u.lon + (rnd() - 0.5) * 0.16,
      segment: seg(), potential: pot(), vpy: vpy() });
  }
  for (let k = 1; k <= 12; k++)
    ACCOUNTS.push({ id: `FAR${String(k).padStart(2, '0')}`, lat: 30 + rnd(), lon: -80 + rnd(), segment: pick(['A', 'B', 'C']),
      potential: k % 3 ? String(ri(10, 90) * 1000) : '', vpy: k % 4 === 0 ? '12' : '' });
  put('accounts.csv', csvText(['id', 'name', 'lat', 'lon', 'segment', 'potential', 'visits_per_year'],
    ACCOUNTS.map(a => [a.id, `Account ${a.id}`, a.lat.toFixed(5), a.lon.toFixed(5), a.segment, a.potential, a.vpy])));
  R('import', 'accounts', 'accounts.csv', '--no-geocode');
  regio(['assign', 'units', '--measures', '--max-km', '30']);
  R('design', '--k', '6', '--balance', 'accounts', '--tolerance', '0.2', '--seed', '7', '--model', MODELS.A);

  // A25: NATION > EAST (T01–T03), WEST (T04, T05); T06 directly under NATION
  put('tree_a.csv', csvText(['name', 'parent', 'account_access', 'rep'], [
    ['NATION', '', 'read', ''], ['EAST', 'NATION', 'read', ''], ['WEST', 'NATION', 'read', ''],
    ['T01', 'EAST', 'edit', 'REP-01'], ['T02', 'EAST', 'edit', 'REP-02'], ['T03', 'EAST', 'edit', 'REP-03'],
    ['T04', 'WEST', 'edit', 'REP-04'], ['T05', 'WEST', 'edit', 'REP-05'], ['T06', 'NATION', 'edit', 'REP-06']]));
  R('import', 'territories', 'tree_a.csv', '--model', MODELS.A);
  R('model', 'clone', MODELS.A, MODELS.B);

  // A25 only: a leaf TX (REP-01 holds two territories) and hand moves
  put('tree_a_tx.csv', csvText(['name', 'parent', 'account_access', 'rep'], [['TX', 'WEST', 'edit', 'REP-01']]));
  R('import', 'territories', 'tree_a_tx.csv', '--model', MODELS.A);
  const alignA = Object.fromEntries(csvObjects(R('export', 'alignment', '--model', MODELS.A)).map(r => [r.unit_id, r.territory]));
  const accA = csvObjects(R('export', 'accounts', '--model', MODELS.A));
  const inTerr = (rows, t) => rows.filter(r => (r.model_territory ?? r.territory) === t).map(r => r.id);
  for (const id of inTerr(accA, 'T04').slice(0, 4)) R('model', 'move', MODELS.A, '--account', id, '--to', 'TX');
  for (const id of inTerr(accA, 'T01').slice(0, 2)) R('model', 'move', MODELS.A, '--account', id, '--to', 'T05');

  // B26: CENTRAL (T03, T06), a new leaf T07 (REP-05), T02 → REP-03, T03 → REP-02, T05 vacant
  put('tree_b.csv', csvText(['name', 'parent', 'account_access', 'rep'], [
    ['CENTRAL', 'NATION', 'read', ''], ['T02', 'EAST', 'edit', 'REP-03'], ['T03', 'CENTRAL', 'edit', 'REP-02'],
    ['T05', 'WEST', 'edit', ''], ['T06', 'CENTRAL', 'edit', 'REP-06'], ['T07', 'WEST', 'edit', 'REP-05']]));
  R('import', 'territories', 'tree_b.csv', '--model', MODELS.B);
  const unitsOf = t => Object.keys(alignA).filter(u => alignA[u] === t).sort();
  for (const u of unitsOf('T04').slice(0, 2)) R('model', 'move', MODELS.B, '--unit', u, '--to', 'T07');
  R('model', 'move', MODELS.B, '--unit', unitsOf('T01')[0], '--to', 'T02');
  const accB = csvObjects(R('export', 'accounts', '--model', MODELS.B));
  for (const id of inTerr(accB, 'T03').slice(0, 3)) R('model', 'move', MODELS.B, '--account', id, '--to', 'T06');
  for (const id of inTerr(accB, 'T05').slice(0, 2)) R('model', 'move', MODELS.B, '--account', id, '--to', 'T01');

  // C27: a clone of B26, one unit of T02 to T07, T02's rep REP-06
  R('model', 'clone', MODELS.B, MODELS.C);
  put('tree_c.csv', csvText(['name', 'parent', 'account_access', 'rep'], [['T02', 'EAST', 'edit', 'REP-06']]));
  R('import', 'territories', 'tree_c.csv', '--model', MODELS.C);
  const alignB = Object.fromEntries(csvObjects(R('export', 'alignment', '--model', MODELS.B)).map(r => [r.unit_id, r.territory]));
  R('model', 'move', MODELS.C, '--unit', Object.keys(alignB).filter(u => alignB[u] === 'T02').sort()[0], '--to', 'T07');
  R('model', 'clone', MODELS.B, MODELS.D);

  // promotions: A25 2025-07-01, B26 2026-01-01, C27 scheduled 2026-12-20, D27 2099 withdrawn
  R('model', 'promote', MODELS.A, '--effective', '2025-07-01');
  R('model', 'promote', MODELS.B, '--effective', '2026-01-01');
  const c = regio(['model', 'promote', MODELS.C, '--effective', '2026-12-20'], { allowFail: true });
  if (c.code !== 0) console.log(`note: C27 not promoted for 2026-12-20 (${c.err.trim()}); the history decides`);
  R('model', 'promote', MODELS.D, '--effective', '2099-01-01');
  R('model', 'archive', MODELS.D);
}

// ---- the store's truth: trees, account→territory maps, promotions ----------

const TRUTH = { terr: {}, tree: {}, promos: [], inForceToday: null };

function readTruth() {
  for (const m of Object.values(MODELS)) {
    const acc = csvObjects(R('export', 'accounts', '--model', m));
    TRUTH.terr[m] = Object.fromEntries(acc.map(r => [r.id, r.model_territory ?? r.territory]).filter(([, t]) => t));
    const tree = {};
    for (const r of csvObjects(R('export', 'territories', '--model', m, '--format', 'csv')))
      tree[r.name] = { parent: r.parent || null, rep: r.rep || null };
    for (const t of Object.values(tree)) if (t.parent && !tree[t.parent]) throw new Error(`${m}: parent ${t.parent} missing`);
    const hasChild = new Set(Object.values(tree).map(t => t.parent).filter(Boolean));
    for (const [name, t] of Object.entries(tree)) {
      t.leaf = !hasChild.has(name);
      const chain = [name];
      for (let p = t.parent; p; p = tree[p].parent) chain.unshift(p);
      t.chain = chain;                               // root … name
    }
    TRUTH.tree[m] = tree;
  }
  const hist = csvObjects(R('model', 'history', '--format', 'csv'));
  TRUTH.promos = hist.filter(h => h.status !== 'withdrawn')
    .map(h => ({ id: +h.id, model: h.model, eff: dayOf(h.effective_from) }))
    .sort((a, b) => a.eff - b.eff || a.id - b.id);
  TRUTH.inForceToday = (hist.find(h => h.status === 'in_force') || {}).model;
  if (!TRUTH.promos.length) throw new Error('no promotions');
}

/** The model in force on day d: the latest non-withdrawn promotion effective <= d (ties: the later), else the earliest. */
function modelOn(d) {
  let m = TRUTH.promos[0].model;
  for (const p of TRUTH.promos) if (p.eff <= d) m = p.model;
  return m;
}

// ---- 2. the data: sales, quotas, activities ---------------------------------

const SALES = new Map();       // id → {account, day, amount, status, prob}
const QUOTAS = new Map();      // "t|period" → {t, period, amount, start, end}
const ACTS = new Map();        // id → {account, day, type}
// corrections (the second file of each kind), applied once regio accepted them
const FIX = { sales: [], quotas: [], acts: [] };
const D0 = dayOf('2024-06-01'), D1 = dayOf('2026-12-31');

function money() {
  const x = rnd();
  return x < 0.7 ? ri(20000, 2500000) / 100 : x < 0.95 ? ri(1000, 20000) : ri(2500000, 25000000) / 100;
}
/** The line's date as a CRM might write it (a time after it; M/D/YYYY), or plain. */
function dateText(day) {
  const s = ymd(day);
  const x = rnd();
  if (x < 0.03) return `${s} ${String(ri(0, 23)).padStart(2, '0')}:${String(ri(0, 59)).padStart(2, '0')}`;
  if (x < 0.06) return `${s}T${String(ri(0, 23)).padStart(2, '0')}:15:00Z`;
  if (x < 0.10) { const [y, m, d] = ymdParts(day); return `${m}/${d}/${y}`; }
  return s;
}

function genSales() {
  const rows = [], rowsPlain = [], rowsFix = [];
  const accs = ACCOUNTS.map(a => a.id);
  const heavy = accs.filter((_, i) => i % 5 === 0);     // a fifth of the accounts buy often
  for (let k = 1; k <= 4200; k++) {
    const id = `S${String(k).padStart(5, '0')}`;
    const account = chance(0.4) ? pick(heavy) : pick(accs);
    const day = ri(D0, D1);
    const x = rnd();
    const statusText = x < 0.52 ? 'won' : x < 0.57 ? '' : x < 0.82 ? 'open' : 'lost';
    const status = statusText === '' ? 'won' : statusText.toLowerCase();
    let probText = '';
    if (status === 'open') probText = chance(0.15) ? '' : chance(0.2) ? (ri(0, 1000) / 10).toString() : String(pick([0, 10, 25, 50, 75, 90, 100]));
    else if (chance(0.3)) probText = String(status === 'won' ? 100 : 0);
    const amount = money();
    SALES.set(id, { account, day, amount, status, prob: probText === '' ? 0 : Number(probText) });
    const product = pick(['widget', 'gadget', 'service']), rep = chance(0.3) ? pick(REPS) : '';
    rows.push([id, account, dateText(day), amount, statusText, probText, product, rep]);
    rowsPlain.push([id, account, ymd(day), amount, status, probText, product, rep]);
  }
  // won lines on the days around each change, for accounts whose territory changes
  const movers = accs.filter(a => new Set(Object.values(MODELS).map(m => TRUTH.terr[m][a] ?? '')).size > 1).slice(0, 12);
  let b = 0;
  for (const day of ['2025-06-30', '2025-07-01', '2025-12-31', '2026-01-01', '2026-12-19', '2026-12-20'].map(dayOf))
    for (const account of movers) {
      const id = `SB${String(++b).padStart(4, '0')}`, amount = money();
      SALES.set(id, { account, day, amount, status: 'won', prob: 0 });
      rows.push([id, account, ymd(day), amount, 'won', '', 'widget', '']);
      rowsPlain.push([id, account, ymd(day), amount, 'won', '', 'widget', '']);
    }
  // a few won lines long before (for the one-year shift of P and its 29 February)
  for (const day of ['2023-02-28', '2023-03-01', '2024-01-01', '2024-02-28', '2024-02-29'].map(dayOf))
    for (const account of accs.slice(0, 40).filter((_, i) => i % 4 === 0)) {
      const id = `SE${String(++b).padStart(4, '0')}`, amount = money();
      SALES.set(id, { account, day, amount, status: 'won', prob: 0 });
      rows.push([id, account, ymd(day), amount, 'won', '', 'widget', '']);
      rowsPlain.push([id, account, ymd(day), amount, 'won', '', 'widget', '']);
    }
  // a corrected export: 250 of the lines again, some changed
  const fixed = new Set();
  for (let k = 1; k <= 250; k++) {
    const id = `S${String(ri(1, 4200)).padStart(5, '0')}`;
    if (fixed.has(id)) continue;
    fixed.add(id);
    const s = { ...SALES.get(id) };
    const what = rnd();
    if (what < 0.4) s.amount = money();
    else if (what < 0.7) { s.status = pick(['won', 'lost', 'open']); s.prob = s.status === 'open' ? ri(0, 100) : 0; }
    else if (what < 0.9) s.day = Math.min(D1, Math.max(D0, s.day + ri(-60, 60)));
    else s.account = pick(accs);                       // booked on the wrong account at first
    FIX.sales.push([id, s]);
    rowsFix.push([id, s.account, ymd(s.day), s.amount, s.status, s.status === 'open' ? String(s.prob) : '', 'widget', '']);
  }
  return {
    main: csvText(['id', 'account', 'date', 'amount', 'status', 'probability', 'product', 'rep'], rows),
    plain: csvText(['id', 'account', 'date', 'amount', 'status', 'probability', 'product', 'rep'], rowsPlain),
    fix: csvText(['id', 'account', 'date', 'amount', 'status', 'probability', 'product', 'rep'], rowsFix),
  };
}

function addQuota(rows, t, period, amount, fix = false) {
  const [start, end] = quotaPeriod(period);
  const q = { t, period, amount, start, end };
  if (fix) FIX.quotas.push([`${t}|${period}`, q]); else QUOTAS.set(`${t}|${period}`, q);
  rows.push([t, period, amount]);
}
function genQuotas() {
  const rows = [], rowsFix = [];
  const leaves = Object.keys(TRUTH.tree[REPORTING]).filter(t => TRUTH.tree[REPORTING][t].leaf).sort();
  for (const t of leaves) {
    const base = ri(200, 900) * 1000;
    if (t !== 'T07') addQuota(rows, t, '2024', base * 2);                   // T07 is new: no 2024 quota
    if (t === 'T03') { for (let m = 1; m <= 12; m++) addQuota(rows, t, `2025-${String(m).padStart(2, '0')}`, base / 6 + ri(0, 9999)); }
    else for (let q = 1; q <= 4; q++) addQuota(rows, t, `2025Q${q}`, base / 2 + ri(0, 99999));
    if (t === 'T02') addQuota(rows, t, '2026', base * 2.5);
    else if (t === 'T01') { for (let m = 1; m <= 12; m++) addQuota(rows, t, `2026-${String(m).padStart(2, '0')}`, Math.round(base / 5)); }
    else for (let q = 1; q <= 4; q++) if (!(t === 'T05' && q === 4)) addQuota(rows, t, `2026Q${q}`, base / 2 + ri(0, 99999) + 0.5);
  }
  // upserts: the same (territory, period) again with another amount
  addQuota(rowsFix, 'T04', '2026Q1', 777777, true);
  addQuota(rowsFix, 'T03', '2025-02', 12345.67, true);
  addQuota(rowsFix, 'T02', '2026', 0, true);
  return { main: csvText(['territory', 'period', 'amount'], rows), fix: csvText(['territory', 'period', 'amount'], rowsFix) };
}

function genActivities() {
  const rows = [], rowsFix = [];
  const accs = ACCOUNTS.map(a => a.id);
  const users = [...REPS, 'oscar'];
  const last = dayOf('2026-12-06');
  let k = 0;
  const add = (account, day, type) => {
    const id = `V${String(++k).padStart(5, '0')}`;
    ACTS.set(id, { account, day, type });
    rows.push([id, account, pick(users), ymd(day), type, ri(5, 90), pick(['', 'ok', 'follow-up'])]);
  };
  // visits at about each account's frequency (its visits_per_year, else its
  // segment's A=24, B=12, C=4), some a little more, many a little less
  for (const a of ACCOUNTS) {
    const v = /^[0-9.]+$/.test(a.vpy) ? Number(a.vpy) : ({ A: 24, B: 12, C: 4 })[a.segment] ?? 1;
    const from = dayOf('2025-01-01');
    const n = Math.round(v * (0.7 + 0.8 * rnd()) * (last - from) / 365);
    for (let j = 0; j < n; j++) add(a.id, ri(from, last), 'visit');
  }
  for (let j = 0; j < 1200; j++) add(pick(accs), ri(D0, last), chance(0.5) ? 'visit' : pick(['call', 'email', 'meeting']));
  const fixed = new Set();
  for (let j = 1; j <= 60; j++) {                         // re-logged: another day or type
    const id = `V${String(ri(1, k)).padStart(5, '0')}`;
    if (fixed.has(id)) continue;
    fixed.add(id);
    const a = { ...ACTS.get(id) };
    if (chance(0.5)) a.day = Math.min(dayOf('2026-12-06'), a.day + ri(1, 40)); else a.type = a.type === 'visit' ? 'call' : 'visit';
    FIX.acts.push([id, a]);
    rowsFix.push([id, a.account, pick(users), ymd(a.day), a.type, 30, '']);
  }
  return {
    main: csvText(['id', 'account', 'user', 'date', 'type', 'duration_min', 'outcome'], rows),
    fix: csvText(['id', 'account', 'user', 'date', 'type', 'duration_min', 'outcome'], rowsFix),
  };
}

// ---- 3. the figures of docs/PERFORMANCE.md -----------------------------------

const UN = '(unassigned)', NOREP = '(no rep)';
const COLS = ['key', 'bookings', 'quota', 'attainment', 'growth_yoy', 'pipeline', 'pipeline_weighted', 'won', 'lost',
  'win_rate', 'active_accounts', 'potential', 'penetration', 'visits', 'coverage', 'flags'];
const ACC = new Map();         // id → account

function freq(a, segMap) {
  const v = a.vpy.trim();
  if (v !== '' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) return Number(v);
  if (segMap && a.segment && segMap[a.segment] !== undefined) return segMap[a.segment];
  return 0;
}
const potentialOf = a => (a.potential === '' ? 0 : Number(a.potential));

/**
 * Everything `regio perf --format csv` should print for one invocation:
 * rows as {key: {figure: number|null, flags: Set}} plus the ordered key list.
 */
function expected({ model = REPORTING, credit = 'as-of', by = 'territory', segMap = null, ...per }) {
  const [s, e] = periodOf(per);
  const days = e - s;
  const ps = backYear(s), pe = backYear(e);
  const ws = e - 365, we = e;
  const tree = TRUTH.tree;
  const dayModel = d => (credit === 'as-of' ? modelOn(d) : model);
  const creditOn = (account, d) => TRUTH.terr[dayModel(d)][account] ?? UN;
  const inP = d => d >= s && d < e, inPrev = d => d >= ps && d < pe, inW = d => d >= ws && d < we;

  // placement of territory t on a day whose crediting model is m
  function place(t, m) {
    if (t === UN) return { rep: null, chain: null };
    const n = tree[m][t] ? tree[m][t] : tree[model][t];
    return n ? { rep: n.rep, chain: n.chain } : { rep: null, chain: [t] };
  }
  function groupOf(t, m) {
    if (by === 'territory') return t;
    if (by === 'model') return model;
    const p = place(t, m);
    if (by === 'rep') return p.rep || NOREP;
    const N = Number(by.slice(6));
    if (t === UN) return UN;
    return p.chain.length >= N ? p.chain[N - 1] : t;
  }

  // territory rows: the reporting model's leaves, and every code credited
  // with a line or a visit dated in P, P-1y or the year before P's end
  const trows = new Set(Object.keys(tree[model]).filter(t => tree[model][t].leaf));
  // — plus (unassigned) "when something is credited to no territory"
  // (reading: the sentence names no period, so any line or visit, any date)
  const note = (d, account) => {
    const t = creditOn(account, d);
    if (inP(d) || inPrev(d) || inW(d) || t === UN) trows.add(t);
  };
  for (const l of SALES.values()) note(l.day, l.account);
  for (const a of ACTS.values()) if (a.type === 'visit') note(a.day, a.account);

  const groups = new Map();
  const G = k => {
    if (!groups.has(k)) groups.set(k, { bookings: 0, prev: 0, won: 0, lost: 0, quota: 0, pipeline: 0, pw: 0, visits: 0,
      active: new Set(), potential: 0, fpos: 0, covered: 0 });
    return groups.get(k);
  };

  // active accounts: each (territory, account) pair with a won line in the
  // year before P's end counts once — for its territory and, in a roll-up,
  // for the group its territory is placed in on the day of the pair's latest
  // won line in that year (reading: PERFORMANCE.md says the roll-up "adds
  // up the territories' counts", so a pair counts in one group only, but not
  // which day places a pair whose lines fall under two models)
  const activeDay = new Map();
  for (const l of SALES.values()) {
    const m = dayModel(l.day), t = creditOn(l.account, l.day);
    if (!trows.has(t)) continue;
    if (inP(l.day)) {
      const g = G(groupOf(t, m));
      if (l.status === 'won') { g.bookings += l.amount; g.won++; }
      else if (l.status === 'lost') g.lost++;
      else { g.pipeline += l.amount; g.pw += l.amount * l.prob / 100; }
    }
    if (inPrev(l.day) && l.status === 'won') G(groupOf(t, m)).prev += l.amount;
    if (inW(l.day) && l.status === 'won') {
      const k = `${t}\u0001${l.account}`, was = activeDay.get(k);
      if (!was || l.day > was.day) activeDay.set(k, { day: l.day, t, m });
    }
  }
  for (const [k, v] of activeDay) G(groupOf(v.t, v.m)).active.add(k);
  // visits in P per account (coverage counts every visit to the account)
  const visitsOf = new Map();
  for (const a of ACTS.values()) {
    if (a.type !== 'visit' || !inP(a.day)) continue;
    visitsOf.set(a.account, (visitsOf.get(a.account) || 0) + 1);
    const m = dayModel(a.day), t = creditOn(a.account, a.day);
    G(groupOf(t, m)).visits++;
  }
  // quota: each row's amount spread evenly over its days, placed day by day
  for (const q of QUOTAS.values()) {
    if (!trows.has(q.t)) continue;
    const a = Math.max(s, q.start), b = Math.min(e, q.end);
    for (let d = a; d < b; d++) G(groupOf(q.t, dayModel(d))).quota += q.amount / (q.end - q.start);
  }
  // potential and coverage through the reporting model
  const acctsOf = new Map();
  for (const a of ACCOUNTS) {
    const t = TRUTH.terr[model][a.id] ?? UN;
    if (!acctsOf.has(t)) acctsOf.set(t, []);
    acctsOf.get(t).push(a);
  }
  if (by === 'territory') for (const t of trows) G(t);
  // (PERFORMANCE.md, "Rows": a group gets a row when something is placed
  // in it; a territory the reporting model lacks has no accounts there, so
  // its potential and coverage place nothing)
  for (const t of trows) {
    if (!tree[model][t] && t !== UN) continue;
    const g = G(groupOf(t, model));
    for (const a of acctsOf.get(t) || []) {
      g.potential += potentialOf(a);
      const f = freq(a, segMap);
      if (f > 0) {
        g.fpos++;
        if ((visitsOf.get(a.id) || 0) >= Math.floor(f * days / 365)) g.covered++;
      }
    }
  }

  const figures = g => {
    const r = {
      bookings: g.bookings, quota: g.quota,
      attainment: g.quota === 0 ? null : g.bookings / g.quota,
      growth_yoy: g.prev === 0 ? null : g.bookings / g.prev - 1,
      pipeline: g.pipeline, pipeline_weighted: g.pw, won: g.won, lost: g.lost,
      win_rate: g.won + g.lost === 0 ? null : g.won / (g.won + g.lost),
      active_accounts: g.active.size, potential: g.potential,
      penetration: g.potential === 0 ? null : g.bookings / (g.potential * days / 365),
      visits: g.visits, coverage: g.fpos === 0 ? null : g.covered / g.fpos,
    };
    return r;
  };

  // the median penetration over the reporting model's leaves with potential > 0
  let median = null;
  {
    const terrExp = by === 'territory' ? null : expected({ model, credit, by: 'territory', segMap, ...per });
    const pens = [];
    for (const t of Object.keys(tree[model]).filter(t => tree[model][t].leaf)) {
      const f = terrExp ? terrExp.rows[t] : figures(groups.get(t));
      if (f.potential > 0) pens.push(f.penetration);
    }
    pens.sort((a, b) => a - b);
    if (pens.length) median = pens.length % 2 ? pens[(pens.length - 1) / 2] : (pens[pens.length / 2 - 1] + pens[pens.length / 2]) / 2;
  }

  const rows = {};
  for (const [k, g] of groups) {
    const f = figures(g);
    const flags = new Set();
    if (median !== null && f.potential > 0 && f.bookings < 0.7 * median * f.potential * days / 365) flags.add('under_potential');
    if (f.attainment !== null && f.attainment < 0.9) flags.add('under_quota');
    if (f.coverage !== null && f.coverage < 0.8) flags.add('under_covered');
    f.flags = flags;
    rows[k] = f;
  }
  const last = k => (k === UN || k === NOREP ? 1 : 0);
  const keys = Object.keys(rows).sort((a, b) => last(a) - last(b) || (a < b ? -1 : a > b ? 1 : 0));
  return { rows, keys, median, days };
}

function asCsv(exp) {
  const fmt = v => (v === null ? '' : Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(15))));
  return csvText(COLS, exp.keys.map(k => {
    const r = exp.rows[k];
    return [k, ...COLS.slice(1, -1).map(c => fmt(r[c])), [...r.flags].sort().join(';')];
  }));
}

// ---- 4. comparing with `regio perf` ------------------------------------------

const MISMATCHES = [];
let CELLS = 0, RUNS = 0;

function perfArgs(c) {
  const a = ['perf', '--format', 'csv'];
  if (c.model !== undefined) a.push('--model', c.model);
  if (c.period) a.push('--period', c.period); else a.push('--from', c.from, '--to', c.to);
  if (c.fiscalStart) a.push('--fiscal-start', String(c.fiscalStart));
  if (c.by) a.push('--by', c.by);
  if (c.credit) a.push('--credit', c.credit);
  if (c.segMap) a.push('--segment-visits', Object.entries(c.segMap).map(([k, v]) => `${k}=${v}`).join(','));
  return a;
}
const close = (a, b) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) + 1e-12;

function compare(c, { record = true } = {}) {
  const args = perfArgs(c);
  const cmd = `regio ${args.join(' ')}`;
  if (DRY) {
    const exp = expected({ model: c.model ?? REPORTING, credit: c.credit ?? 'as-of', by: c.by ?? 'territory', segMap: c.segMap,
      period: c.period, from: c.from, to: c.to, fiscalStart: c.fiscalStart ?? 1 });
    const tag = args.slice(3).join('_').replace(/[^A-Za-z0-9=._-]+/g, '_');
    mkdirSync(join(dir, 'cmp'), { recursive: true });
    writeFileSync(join(dir, 'cmp', `${tag}.expected.csv`), asCsv(exp));
    return [];
  }
  const r = regio(args, { allowFail: true });
  RUNS++;
  const local = [];
  const miss = (key, figure, exp, got, why = '') => local.push({ cmd, key, figure, exp, got, why });
  if (r.code !== 0) { miss('-', 'exit', 0, r.code, r.err.trim()); if (record) MISMATCHES.push(...local); return local; }
  const exp = expected({ model: c.model ?? REPORTING, credit: c.credit ?? 'as-of', by: c.by ?? 'territory', segMap: c.segMap,
    period: c.period, from: c.from, to: c.to, fiscalStart: c.fiscalStart ?? 1 });
  if (KEEP) {
    const tag = args.slice(3).join('_').replace(/[^A-Za-z0-9=._-]+/g, '_');
    mkdirSync(join(dir, 'cmp'), { recursive: true });
    writeFileSync(join(dir, 'cmp', `${tag}.expected.csv`), asCsv(exp));
    writeFileSync(join(dir, 'cmp', `${tag}.got.csv`), r.out);
  }
  const table = parseCsv(r.out).filter(x => x.length > 1 || x[0] !== '');
  const head = table.shift() || [];
  if (head.join(',') !== COLS.join(',')) miss('-', 'header', COLS.join(','), head.join(','));
  const idx = Object.fromEntries(head.map((h, i) => [h, i]));
  const got = {}, order = [];
  for (const row of table) { got[row[0]] = row; order.push(row[0]); }
  for (const k of exp.keys) if (!(k in got)) miss(k, 'row', 'present', 'missing');
  for (const k of order) if (!(k in exp.rows)) miss(k, 'row', 'absent', `present: ${got[k].join(',')}`);
  const common = exp.keys.filter(k => k in got);
  const gotOrder = order.filter(k => k in exp.rows);
  if (gotOrder.join('|') !== common.join('|')) miss('-', 'order', common.join(' '), gotOrder.join(' '));
  for (const k of common) {
    const e = exp.rows[k], g = got[k];
    for (const col of COLS.slice(1)) {
      if (idx[col] === undefined) continue;
      CELLS++;
      const cell = (g[idx[col]] ?? '').trim();
      if (col === 'flags') {
        const gs = new Set(cell === '' ? [] : cell.split(';').map(x => x.trim()));
        const es = e.flags;
        if (gs.size !== es.size || [...es].some(x => !gs.has(x))) miss(k, col, [...es].sort().join(';'), [...gs].sort().join(';'));
        continue;
      }
      const ev = e[col];
      if (ev === null) { if (cell !== '') miss(k, col, '(empty)', cell); continue; }
      if (cell === '') { miss(k, col, ev, '(empty)'); continue; }
      const gv = Number(cell);
      if (!Number.isFinite(gv) || !close(ev, gv)) miss(k, col, ev, cell);
      else if (['won', 'lost', 'active_accounts', 'visits'].includes(col) && !/^\d+$/.test(cell)) miss(k, col, ev, cell, 'a count is an integer');
    }
  }
  if (record) MISMATCHES.push(...local);
  return local;
}

// ---- the tests -----------------------------------------------------------------

let salesFiles, quotaFiles, actFiles, salesPlainFallback = false;

test('build the store: units, reps, accounts, models A25/B26/C27, hierarchy, promotions', () => {
  buildStore();
  readTruth();
  for (const a of ACCOUNTS) ACC.set(a.id, a);
  const ta = TRUTH.tree[MODELS.A], tb = TRUTH.tree[MODELS.B];
  if (!ta.TX || tb.TX || !tb.T07 || ta.T07 || !tb.CENTRAL) throw new Error('the trees are not as built');
  if (TRUTH.inForceToday !== MODELS.B) console.log(`note: model in force today is ${TRUTH.inForceToday}`);
  const far = ACCOUNTS.filter(a => a.id.startsWith('FAR'));
  if (far.some(a => TRUTH.terr[MODELS.B][a.id])) throw new Error('a far account is in a territory');
  console.log(`     promotions (not withdrawn): ${TRUTH.promos.map(p => `${p.model}@${ymd(p.eff)}`).join(', ')}`);
});

test('import sales (dates with times, M/D/YYYY, empty status), quotas, activities, and corrections', () => {
  salesFiles = genSales();
  put('sales.csv', salesFiles.main);
  const r = regio(['import', 'sales', 'sales.csv'], { allowFail: true });
  if (r.code !== 0) {
    // the CRM spellings of dates or statuses were refused: note it, and go on
    // with the same lines written plainly so that the figures can be checked
    salesPlainFallback = true;
    console.log(`     FAILED: sales.csv with CRM date/status spellings was refused: ${(r.err + r.out).trim().split('\n')[0]}`);
    put('sales_plain.csv', salesFiles.plain);
    R('import', 'sales', 'sales_plain.csv');
  }
  const problems = [];
  if (salesPlainFallback) problems.push('sales import with CRM date spellings (a time after the date, M/D/YYYY) or an empty status refused');
  quotaFiles = genQuotas();
  actFiles = genActivities();
  put('quotas.csv', quotaFiles.main);
  put('activities.csv', actFiles.main);
  R('import', 'quotas', 'quotas.csv');
  R('import', 'activities', 'activities.csv');
  // the corrections: upserts by key; the oracle takes them only when regio does
  for (const [file, kind, text, list, map] of [['sales_fix.csv', 'sales', salesFiles.fix, FIX.sales, SALES],
    ['quotas_fix.csv', 'quotas', quotaFiles.fix, FIX.quotas, QUOTAS], ['activities_fix.csv', 'activities', actFiles.fix, FIX.acts, ACTS]]) {
    put(file, text);
    const f = regio(['import', kind, file], { allowFail: true });
    if (f.code === 0) for (const [k, v] of list) map.set(k, v);
    else problems.push(`re-importing corrected rows (upsert by key) refused: regio import ${kind} ${file}: ${(f.err + f.out).trim().split('\n')[0]}`);
  }
  // CRM exports as they come: Salesforce opportunities (IsClosed/IsWon
  // decide, even against StageName), Salesforce with StageName only, HubSpot deals
  const accs = ACCOUNTS.map(a => a.id);
  const crm = [
    ['sf_opportunities.csv', ['Id', 'AccountId', 'CloseDate', 'Amount', 'IsClosed', 'IsWon', 'StageName', 'Probability'], k => {
      const x = rnd(), status = x < 0.5 ? 'won' : x < 0.75 ? 'open' : 'lost';
      const prob = status === 'open' ? ri(0, 100) : status === 'won' ? 100 : 0;
      // three rows whose StageName says otherwise: the flags decide
      const stage = k < 3 ? 'Closed Won' : status === 'won' ? 'Closed Won' : status === 'lost' ? 'Closed Lost' : pick(['Prospecting', 'Negotiation/Review']);
      const lost = k < 3;
      const st = lost ? 'lost' : status;
      return [{ status: st, prob: st === 'open' ? prob : 0 }, (id, acc, day, amt) =>
        [id, acc, ymd(day), amt, st === 'open' ? 'false' : 'true', st === 'won' ? 'true' : 'false', stage, prob]];
    }],
    ['sf_stages.csv', ['Opportunity ID', 'Account ID', 'Close Date', 'Amount', 'StageName', 'Probability (%)'], () => {
      const [stage, st] = pick([['Closed Won', 'won'], ['closedwon', 'won'], ['Closed Lost', 'lost'], ['closedlost', 'lost'],
        ['Qualification', 'open'], ['Proposal/Price Quote', 'open']]);
      const prob = ri(0, 100);
      return [{ status: st, prob: st === 'open' ? prob : 0 }, (id, acc, day, amt) => [id, acc, ymd(day), amt, stage, prob]];
    }],
    ['hubspot_deals.csv', ['Deal ID', 'Associated Company ID', 'Close Date', 'Amount', 'Deal Stage', 'Deal owner'], () => {
      const [stage, st] = pick([['closedwon', 'won'], ['Closed Won', 'won'], ['closedlost', 'lost'], ['appointmentscheduled', 'open'],
        ['contractsent', 'open']]);
      return [{ status: st, prob: 0 }, (id, acc, day, amt) => [id, acc, `${ymd(day)} ${String(ri(8, 18)).padStart(2, '0')}:30`, amt, stage, pick(REPS)]];
    }],
  ];
  for (const [file, head, gen] of crm) {
    const rows = [], lines = [];
    for (let k = 0; k < 150; k++) {
      const id = `${file.slice(0, 2).toUpperCase()}${file.length}-${k}`;
      const [line, row] = gen(k);
      const acc = pick(accs), day = ri(D0, D1), amount = money();
      lines.push([id, { account: acc, day, amount, status: line.status, prob: line.prob }]);
      rows.push(row(id, acc, day, amount));
    }
    put(file, csvText(head, rows));
    const f = regio(['import', 'sales', file], { allowFail: true });
    if (f.code === 0) for (const [k, v] of lines) SALES.set(k, v);
    else problems.push(`regio import sales ${file} (${head.join(',')}) refused: ${(f.err + f.out).trim().split('\n')[0]}`);
  }
  console.log(`     ${SALES.size} sales lines, ${QUOTAS.size} quota rows, ${ACTS.size} activities`);
  if (problems.length) throw new Error(problems.join('\n'));
});

const PERIODS = [
  { period: '2026-12' },                       // B26 then C27 from the 20th; last year's December under A25
  { period: '2026-02' },
  { period: '2026Q1' },                        // growth against 2025Q1
  { period: '2025Q3' },                        // the first quarter of A25
  { period: '2026' },                          // growth against 2025; C27's last days
  { period: '2025' },                          // before A25's date (the earliest model holds) and after
  { period: 'FY2026', fiscalStart: 7 },        // 2025-07-01 .. 2026-06-30: straddles the change
  { from: '2025-11-15', to: '2026-02-14' },    // straddles the change
];
const BYS = ['territory', 'rep', 'level:1', 'level:2', 'level:3', 'model'];
const CREDITS = ['as-of', 'current'];

test('regio perf --model B26: every period x --by x --credit equals the oracle', () => {
  const before = MISMATCHES.length;
  for (const p of PERIODS) for (const by of BYS) for (const credit of CREDITS)
    compare({ model: REPORTING, by, credit, ...p });
  if (MISMATCHES.length > before) throw new Error(`${MISMATCHES.length - before} mismatches (see the list below)`);
});

test('--by level:4 (deeper than every tree: each territory as itself); FY2026 with --fiscal-start 1 is the calendar year', () => {
  const before = MISMATCHES.length;
  for (const credit of CREDITS) compare({ model: REPORTING, by: 'level:4', credit, period: '2026Q1' });
  for (const by of ['territory', 'rep']) compare({ model: REPORTING, by, credit: 'as-of', period: 'FY2026' });
  const a = regio(['perf', '--format', 'csv', '--model', REPORTING, '--period', 'FY2026', '--by', 'rep'], { allowFail: true });
  const b = regio(['perf', '--format', 'csv', '--model', REPORTING, '--period', '2026', '--by', 'rep'], { allowFail: true });
  if (a.out !== b.out) MISMATCHES.push({ cmd: 'regio perf --period FY2026 vs --period 2026', key: '-', figure: 'output', exp: 'the same', got: 'different' });
  if (MISMATCHES.length > before) throw new Error(`${MISMATCHES.length - before} mismatches`);
});

test('odd periods: one day, 21 months (P-1y overlaps P, the active year is shorter than P); a partial --segment-visits map', () => {
  const before = MISMATCHES.length;
  for (const p of [{ from: '2026-01-01', to: '2026-01-01' }, { from: '2025-03-01', to: '2026-11-30' }])
    for (const by of ['territory', 'rep', 'level:2', 'model']) for (const credit of CREDITS)
      compare({ model: REPORTING, by, credit, ...p });
  for (const by of ['territory', 'model']) compare({ model: REPORTING, by, credit: 'as-of', segMap: { A: 24 }, period: '2026Q3' });
  if (MISMATCHES.length > before) throw new Error(`${MISMATCHES.length - before} mismatches`);
});

test('P-1y moves each bound back one calendar year, 29 February to 28 February', () => {
  const before = MISMATCHES.length;
  for (const p of [{ period: '2025' }, { period: '2024Q1' }, { from: '2024-02-29', to: '2024-03-31' }, { from: '2024-02-01', to: '2024-02-28' }])
    for (const by of ['territory', 'model']) for (const credit of CREDITS)
      compare({ model: REPORTING, by, credit, ...p });
  if (MISMATCHES.length > before) throw new Error(`${MISMATCHES.length - before} mismatches`);
});

test('regio perf --segment-visits A=24,B=12,C=4 (visits_per_year first, the segment map else)', () => {
  const before = MISMATCHES.length;
  const segMap = { A: 24, B: 12, C: 4 };
  for (const p of [{ period: '2026Q1' }, { period: '2026-12' }, { period: '2025' }])
    for (const by of ['territory', 'rep', 'level:2', 'model']) for (const credit of CREDITS)
      compare({ model: REPORTING, by, credit, segMap, ...p });
  if (MISMATCHES.length > before) throw new Error(`${MISMATCHES.length - before} mismatches`);
});

test('regio perf --model A25 (an archived reporting model: TX is a leaf, T07 is not)', () => {
  const before = MISMATCHES.length;
  for (const p of [{ period: '2025Q3' }, { period: '2026Q1' }])
    for (const by of ['territory', 'rep', 'level:2', 'model']) for (const credit of CREDITS)
      compare({ model: MODELS.A, by, credit, ...p });
  if (MISMATCHES.length > before) throw new Error(`${MISMATCHES.length - before} mismatches`);
});

test('defaults: no --model is the model in force today, no --credit is as-of, no --by is territory', () => {
  const a = regio(['perf', '--format', 'csv', '--period', '2026Q1'], { allowFail: true });
  const b = regio(['perf', '--format', 'csv', '--period', '2026Q1', '--model', TRUTH.inForceToday, '--credit', 'as-of', '--by', 'territory'], { allowFail: true });
  if (a.code !== 0 || b.code !== 0 || a.out !== b.out)
    throw new Error(`defaults differ from --model ${TRUTH.inForceToday} --credit as-of --by territory:\n${a.err}${b.err}`);
  const local = compare({ period: '2026Q1' });
  if (local.length) throw new Error(`${local.length} mismatches`);
});

// ---- bad imports: rejected naming the file and the line, nothing written -----

test('bad import files are rejected naming the line; the figures do not change; the same file again changes nothing', () => {
  const snap = () => ['territory', 'rep', 'model'].map(by =>
    regio(['perf', '--format', 'csv', '--model', REPORTING, '--period', '2026', '--by', by]).out).join('\n');
  const before = snap();
  const good = k => [`NEW${k}`, ACCOUNTS[k].id, '2026-03-03', 1000 + k, 'won', ''];
  const cases = [
    ['bad_account.csv', 'sales', ['id', 'account', 'date', 'amount', 'status', 'probability'],
      [...Array.from({ length: 30 }, (_, k) => good(k)), ['NEW30', 'NO-SUCH-ACCOUNT', '2026-03-03', 500, 'won', ''], good(31)], 32],
    ['bad_date.csv', 'sales', ['id', 'account', 'date', 'amount', 'status', 'probability'],
      [good(1), good(2), good(3), good(4), good(5), good(6), good(7), good(8), ['NEW9', ACCOUNTS[9].id, '2026-13-40', 10, 'won', ''], good(10)], 10],
    ['bad_status.csv', 'sales', ['id', 'account', 'date', 'amount', 'status', 'probability'],
      [good(1), good(2), good(3), ['NEW4', ACCOUNTS[4].id, '2026-03-05', 10, 'maybe', ''], good(5)], 5],
    ['quota_overlap_file.csv', 'quotas', ['territory', 'period', 'amount'],
      [['T01', '2027Q1', 1000], ['T02', '2027Q1', 1000], ['T01', '2027-02', 500]], 4],
    ['quota_overlap_store.csv', 'quotas', ['territory', 'period', 'amount'],
      [['T04', '2027', 1000], ['T03', '2027', 1000], ['T03', '2026-02', 999999]], 4],
    ['bad_amount.csv', 'sales', ['id', 'account', 'date', 'amount', 'status', 'probability'],
      [good(1), good(2), ['NEW3', ACCOUNTS[3].id, '2026-03-05', 'lots', 'won', '']], 4],
    ['quota_bad_period.csv', 'quotas', ['territory', 'period', 'amount'],
      [['T01', '2028Q1', 1000], ['T02', '2028Q5', 1000]], 3],
    ['quota_negative.csv', 'quotas', ['territory', 'period', 'amount'],
      [['T01', '2028Q2', 1000], ['T02', '2028Q2', 1000], ['T03', '2028Q2', -5]], 4],
    ['quota_unknown_territory.csv', 'quotas', ['territory', 'period', 'amount'],
      [['T01', '2028Q3', 1000], ['T99', '2028Q3', 1000]], 3],
    ['bad_activity.csv', 'activities', ['id', 'account', 'user', 'date', 'type'],
      [['VNEW1', ACCOUNTS[1].id, 'REP-01', '2026-03-03', 'visit'], ['VNEW2', ACCOUNTS[2].id, 'REP-01', '2026-03-03', 'lunch']], 3],
    ['bad_activity_user.csv', 'activities', ['id', 'account', 'user', 'date', 'type'],
      [['VNEW1', ACCOUNTS[1].id, 'REP-01', '2026-03-03', 'visit'], ['VNEW3', ACCOUNTS[1].id, 'REP-01', '2026-03-04', 'visit'],
        ['VNEW2', ACCOUNTS[2].id, 'nobody-here', '2026-03-03', 'visit']], 4],
  ];
  const problems = [];
  for (const [file, kind, head, rows, line] of cases) {
    put(file, csvText(head, rows));
    const r = regio(['import', kind, file], { allowFail: true });
    const msg = (r.err + r.out).trim();
    if (r.code === 0) { problems.push(`regio import ${kind} ${file}: accepted (exit 0), expected a rejection at line ${line}`); continue; }
    if (!msg.includes(file) || !new RegExp(`:${line}\\b|line ${line}\\b`).test(msg))
      problems.push(`regio import ${kind} ${file}: the message does not name ${file} line ${line}: ${msg.split('\n')[0]}`);
    else console.log(`     ${kind} ${file}: ${msg.split('\n')[0]}`);
  }
  if (snap() !== before) problems.push('regio perf changed after the rejected imports: something was written');
  // the corrections again: upserts that change nothing
  for (const [kind, file] of [['sales', 'sales_fix.csv'], ['quotas', 'quotas_fix.csv'], ['activities', 'activities_fix.csv']]) {
    const r = regio(['import', kind, file], { allowFail: true });
    if (r.code !== 0) problems.push(`regio import ${kind} ${file} a second time failed: ${(r.err + r.out).trim().split('\n')[0]}`);
  }
  if (snap() !== before) problems.push('regio perf changed after importing the same corrections again');
  if (problems.length) throw new Error(problems.join('\n'));
});

// ---- 5. quota setting ---------------------------------------------------------

// Largest remainder, written here from PERFORMANCE.md: floors, then one unit
// each to the largest fractional parts, ties to the item first in order.
function largestRemainder(total, weights) {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map(w => (sum > 0 ? total * w / sum : total / weights.length));
  const out = exact.map(x => Math.floor(x + 1e-9));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, frac: x - out[i] })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; k < left; k++) out[order[k % order.length].i]++;
  return out;
}

test('regio quota allocate totals exactly X, matches the formula per territory, and --seasonality spreads by last year', () => {
  const model = REPORTING, X = 1234567;
  const leaves = Object.keys(TRUTH.tree[model]).filter(t => TRUTH.tree[model][t].leaf).sort();
  const problems = [];
  // the formula: X * (w_p * potential_t / sum potential + w_h * H_t / sum H), a
  // weight whose sum is 0 dropped (2027Q3: nothing booked in the 92 days before)
  const allocation = period => {
    const [s, e] = periodOf({ period });
    const days = e - s;
    const pot = expected({ model, credit: 'as-of', by: 'territory', period }).rows;
    const hist = expected({ model, credit: 'as-of', by: 'territory', from: ymd(s - days), to: ymd(s - 1) }).rows;
    const P = leaves.map(t => (pot[t] ? pot[t].potential : 0)), H = leaves.map(t => (hist[t] ? hist[t].bookings : 0));
    const sp = P.reduce((a, b) => a + b, 0), sh = H.reduce((a, b) => a + b, 0);
    let wp = sp > 0 ? 0.6 : 0, wh = sh > 0 ? 0.4 : 0;
    const w = leaves.map((_, i) => (wp ? wp / (wp + wh) * P[i] / sp : 0) + (wh ? wh / (wp + wh) * H[i] / sh : 0));
    const want = largestRemainder(X, w);
    const got = csvObjects(R('quota', 'allocate', '--model', model, '--total', String(X), '--period', period,
      '--weights', 'potential=0.6,history=0.4', '--dry-run', '--format', 'csv'));
    const gotSum = got.reduce((a, r) => a + Number(r.quota), 0);
    if (gotSum !== X) problems.push(`${period}: the quotas add up to ${gotSum}, not ${X}`);
    if (got.length !== leaves.length) problems.push(`${period}: ${got.length} territories, expected the ${leaves.length} leaves of ${model}`);
    leaves.forEach((t, i) => {
      const r = got.find(x => x.territory === t);
      if (!r) { problems.push(`${period} ${t}: missing`); return; }
      if (Number(r.quota) !== want[i]) problems.push(`${period} ${t}: quota ${r.quota}, expected ${want[i]} (exact ${(X * w[i]).toFixed(4)})`);
      if (Math.abs(Number(r.potential) - P[i]) > 1e-9 * Math.max(1, P[i])) problems.push(`${period} ${t}: potential ${r.potential}, expected ${P[i]}`);
      if (Math.abs(Number(r.history) - H[i]) > 1e-9 * Math.max(1, H[i])) problems.push(`${period} ${t}: history ${r.history}, expected ${H[i]}`);
    });
    if (sh === 0 && period === '2027Q1') problems.push('2027Q1 should have history (the oracle data book through 2026-12)');
    return want;
  };
  allocation('2027Q1');
  const want = allocation('2027Q3');
  // saved with --seasonality: each territory's part over the months by last
  // year's monthly bookings (by days when it booked nothing)
  R('quota', 'allocate', '--model', model, '--total', String(X), '--period', '2027Q3', '--seasonality');
  const months = ['2027-07', '2027-08', '2027-09'];
  const lastYear = months.map(m => expected({ model, credit: 'as-of', by: 'territory', period: `2026-${m.slice(5)}` }).rows);
  const perMonth = months.map(m => Object.fromEntries(csvObjects(R('perf', '--model', model, '--period', m, '--format', 'csv')).map(r => [r.key, Number(r.quota)])));
  let seasonal = 0;
  leaves.forEach((t, i) => {
    const lb = lastYear.map(rows => (rows[t] ? rows[t].bookings : 0));
    const booked = lb.reduce((a, b) => a + b, 0);
    seasonal += booked > 0;
    const mw = booked > 0 ? lb : months.map(m => { const [a, b] = periodOf({ period: m }); return b - a; });
    const split = largestRemainder(want[i], mw);
    months.forEach((m, k) => {
      const q = perMonth[k][t];
      if (q === undefined || Math.abs(q - split[k]) > 1e-6) problems.push(`${t} ${m}: saved quota ${q}, expected ${split[k]}`);
    });
  });
  if (!seasonal) problems.push('no territory booked anything in 2026Q3: the seasonality check proves nothing');
  if (problems.length) throw new Error(problems.slice(0, 20).join('\n'));
  console.log(`     quota allocate: ${leaves.length} territories, total ${X} exact for 2027Q1 and 2027Q3; seasonality by last year for ${seasonal} of them`);
});

await run({
  after() {
    const lines = MISMATCHES.map(m => `${m.cmd} | key=${m.key} | ${m.figure}: expected ${m.exp} got ${m.got}${m.why ? ` (${m.why})` : ''}`);
    console.log(`perf oracle: ${RUNS} runs of regio perf, ${CELLS} figures compared, ${MISMATCHES.length} mismatches`);
    if (MISMATCHES.length) {
      const byFig = {};
      for (const m of MISMATCHES) byFig[m.figure] = (byFig[m.figure] || 0) + 1;
      console.log(`mismatches by figure: ${JSON.stringify(byFig)}`);
      for (const l of lines.slice(0, 60)) console.log(`  ${l}`);
      if (lines.length > 60) console.log(`  … ${lines.length - 60} more in ${LOG}`);
      try { writeFileSync(LOG, lines.join('\n') + '\n'); } catch { /* the build dir may be read-only */ }
    }
    if (KEEP) console.log(`kept ${dir}`); else removeDir(dir);
  },
});

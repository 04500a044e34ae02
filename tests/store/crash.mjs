// The kill -9 harness (issue 15, item 3): starts writes of every kind on one
// store — `regio import accounts`, `regio import sales`, `regio design`
// saves, and unit moves through `regio serve` carrying revision tokens —
// kills the process with SIGKILL at a random point of each, and checks
// after every cycle that
//   - `regio check` passes (integrity_check, foreign keys, audit chain,
//     orphans, sales blocks) and the store opens (`regio summary`);
//   - PRAGMA integrity_check says ok (asked with sqlite3 as well);
//   - every write the client saw acknowledged is there: an import whose
//     process exited 0, a design saved, a move answered 200 — in this cycle
//     and in every cycle before it;
//   - every import and design is all-or-nothing (each batch's rows are all
//     there or none are; a model has all its units or does not exist);
//   - the moved model's revision is the last acknowledged one, or one more
//     with exactly the move in flight applied.
//
//   node tests/store/crash.mjs [--cycles N] [--seed S] [--json FILE] [--keep]
//                              [--verbose] [--plant C]
//
// The seed fixes each cycle's kind, data and the point of the kill as a
// fraction of that kind's duration (measured unkilled at the start, then
// followed: a finished run updates it, a run killed past it raises it), so
// a run is the same on a faster or slower machine; whether a given kill
// lands before or after the commit still depends on the timing. Prints a
// line per failing cycle, a summary, and the closing "N passed, N failed"
// (one per cycle).
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, SRC, buildSmallStore, tempDir, removeDir, http } from '../api/harness.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const CYCLES = Number(opt('--cycles', 30));
const SEED = Number(opt('--seed', 15));
const JSON_OUT = opt('--json', null);
const KEEP = args.includes('--keep');
const VERBOSE = args.includes('--verbose');
// --plant C: after cycle C's write, delete one row of an acknowledged import
// behind the harness's back; that cycle must fail (a check of the checks).
const PLANT = Number(opt('--plant', 0));
const ACCOUNTS_PER_IMPORT = 1000;
const SALES_PER_IMPORT = 3000;

// mulberry32: a small seeded generator; each cycle draws from its own.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const dir = tempDir('regio-crash-');
const db = join(dir, 'crash.db');
const live = new Set();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
  if (!KEEP) removeDir(dir);
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => { console.log(`FAIL stopped by ${sig}`); process.exit(130); });
process.on('beforeExit', () => {
  if (process.exitCode === undefined) { console.log('FAIL the harness ran out of work before its end'); process.exitCode = 1; }
});

function sqlite(sql) {
  return execFileSync('sqlite3', ['-batch', '-separator', '\t', db, sql], { encoding: 'utf8' });
}

/** Runs regio ARGS; with killAfterMs, SIGKILLs it then. Resolves {code, signal, ms, stderr}. */
function runRegio(argv, killAfterMs = null) {
  return new Promise(resolve => {
    const t0 = performance.now();
    const p = spawn(BIN, [...argv, '--db', db], { cwd: SRC, stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(p);
    let stderr = '';
    p.stderr.on('data', d => { stderr += d; });
    const timer = killAfterMs === null ? null : setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.on('error', e => { live.delete(p); if (timer) clearTimeout(timer); resolve({ code: null, signal: null, ms: 0, stderr: String(e) }); });
    p.on('exit', (code, signal) => {
      live.delete(p);
      if (timer) clearTimeout(timer);
      resolve({ code, signal, ms: performance.now() - t0, stderr });
    });
  });
}

// ---- what the client saw acknowledged, and what it expects ---------------------

// batches[name] = {kind: 'acc'|'sale'|'model', rows, acked, state}: state is
// 'all' or 'none' once a check has seen it (a killed write may have landed
// or not, but after that it must stay as seen).
const batches = new Map();
// The moved model: its revision and alignment as last acknowledged, and the
// move in flight when the server was killed (null when none).
const base = { rev: 0, units: {}, inflight: null };

function csvAccounts(tag, n, r) {
  const lines = ['id,name,city,lat,lon,segment,annual_revenue'];
  for (let i = 0; i < n; i++) {
    const lat = (37.1 + r() * 3.8).toFixed(5), lon = (-108.9 + r() * 6.8).toFixed(5);
    lines.push(`${tag}-${i},Crash ${tag} ${i},Denver,${lat},${lon},${'ABC'[i % 3]},${Math.floor(r() * 1e6)}`);
  }
  return lines.join('\n') + '\n';
}

let accountIds = null;
function csvSales(tag, n, r) {
  if (!accountIds)
    accountIds = sqlite("SELECT ext_id FROM accounts WHERE ext_id LIKE 'ACC-%' ORDER BY id LIMIT 500").trim().split('\n');
  const lines = ['id,account,date,amount,status'];
  for (let i = 0; i < n; i++) {
    const acc = accountIds[Math.floor(r() * accountIds.length)];
    const m = 1 + Math.floor(r() * 12), d = 1 + Math.floor(r() * 28);
    lines.push(`${tag}-${i},${acc},2026-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')},${(r() * 5000).toFixed(2)},won`);
  }
  return lines.join('\n') + '\n';
}

// ---- the operations -------------------------------------------------------------

/** A CLI write: what it runs, and the batch it should leave whole. */
function cliOp(kind, cycle, r) {
  if (kind === 'accounts') {
    const tag = `K${cycle}`, file = join(dir, `${tag}.csv`);
    writeFileSync(file, csvAccounts(tag, ACCOUNTS_PER_IMPORT, r));
    return { tag, batch: 'acc', rows: ACCOUNTS_PER_IMPORT, argv: ['import', 'accounts', file, '--no-geocode', '--quiet'] };
  }
  if (kind === 'sales') {
    const tag = `S${cycle}`, file = join(dir, `${tag}.csv`);
    writeFileSync(file, csvSales(tag, SALES_PER_IMPORT, r));
    return { tag, batch: 'sale', rows: SALES_PER_IMPORT, argv: ['import', 'sales', file, '--quiet'] };
  }
  const tag = `crash-d${cycle}`;
  return { tag, batch: 'model', rows: null,
    argv: ['design', '--k', String(3 + Math.floor(r() * 4)), '--balance', 'accounts', '--tolerance', '0.1',
      '--model', tag, '--seed', String(1 + Math.floor(r() * 1000))] };
}

async function runCli(kind, cycle, r, killFraction, calib) {
  const op = cliOp(kind, cycle, r);
  const killAt = killFraction === null ? null : killFraction * calib;
  const res = await runRegio(op.argv, killAt);
  const acked = res.code === 0;
  if (!acked && res.signal !== 'SIGKILL')
    return { op, res, error: `${op.argv.slice(0, 2).join(' ')} failed (exit ${res.code}): ${res.stderr.trim()}` };
  batches.set(op.tag, { kind: op.batch, rows: op.rows, acked, state: acked ? 'all' : null, cycle });
  return { op, res, acked };
}

/** Starts regio serve; resolves {proc, url} or {proc, url: null} when it dies first. */
function startServe() {
  return new Promise(resolve => {
    const proc = spawn(BIN, ['serve', '--db', db, '--port', '0', '--quiet'], { cwd: SRC, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(proc);
    let out = '', done = false;
    proc.stdout.on('data', d => {
      out += d;
      const m = out.match(/Regio serving at (http:\/\/[^/\s]+\/)/);
      if (m && !done) { done = true; resolve({ proc, url: m[1] }); }
    });
    proc.stderr.on('data', () => {});
    proc.on('error', () => { live.delete(proc); if (!done) { done = true; resolve({ proc, url: null }); } });
    proc.on('exit', () => { live.delete(proc); if (!done) { done = true; resolve({ proc, url: null }); } });
  });
}

/** Moves units of model base until the server is killed killAfterMs after its start. */
async function runApi(r, killAfterMs) {
  const t0 = performance.now();
  const srv = await startServe();
  if (srv.proc.pid === undefined) return { acked: 0, error: 'regio serve could not be started', ms: 0 };
  let killed = false;
  const exited = new Promise(res => srv.proc.exitCode !== null || srv.proc.signalCode !== null
    ? res(srv.proc.signalCode) : srv.proc.on('exit', (code, sig) => res(sig)));
  const timer = setTimeout(() => { killed = true; srv.proc.kill('SIGKILL'); },
    Math.max(0, killAfterMs - (performance.now() - t0)));
  let acked = 0, error = null;
  base.inflight = null;
  if (srv.url) {
    const api = srv.url + 'api/v1/models/base';
    try {
      const a = await http(`${api}/alignment`);
      if (a.status !== 200) throw new Error(`GET alignment: ${a.status}`);
      if (a.json.revision !== base.rev) error = `the server reads revision ${a.json.revision}, the client holds ${base.rev}`;
      const units = Object.keys(base.units).sort();
      const terrs = [...new Set(Object.values(base.units))].sort();
      while (!error) {
        const unit = units[Math.floor(r() * units.length)];
        const to = terrs[Math.floor(r() * terrs.length)];
        if (to === base.units[unit]) continue;
        base.inflight = { unit, to };
        const m = await http(`${api}/moves`, { method: 'POST', body: { revision: base.rev, moves: [{ unit, to }] } });
        if (m.status === 200) {
          base.rev = m.json.revision;
          base.units[unit] = to;
          acked++;
        } else if (m.status === 409 && m.json && m.json.error && m.json.error.code !== 'stale_revision') {
          // refused (e.g. a territory would be left empty): nothing changed
        } else {
          error = `POST moves: ${m.status} ${m.text.slice(0, 200)}`;
        }
        base.inflight = null;
      }
    } catch (e) {
      // The kill ends the connection: the move in flight may or may not
      // have landed. Before the kill, an exception is a failure.
      if (!killed) error = `the client failed before the kill: ${e && e.message || e}`;
    }
  }
  const sig = await exited;
  clearTimeout(timer);
  if (!error && !(killed && sig === 'SIGKILL'))
    error = `regio serve ended by itself (${sig || 'exit ' + srv.proc.exitCode}) before the kill`;
  return { acked, error, ms: performance.now() - t0 };
}

// ---- the checks -----------------------------------------------------------------

async function check(cycle) {
  const problems = [];
  const chk = await runRegio(['check']);
  if (chk.code !== 0) problems.push(`regio check: exit ${chk.code ?? chk.signal}: ${chk.stderr.trim()}`);
  const sum = await runRegio(['summary']);
  if (sum.code !== 0) problems.push(`the store does not open: ${sum.stderr.trim()}`);
  const out = sqlite(
    "SELECT 'integrity', '', (SELECT group_concat(integrity_check, '; ') FROM pragma_integrity_check)" +
    " UNION ALL SELECT 'acc', substr(ext_id, 1, instr(ext_id, '-') - 1), count(*) FROM accounts" +
    "  WHERE ext_id GLOB 'K*-*' GROUP BY 2" +
    " UNION ALL SELECT 'sale', substr(ext_id, 1, instr(ext_id, '-') - 1), count(*) FROM sales_transactions" +
    "  WHERE ext_id GLOB 'S*-*' GROUP BY 2" +
    " UNION ALL SELECT 'model', m.name, (SELECT count(*) FROM alignments a WHERE a.model_id = m.id" +
    "  AND a.effective_to IS NULL) FROM territory_models m WHERE m.name GLOB 'crash-d*'" +
    " UNION ALL SELECT 'rev', '', alignment_rev FROM territory_models WHERE name = 'base'" +
    " UNION ALL SELECT 'unit', u.ext_id, t.ext_id FROM alignments a JOIN units u ON u.id = a.unit_id" +
    "  JOIN territories t ON t.id = a.territory_id JOIN territory_models m ON m.id = a.model_id" +
    "  WHERE m.name = 'base' AND a.effective_to IS NULL;");
  const seen = { acc: {}, sale: {}, model: {} }, units = {};
  let integrity = null, rev = null;
  for (const line of out.split('\n').filter(Boolean)) {
    const [kind, key, value] = line.split('\t');
    if (kind === 'integrity') integrity = value;
    else if (kind === 'rev') rev = Number(value);
    else if (kind === 'unit') units[key] = value;
    else seen[kind][key] = Number(value);
  }
  if (integrity !== 'ok') problems.push(`integrity_check: ${integrity}`);
  const nUnits = Object.keys(base.units).length;
  let partial = 0, lost = 0;
  for (const [tag, b] of batches) {
    const n = seen[b.kind][tag] || 0;
    const whole = b.kind === 'model' ? nUnits : b.rows;
    const state = n === 0 ? 'none' : n === whole ? 'all' : 'partial';
    if (state === 'partial') { partial++; problems.push(`${tag}: partial (${n} of ${whole} rows)`); }
    else if (b.state && b.state !== state) {
      if (b.state === 'all') lost++;
      problems.push(`${tag}: was ${b.state} (${b.acked ? 'acknowledged' : 'seen'} in cycle ${b.cycle}), now ${state}`);
    } else b.state = state;
  }
  // the moved model: the acknowledged revision, or one more with the move in flight
  const f = base.inflight;
  let inflightLanded = 0;
  if (rev === base.rev + 1 && f && units[f.unit] === f.to) {
    inflightLanded = 1;
    base.rev = rev;
    base.units[f.unit] = f.to;
  } else if (rev !== base.rev) {
    lost++;
    problems.push(`model base: revision ${rev}, the client was acknowledged ${base.rev}${f ? ` (move ${f.unit} -> ${f.to} in flight)` : ''}`);
  }
  for (const [u, t] of Object.entries(base.units))
    if (units[u] !== t) { lost++; problems.push(`model base: unit ${u} in ${units[u]}, acknowledged in ${t}`); }
  base.inflight = null;
  return { problems, partial, lost, integrity, inflightLanded, checkMs: chk.ms };
}

// ---- the run --------------------------------------------------------------------

const KINDS = ['accounts', 'sales', 'design', 'api'];

async function main() {
  const t0 = performance.now();
  buildSmallStore(db);
  const a = sqlite("SELECT alignment_rev FROM territory_models WHERE name = 'base';").trim();
  base.rev = Number(a);
  for (const line of sqlite("SELECT u.ext_id, t.ext_id FROM alignments a JOIN units u ON u.id = a.unit_id" +
      " JOIN territories t ON t.id = a.territory_id JOIN territory_models m ON m.id = a.model_id" +
      " WHERE m.name = 'base' AND a.effective_to IS NULL;").split('\n').filter(Boolean)) {
    const [u, t] = line.split('\t');
    base.units[u] = t;
  }
  // Each kind unkilled: its duration scales the kill points, and it is
  // an acknowledged write like any other.
  const calib = {};
  let failed = 0, passed = 0;
  for (const kind of ['accounts', 'sales', 'design']) {
    for (const run of ['c1', 'c2']) { // twice, the faster counts: a first run may wait on the disk cache
      const r = await runCli(kind, run, rng(SEED * 7919 + (run === 'c2' ? 1 : 0)), null, 0);
      if (r.error) throw new Error(r.error);
      calib[kind] = Math.min(calib[kind] ?? Infinity, r.res.ms);
    }
  }
  // The server: its start, then 0.6 s of moves.
  const ts = performance.now();
  const api0 = await startServe();
  calib.api = performance.now() - ts + 600;
  api0.proc.kill('SIGTERM');
  await new Promise(res => api0.proc.exitCode !== null ? res() : api0.proc.on('exit', res));
  const first = await check(0);
  if (first.problems.length) throw new Error(`the store fails its checks before any kill: ${first.problems.join('; ')}`);

  const stats = {};
  for (const k of KINDS) stats[k] = { cycles: 0, acked: 0, killed: 0, killed_after_commit: 0, moves_acked: 0, move_in_flight_landed: 0 };
  let lost = 0, partial = 0, integrityOk = 0, opens = 0;
  for (let c = 1; c <= CYCLES; c++) {
    const r = rng(SEED * 100003 + c);
    const kind = KINDS[Math.floor(r() * KINDS.length)];
    const frac = r() * 1.2; // up to 20% past the measured duration: some writes finish
    const s = stats[kind];
    s.cycles++;
    let error = null, note = '', tag = null;
    if (kind === 'api') {
      const res = await runApi(r, frac * calib.api);
      s.moves_acked += res.acked;
      s.killed++;
      error = res.error;
      note = `${res.acked} moves acknowledged`;
    } else {
      const res = await runCli(kind, c, r, frac, calib[kind]);
      error = res.error;
      tag = res.op.tag;
      if (res.acked) s.acked++; else s.killed++;
      note = res.acked ? 'acknowledged' : 'killed';
      // The duration follows the machine's load: a finished run tells it,
      // a run killed past the estimate says it is longer.
      if (res.acked) calib[kind] = (calib[kind] + res.res.ms) / 2;
      else if (frac >= 1) calib[kind] = Math.max(calib[kind], frac * calib[kind] * 1.1);
    }
    if (c === PLANT) sqlite("DELETE FROM accounts WHERE ext_id = 'Kc1-0';");
    const v = await check(c);
    const b = tag && batches.get(tag);
    if (b && !b.acked && b.state === 'all') {
      s.killed_after_commit++;
      note += ' (after its commit)';
    }
    s.move_in_flight_landed += v.inflightLanded;
    lost += v.lost;
    partial += v.partial;
    if (v.integrity === 'ok') integrityOk++;
    if (!v.problems.some(p => p.startsWith('the store does not open'))) opens++;
    const problems = error ? [error, ...v.problems] : v.problems;
    if (VERBOSE)
      console.log(`cycle ${c}: ${kind}, kill at ${(frac * 100).toFixed(0)}%: ${note}; check ${v.checkMs.toFixed(0)} ms`);
    if (problems.length) {
      failed++;
      console.log(`FAIL cycle ${c} (${kind}, kill at ${(frac * 100).toFixed(0)}%): ${problems.join('\n     ')}`);
    } else passed++;
  }
  const sizes = sqlite('SELECT page_count * page_size FROM pragma_page_count, pragma_page_size;').trim();
  const summary = {
    seed: SEED, cycles: CYCLES, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
    calibration_ms: Object.fromEntries(Object.entries(calib).map(([k, v]) => [k, Math.round(v)])),
    kinds: stats, lost_acknowledged: lost, partial_writes: partial,
    integrity_ok: integrityOk, store_opened: opens, cycles_failed: failed, store_bytes: Number(sizes),
  };
  console.log(JSON.stringify(summary));
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(summary, null, 1) + '\n');
  if (KEEP) console.log(`store kept in ${db}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch(e => {
  console.log(`FAIL ${e && e.stack || e}`);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});

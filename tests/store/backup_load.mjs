// `regio backup` during a write load through the API (issue 15, item 5):
// `regio serve` takes writes from several clients at once — activities
// logged (POST /api/v1/activities, one new id each) and unit moves of model
// `base` carrying the revision the client holds (POST .../moves) — while
// `regio backup --out FILE` runs again and again. Each client notes every
// write the server acknowledged (2xx) with the time the answer arrived.
// Then, for each backup:
//   - `regio check FILE` passes (integrity, foreign keys, audit chain,
//     orphans);
//   - every activity acknowledged before that backup began is in it;
//   - model base's revision in it is at least the last one acknowledged
//     before it began, and its units sit where that revision put them (a
//     unit moved later may differ only when the backup holds a later
//     revision).
// The live store passes `regio check` once the load stops.
//
//   node tests/store/backup_load.mjs [--seconds S] [--clients N] [--backups B]
//                                    [--accounts N] [--json FILE] [--keep]
//                                    [--plant]
//
// --plant deletes, from the first backup, one activity acknowledged before
// it began (a check of the checks: that backup must then fail).
// --accounts adds N generated accounts first, so that a backup takes many
// steps of SQLite's backup API while the writes go on. Prints one line per
// backup, a summary, and the closing "N passed, N failed" (one per backup
// and one for the live store).
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, SRC, buildSmallStore, tempDir, removeDir, http, startServer, sleep } from '../api/harness.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const SECONDS = Number(opt('--seconds', 4));
const CLIENTS = Math.max(2, Number(opt('--clients', 4)));
const BACKUPS = Math.max(1, Number(opt('--backups', 3)));
const ACCOUNTS = Number(opt('--accounts', 20000));
const JSON_OUT = opt('--json', null);
const KEEP = args.includes('--keep');
const PLANT = args.includes('--plant');

const dir = tempDir('regio-backup-load-');
const db = join(dir, 'live.db');
const sqlite = (file, sql) => execFileSync('sqlite3', ['-readonly', file, sql], { encoding: 'utf8' });
const now = () => performance.now();

function run(cmd, argv) {
  return new Promise(res => {
    const p = spawn(cmd, argv, { cwd: SRC, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', d => { out += d; });
    p.stderr.on('data', d => { err += d; });
    p.on('exit', code => res({ code, out, err }));
  });
}

let passed = 0, failed = 0;
const problems = [];
function verdict(ok, line) {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
}

// ---- the store ----------------------------------------------------------------------

buildSmallStore(db);
if (ACCOUNTS > 0) {
  const rows = ['id,name,lat,lon,annual_revenue'];
  for (let i = 1; i <= ACCOUNTS; i++)
    rows.push(`B${String(i).padStart(7, '0')},Base ${i},${(38 + (i % 200) / 100).toFixed(4)},${(-105 + (i % 300) / 100).toFixed(4)},${i}`);
  writeFileSync(join(dir, 'base.csv'), rows.join('\n') + '\n');
  execFileSync(BIN, ['import', 'accounts', join(dir, 'base.csv'), '--no-geocode', '--db', db], { cwd: SRC, stdio: 'ignore' });
}
const account = sqlite(db, "SELECT ext_id FROM accounts WHERE ext_id LIKE 'ACC-%' ORDER BY ext_id LIMIT 1;").trim();
const user = sqlite(db, 'SELECT ext_id FROM reps ORDER BY ext_id LIMIT 1;').trim();
const srv = await startServer(db, []);
const api = srv.base;

// ---- the clients --------------------------------------------------------------------

const acked = [];          // activities: { id, t }
const revs = [];           // moves: { rev, unit, to, t }, in order
const counts = { activities: 0, moves: 0, refused: 0, errors: 0 };
let stop = false;

async function activityClient(k) {
  for (let i = 1; !stop; i++) {
    const id = `load-${k}-${i}`;
    const r = await http(`${api}/activities`, { method: 'POST', body: { id, account, user, date: '2027-01-11' } });
    if (r.status === 201 || r.status === 200) {
      acked.push({ id, t: now() });
      counts.activities++;
    } else {
      counts.errors++;
      problems.push(`POST activities ${id}: ${r.status} ${r.text.slice(0, 200)}`);
      if (counts.errors > 20) return;
    }
  }
}

async function moveClient() {
  const a = await http(`${api}/models/base/alignment`);
  if (a.status !== 200) throw new Error(`GET alignment: ${a.status} ${a.text.slice(0, 200)}`);
  let rev = a.json.revision;
  const units = { ...a.json.units };
  const ids = Object.keys(units).sort();
  const terrs = [...new Set(Object.values(units))].sort();
  let i = 0;
  while (!stop) {
    const unit = ids[(i * 7) % ids.length];
    const to = terrs[(terrs.indexOf(units[unit]) + 1) % terrs.length];
    i++;
    const m = await http(`${api}/models/base/moves`, { method: 'POST', body: { revision: rev, moves: [{ unit, to }] } });
    if (m.status === 200) {
      rev = m.json.revision;
      units[unit] = to;
      revs.push({ rev, unit, to, t: now() });
      counts.moves++;
    } else if (m.status === 409 && m.json?.error?.code !== 'stale_revision') {
      counts.refused++; // e.g. a territory would be left empty: nothing changed
    } else {
      counts.errors++;
      problems.push(`POST moves: ${m.status} ${m.text.slice(0, 200)}`);
      if (counts.errors > 20) return;
    }
  }
}

// ---- the load, and the backups during it ---------------------------------------------

const t0 = now();
const clients = [moveClient()];
for (let k = 1; k < CLIENTS; k++) clients.push(activityClient(k));
const backups = [];
const gap = (SECONDS * 1000) / (BACKUPS + 1);
for (let b = 1; b <= BACKUPS; b++) {
  await sleep(Math.max(0, t0 + b * gap - now()));
  const file = join(dir, `backup-${b}.db`);
  const begin = now();
  const r = await run(BIN, ['backup', '--out', file, '--db', db]);
  backups.push({ b, file, begin, end: now(), code: r.code, err: r.err });
}
await sleep(Math.max(0, t0 + SECONDS * 1000 - now()));
stop = true;
await Promise.all(clients);
const loadS = (now() - t0) / 1000;
const stopped = await srv.stop();

// ---- the checks -------------------------------------------------------------------

if (PLANT && backups[0].code === 0) {
  const victim = acked.find(a => a.t < backups[0].begin) || acked[0];
  if (victim) execFileSync('sqlite3', [backups[0].file, `DELETE FROM activities WHERE ext_id = '${victim.id}';`]);
}
const rows = [];
for (const k of backups) {
  const issues = [];
  if (k.code !== 0) issues.push(`regio backup exited ${k.code}: ${k.err.trim().slice(0, 300)}`);
  let checkOk = false, missing = 0, before = 0, rev = null, wantRev = 0, misplaced = 0, activities = 0;
  if (k.code === 0) {
    const c = await run(BIN, ['check', k.file]);
    checkOk = c.code === 0;
    if (!checkOk) issues.push(`regio check: ${(c.out + c.err).trim().slice(0, 400)}`);
    const have = new Set(sqlite(k.file, "SELECT ext_id FROM activities WHERE ext_id LIKE 'load-%';").split('\n').filter(Boolean));
    activities = have.size;
    for (const a of acked) {
      if (a.t >= k.begin) continue;
      before++;
      if (!have.has(a.id)) missing++;
    }
    if (missing) issues.push(`${missing} of ${before} activities acknowledged before the backup began are missing`);
    rev = Number(sqlite(k.file, "SELECT alignment_rev FROM territory_models WHERE name = 'base';").trim());
    const last = revs.filter(x => x.t < k.begin).pop();
    wantRev = last ? last.rev : 0;
    if (rev < wantRev) issues.push(`model base at revision ${rev}, ${wantRev} was acknowledged before the backup began`);
    // Where the backup's revision put each moved unit: the last acknowledged
    // move of it at or below that revision (moves answered after the backup
    // began may be in it too, up to its revision).
    const at = {};
    for (const x of revs) if (x.rev <= rev) at[x.unit] = x.to;
    const inBackup = {};
    for (const line of sqlite(k.file, "SELECT u.ext_id, t.ext_id FROM alignments a JOIN units u ON u.id = a.unit_id" +
      " JOIN territories t ON t.id = a.territory_id JOIN territory_models m ON m.id = a.model_id" +
      " WHERE m.name = 'base' AND a.effective_to IS NULL;").split('\n').filter(Boolean)) {
      const [u, t] = line.split('|');
      inBackup[u] = t;
    }
    for (const [u, t] of Object.entries(at)) if (inBackup[u] !== t) misplaced++;
    if (misplaced) issues.push(`${misplaced} units not where revision ${rev} put them`);
  }
  const ms = Math.round(k.end - k.begin);
  rows.push({ backup: k.b, ms, check: checkOk, acked_before: before, missing, activities_in_backup: activities,
    revision: rev, revision_acked_before: wantRev, misplaced });
  verdict(!issues.length, `backup ${k.b}: ${ms} ms, check ${checkOk ? 'passes' : 'FAILS'}, ` +
    `${before} activities acknowledged before it began, ${missing} missing (${activities} in it); ` +
    `revision ${rev} (${wantRev} acknowledged before it)${issues.length ? ': ' + issues.join('; ') : ''}`);
}
const live = await run(BIN, ['check', db]);
verdict(live.code === 0 && stopped === 0 && counts.errors === 0,
  `the live store passes check (${live.code === 0 ? 'yes' : 'no'}), the server stopped with ${stopped}, ` +
  `${counts.errors} failed requests${problems.length ? ': ' + problems.slice(0, 3).join('; ') : ''}`);
const summary = {
  seconds: Number(loadS.toFixed(1)), clients: CLIENTS, accounts_added: ACCOUNTS,
  activities_acked: counts.activities, moves_acked: counts.moves, moves_refused: counts.refused,
  writes_per_s: Number(((counts.activities + counts.moves) / loadS).toFixed(1)),
  failed_requests: counts.errors, backups: rows, live_check: live.code === 0,
  store_kib: Math.round(Number(execFileSync('stat', ['-c', '%s', db], { encoding: 'utf8' })) / 1024),
};
console.log(`     ${summary.activities_acked} activities and ${summary.moves_acked} moves acknowledged ` +
  `(${summary.writes_per_s}/s) by ${CLIENTS} clients in ${summary.seconds} s; ${BACKUPS} backups`);
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(summary, null, 2));
if (KEEP) console.log(`     kept ${dir}`); else removeDir(dir);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

// Shared helpers for the API and browser tests and the HTTP benchmark:
// a tiny test runner (prints the closing "N passed, N failed" line), store
// builders that run the regio CLI into a temporary directory, and a server
// handle that starts `regio serve --port 0` and parses its "serving at" line.
// With REGIO_TEST_STORE=pg (the ctest variants NAME.pg, run through
// tests/pg/with_cluster.sh) every store a test makes with testStore() is a
// fresh schema of the PostgreSQL test cluster instead of a SQLite file, and
// storeSql() / copyStore() work on either.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, copyFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

const here = dirname(fileURLToPath(import.meta.url));
export const SRC = process.env.REGIO_SOURCE_DIR || resolve(here, '../..');
export const BUILD = process.env.REGIO_BUILD_DIR || join(SRC, 'build');
export const BIN = process.env.REGIO_BIN || join(BUILD, 'regio');

// ---- runner ----------------------------------------------------------------

const tests = [];
/** Registers a test; tests run in order and share state through closures. */
export function test(name, fn) { tests.push({ name, fn }); }

/** Runs the registered tests, prints one line each and the closing count. */
export async function run({ after } = {}) {
  let passed = 0, failed = 0;
  for (const t of tests) {
    const t0 = Date.now();
    try {
      await t.fn();
      passed++;
      console.log(`ok   ${t.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name} (${Date.now() - t0} ms)\n     ${String(e && e.stack || e).split('\n').slice(0, 12).join('\n     ')}`);
    }
  }
  if (after) {
    try { await after(); } catch (e) { console.log(`cleanup failed: ${e && e.stack || e}`); }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
  return failed;
}

// ---- temp dirs and stores --------------------------------------------------

export function tempDir(prefix = 'regio-test-') { return mkdtempSync(join(tmpdir(), prefix)); }
export function removeDir(d) { if (d) rmSync(d, { recursive: true, force: true }); }

function regio(args, db, { quiet = true } = {}) {
  try {
    return execFileSync(BIN, [...args, '--db', db], {
      cwd: SRC, encoding: 'utf8', maxBuffer: 64 << 20,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    throw new Error(`regio ${args.join(' ')} failed (${e.status}):\n${e.stderr || ''}${e.stdout || ''}`);
  }
}

/**
 * The small store of the API tests: Colorado's counties, the sample reps
 * and accounts, and a planning model `base` of 5 territories.
 */
export function buildSmallStore(db, { design = true } = {}) {
  regio(['import', 'units', join(SRC, 'node_modules/us-atlas/counties-10m.json'), '--layer', 'counties',
    '--skip-empty', '--where', "id LIKE '08%'"], db);
  regio(['import', 'reps', join(SRC, 'data/sample/reps.csv')], db);
  regio(['import', 'accounts', join(SRC, 'data/sample/accounts.csv')], db);
  regio(['assign', 'units', '--measures'], db);
  if (design)
    regio(['design', '--k', '5', '--balance', 'accounts', '--tolerance', '0.05', '--model', 'base'], db);
  return db;
}

/**
 * The sample market of tools/run_sample.sh (contiguous US, 25 territories,
 * model sample-design); with {org: true} also the demo organisation of
 * `make run` (tools/demo_org.mjs: regions, the live model sample-live, users;
 * run again it only prints the logins). Under CTest the tests that need
 * them share one of each, built once by the fixtures sample_store and
 * sample_org_store (tests/api/sample_fixture.mjs), which name them in
 * REGIO_SAMPLE_STORE and REGIO_SAMPLE_ORG_STORE: a SQLite store is a copy of
 * that file; without it (a test run by hand, a PostgreSQL store) it is
 * built here.
 */
export function buildSampleStore(db, { org = false } = {}) {
  if (copyShared(org ? 'REGIO_SAMPLE_ORG_STORE' : 'REGIO_SAMPLE_STORE', db)) return db;
  regio(['import', 'units', join(SRC, 'node_modules/us-atlas/counties-10m.json'), '--layer', 'counties',
    '--skip-empty', '--where', "id NOT LIKE '02%' AND id NOT LIKE '15%' AND id < '60'"], db);
  regio(['import', 'reps', join(SRC, 'data/sample/reps.csv')], db);
  regio(['import', 'accounts', join(SRC, 'data/sample/accounts.csv')], db);
  regio(['assign', 'units', '--measures'], db);
  regio(['design', '--k', '25', '--balance', 'accounts', '--tolerance', '0.05', '--model', 'sample-design'], db);
  if (org) addDemoOrg(db);
  return db;
}

/**
 * Adds the demo organisation to a sample store that has none (tools/demo_org.mjs):
 * under CTest the store becomes a copy of the fixture sample_org_store, the
 * same sample market with it.
 */
export function addDemoOrg(db) {
  if (copyShared('REGIO_SAMPLE_ORG_STORE', db)) return db;
  execFileSync(process.execPath, [join(SRC, 'tools/demo_org.mjs'), '--db', db, '--regio', BIN],
    { cwd: SRC, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return db;
}

/** Copies the SQLite store the environment variable `name` names over db, when both are files. */
function copyShared(name, db) {
  const shared = process.env[name];
  if (!shared || !existsSync(shared) || /^postgres(ql)?:\/\//.test(db)) return false;
  for (const ext of ['', '-wal', '-shm']) {
    if (existsSync(shared + ext)) copyFileSync(shared + ext, db + ext);
    else rmSync(db + ext, { force: true });
  }
  return true;
}

// ---- the backend under test ---------------------------------------------------

/** 'pg' when the tests run on PostgreSQL (REGIO_TEST_STORE=pg), else 'sqlite'. */
export const STORE = process.env.REGIO_TEST_STORE === 'pg' ? 'pg' : 'sqlite';
if (STORE === 'pg' && !pgCluster()) {
  console.log('skipped: REGIO_TEST_STORE=pg but no PostgreSQL test cluster (REGIO_TEST_DB;' +
    ' run through tests/pg/with_cluster.sh)');
  process.exit(77);
}

// Schemas made by testStore, dropped when the process ends (after its
// servers are killed: that handler is registered first, below).
const madeStores = [];

/**
 * A new, empty store for a test: DIR/NAME.db on SQLite, a fresh schema of
 * the test cluster on PostgreSQL (dropped when the process exits).
 */
export function testStore(dir, name) {
  if (STORE !== 'pg') return join(dir, `${name}.db`);
  const loc = pgStore(name);
  madeStores.push(loc);
  return loc;
}

/**
 * Runs SQL (one or more statements) on a store of either backend and
 * returns what it prints, trimmed: rows one a line, columns separated by
 * '|' (sqlite3's list mode, psql -At), or as CSV without a header with
 * {csv: true}. The SQL must be valid on both (coalesce, not ifnull; no
 * group_concat or json_extract).
 */
export function storeSql(db, query, { csv = false } = {}) {
  const pg = /^postgres(ql)?:\/\//.test(db);
  const [cmd, args] = pg
    ? ['psql', [db, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-t', ...(csv ? ['--csv'] : ['-A']), '-f', '-']]
    : ['sqlite3', [...(csv ? ['-csv'] : []), db]];
  try {
    return execFileSync(cmd, args, { input: query, encoding: 'utf8', maxBuffer: 64 << 20,
      stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    throw new Error(`${cmd} failed (${e.status}): ${e.stderr || ''}\n${query}`);
  }
}

/**
 * Writes to a store behind its servers' backs, as another process would:
 * SQLite servers notice the file changed; on PostgreSQL a writer tells
 * them with a NOTIFY on the store's channel (docs/DEPLOY.md), sent here in
 * the same transaction.
 */
export function storeWrite(db, sql) {
  if (STORE !== 'pg') return storeSql(db, sql);
  return storeSql(db, `BEGIN;\n${sql};\nSELECT pg_notify('regio_' || current_schema(), '');\nCOMMIT;`);
}

/**
 * Everything the store keeps, as text to search (e.g. for secrets that
 * must not be there): its files and WAL, latin1, on SQLite; a data dump of
 * its schema on PostgreSQL.
 */
export function storeBytes(db) {
  if (STORE === 'pg')
    return execFileSync('pg_dump', [pgCluster(), '-n', pgSchema(db), '--data-only', '--no-owner'],
      { encoding: 'latin1', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  return [db, db + '-wal'].filter(existsSync).map(p => readFileSync(p).toString('latin1')).join('\n');
}

/**
 * Copies store `from` over the empty store `to` (both made by testStore):
 * the file and its WAL on SQLite, the schema (pg_dump, renamed) on
 * PostgreSQL. Returns to.
 */
export function copyStore(from, to) {
  if (STORE === 'pg') {
    const a = pgSchema(from), b = pgSchema(to);
    const dump = execFileSync('pg_dump', [pgCluster(), '-n', a, '--no-owner', '--no-privileges'],
      { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
    execFileSync('psql', [pgCluster(), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `DROP SCHEMA ${b} CASCADE`],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('psql', [pgCluster(), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '-'],
      { input: dump.replace(new RegExp(`\\b${a}\\b`, 'g'), b), maxBuffer: 256 << 20, stdio: ['pipe', 'ignore', 'pipe'] });
    return to;
  }
  copyFileSync(from, to);
  for (const ext of ['-wal', '-shm']) if (existsSync(from + ext)) copyFileSync(from + ext, to + ext);
  return to;
}

// ---- the server ------------------------------------------------------------

// Servers still running when this process ends (an exception, a signal from
// CTest's timeout) are killed, so none outlives its test.
const live = new Set();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
  for (const loc of madeStores) {
    try { pgStoreDrop(loc); } catch (e) { console.log(`could not drop ${loc}: ${e.stderr || e}`); }
  }
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => { for (const p of live) p.kill('SIGKILL'); process.exit(130); });

/**
 * Starts `regio serve --db DB --port 0 --quiet ARGS…` and resolves once it
 * prints its URL: {url, base (url + 'api/v1'), port, proc, stderr(), stop()}.
 * stop() sends SIGTERM and resolves with the exit code (or signal name).
 */
export function startServer(db, args = [], { timeoutMs = 30000, env = {} } = {}) {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(BIN, ['serve', '--db', db, '--port', '0', '--quiet', ...args], {
      cwd: SRC, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
    });
    let out = '', err = '', done = false, exited = null;
    live.add(proc);
    const exitP = new Promise(r => proc.on('exit', (code, sig) => { exited = code ?? sig; live.delete(proc); r(exited); }));
    const timer = setTimeout(() => fail(new Error(`regio serve did not print its URL in ${timeoutMs} ms\n${err}`)), timeoutMs);
    function fail(e) { if (done) return; done = true; clearTimeout(timer); proc.kill('SIGKILL'); reject(e); }
    proc.stderr.on('data', d => { err += d; if (err.length > 1 << 20) err = err.slice(-(1 << 19)); });
    proc.stdout.on('data', d => {
      out += d;
      const m = out.match(/Regio serving at (http:\/\/([^/\s]+):(\d+)\/)/);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        const url = m[1];
        resolvePromise({
          url, base: url + 'api/v1', port: Number(m[3]), host: m[2], proc,
          stderr: () => err,
          exited: () => exited,
          async stop(waitMs = 20000) {
            if (exited !== null) return exited;
            proc.kill('SIGTERM');
            const t = setTimeout(() => proc.kill('SIGKILL'), waitMs);
            const r = await exitP;
            clearTimeout(t);
            return r;
          },
        });
      }
    });
    proc.on('error', fail);
    exitP.then(code => fail(new Error(`regio serve exited (${code}) before listening\n${err}`)));
  });
}

// ---- HTTP helpers ------------------------------------------------------------

/** fetch with a timeout; resolves {status, headers, text, json (or undefined), ms}. */
export async function http(url, { method = 'GET', body, headers = {}, timeoutMs = 30000 } = {}) {
  const t0 = performance.now();
  const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(timeoutMs) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    if (!init.headers['Content-Type']) init.headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(url, init);
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, headers: r.headers, text, json, ms: performance.now() - t0 };
}

/**
 * Sends raw bytes on a fresh TCP connection and collects what comes back
 * until the peer closes, `untilRe` matches, or timeoutMs passes:
 * {data, closed, error, status (from the status line, or null)}.
 */
export function rawRequest(port, bytes, { host = '127.0.0.1', timeoutMs = 5000, untilRe = null, localAddress } = {}) {
  return new Promise(resolvePromise => {
    const s = net.connect({ host, port, localAddress });
    let data = '', closed = false, error = null, finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(t);
      s.destroy();
      const m = data.match(/^HTTP\/1\.[01] (\d{3})/);
      resolvePromise({ data, closed, error, status: m ? Number(m[1]) : null });
    };
    const t = setTimeout(finish, timeoutMs);
    s.on('connect', () => s.write(bytes, () => {}));
    s.on('data', d => { data += d.toString('latin1'); if (untilRe && untilRe.test(data)) finish(); });
    s.on('error', e => { error = e.code || String(e); finish(); });
    s.on('close', () => { closed = true; finish(); });
  });
}

export function sleep(ms) { return new Promise(r => setTimeout(r, ms)); }

/**
 * A slow client on a fresh connection: 'header' sends a request whose header
 * never ends, one more byte every 2 s; 'body' declares a 100,000-byte body and
 * sends it at 10 bytes a second. Resolves once the server closes it:
 * {ms (from the connection to the close), data (what came back), status}.
 */
export function slowClient(port, kind, { localAddress } = {}) {
  return new Promise(resolvePromise => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress });
    let data = '', t0 = 0, timer = null;
    s.on('connect', () => {
      t0 = performance.now();
      if (kind === 'header') {
        s.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
        timer = setInterval(() => s.write('a'), 2000);
      } else {
        s.write('POST /api/v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
          'Content-Length: 100000\r\n\r\n{"name":"');
        timer = setInterval(() => s.write('x'), 100);
      }
    });
    s.on('data', d => { data += d.toString('latin1'); });
    s.on('error', () => {});
    s.on('close', () => {
      clearInterval(timer);
      const m = data.match(/^HTTP\/1\.[01] (\d{3})/);
      resolvePromise({ ms: performance.now() - t0, data, status: m ? Number(m[1]) : null });
    });
  });
}

/** Polls GET {api}/jobs/{id} until the job is done, failed or cancelled; the job. */
export async function waitJob(api, id, deadlineMs = 60000) {
  const t0 = Date.now();
  let j;
  while (Date.now() - t0 < deadlineMs) {
    const r = await http(`${api}/jobs/${encodeURIComponent(id)}`);
    if (r.status !== 200) throw new Error(`GET /jobs/${id}: ${r.status} ${r.text.slice(0, 300)}`);
    j = r.json;
    if (!(j.progress >= 0 && j.progress <= 1)) throw new Error(`job ${id}: progress ${j.progress}`);
    if (['done', 'failed', 'cancelled'].includes(j.state)) return j;
    await sleep(200);
  }
  throw new Error(`job ${id} still ${j && j.state} after ${deadlineMs} ms`);
}

export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1));
  return sorted[i];
}

// ---- PostgreSQL ---------------------------------------------------------------

/** The test cluster's location (REGIO_TEST_DB, set by tests/pg/with_cluster.sh), or null. */
export function pgCluster() {
  const u = process.env.REGIO_TEST_DB || '';
  return /^postgres(ql)?:\/\//.test(u) ? u : null;
}

let pgStores = 0;

/**
 * A fresh, empty store on the test cluster: a new schema regio_TAG_PID_N of
 * its database (made with psql), named by the location's search_path.
 */
export function pgStore(tag) {
  const url = pgCluster();
  const schema = `regio_${tag}_${process.pid}_${++pgStores}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  execFileSync('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c',
    `DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  return `${url}${url.includes('?') ? '&' : '?'}options=-csearch_path%3D${schema}`;
}

/** The schema of a store made by pgStore, or null. */
function pgSchema(location) {
  const m = /search_path%3D([a-z0-9_]+)/.exec(location || '');
  return m ? m[1] : null;
}

/** Drops a store made by pgStore (waiting at most 20 s for the locks of servers still closing). */
export function pgStoreDrop(location) {
  const schema = pgSchema(location);
  if (schema)
    execFileSync('psql', [pgCluster(), '-X', '-q', '-c',
      `SET lock_timeout = '20s'; DROP SCHEMA IF EXISTS ${schema} CASCADE`],
      { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Runs a regio command on db with text on stdin; its stdout. */
export function regioWith(args, db, input) {
  return execFileSync(BIN, [...args, '--db', db], { cwd: SRC, encoding: 'utf8', input,
    stdio: ['pipe', 'pipe', 'pipe'] });
}

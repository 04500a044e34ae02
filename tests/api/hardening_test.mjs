// The server under attack (issue 15, item 6), what every answer must hold:
//  - the security headers (Content-Security-Policy without inline script or
//    style and with frame-ancestors 'none', X-Content-Type-Options,
//    X-Frame-Options, Referrer-Policy) on every answer: each route of the
//    router's table (read from src/server/routes.c) with plausible and with
//    hostile path parameters and bodies, every static file (the tables of
//    src/server/static.c, every file of web/), 404s, 405s, 400s, 401s, 413s,
//    the 408 of the request deadline, and the answers libmicrohttpd makes
//    itself (a malformed request, headers past its memory: 400, 414, 431,
//    505), which must come as Regio's JSON errors too;
//  - error bodies that are JSON {"error":{"code","message"}} and hold no SQL,
//    SQLite message, source location or stack trace, and no 500 for bad
//    input: bad JSON, JSON nested past the cap, wrong types, bad ids,
//    constraint violations (a duplicate model name);
//  - the web app's HTML has no inline script, no on* handler and no style
//    attribute (the policy would refuse them);
//  - --tile-url adds its host to img-src, and nothing that is not a host.
// Prints ok/FAIL per test and "N passed, N failed".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  test, run, tempDir, removeDir, buildSmallStore, copyStore, startServer, http, rawRequest, sleep, testStore, BIN, SRC,
} from './harness.mjs';

const dir = tempDir('regio-hardening-');
const db = testStore(dir, 'hard');
const dbAuth = testStore(dir, 'auth');
const dbWalk = testStore(dir, 'walk');
// srvWalk takes the walks (their POSTs promote and archive models); srv
// keeps the store as built for the pointed checks.
let srv = null, srvWalk = null, srvAuth = null, srvSmall = null;
let token = '';
let answers = 0;

// ---- what every answer must carry -------------------------------------------------

function checkHeaders(what, h) {
  const csp = h.get('content-security-policy');
  assert.ok(csp, `${what}: Content-Security-Policy`);
  const dirs = Object.fromEntries(csp.split(';').map(d => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(dirs['frame-ancestors'], ["'none'"], `${what}: frame-ancestors 'none'`);
  for (const d of ['script-src', 'style-src']) {
    assert.ok(dirs[d], `${what}: ${d}`);
    assert.ok(!dirs[d].includes("'unsafe-inline'") && !dirs[d].includes("'unsafe-eval'") && !dirs[d].includes('*'),
      `${what}: ${d} ${dirs[d].join(' ')}`);
  }
  assert.deepEqual(dirs['object-src'], ["'none'"], `${what}: object-src`);
  assert.equal(h.get('x-content-type-options'), 'nosniff', `${what}: X-Content-Type-Options`);
  assert.equal(h.get('x-frame-options'), 'DENY', `${what}: X-Frame-Options`);
  assert.ok(['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin']
    .includes(h.get('referrer-policy')), `${what}: Referrer-Policy ${h.get('referrer-policy')}`);
  answers++;
}

// Patterns that would betray the store or the code behind an error.
const LEAKS = [
  /\bselect\b[^"]*\bfrom\b/i, /\binsert\s+into\b/i, /\bupdate\s+\w+\s+set\b/i, /\bdelete\s+from\b/i,
  /\bcreate\s+(table|index)\b/i, /\bpragma\b/i, /sqlite/i, /constraint failed/i, /no such (table|column)/i,
  /near "[^"]*": syntax error/i, /\.[ch]:\d+/, /\bat \S+ \(/, /#\d+\s+0x[0-9a-f]+/i, /backtrace/i,
  /segmentation/i, /assert(ion)? fail/i,
  // PostgreSQL's own words (api.hardening.pg)
  /violates (unique|foreign key|check|not-null) constraint/i, /duplicate key value/i, /relation "[^"]*"/i,
  /syntax error at or near/i, /\bSQLSTATE\b/, /postgres/i, /libpq/i, /invalid input syntax for/i,
];

function checkErrorBody(what, status, text) {
  let j;
  try { j = JSON.parse(text); } catch { assert.fail(`${what}: ${status} body is not JSON: ${text.slice(0, 200)}`); }
  assert.ok(j && j.error && typeof j.error.code === 'string' && typeof j.error.message === 'string',
    `${what}: ${status} body ${text.slice(0, 200)}`);
  for (const re of LEAKS) assert.ok(!re.test(text), `${what}: ${status} body matches ${re}: ${text.slice(0, 300)}`);
}

/** One request: checks the headers, and the body of an error; resolves the answer. */
async function probe(base, method, path, { body, headers = {}, bad = false } = {}) {
  const what = `${method} ${path.slice(0, 120)}`;
  const r = await http(base + path, { method, body, headers });
  checkHeaders(what, r.headers);
  if (r.status >= 400 && method !== 'HEAD') checkErrorBody(what, r.status, r.text);
  if (bad) assert.notEqual(r.status, 500, `${what}: bad input answered 500: ${r.text.slice(0, 300)}`);
  return r;
}

// ---- the routes, from the router's own table ---------------------------------------

const ROUTES = [...readFileSync(join(SRC, 'src/server/routes.c'), 'utf8')
  .matchAll(/\{"(GET|POST|DELETE)", "(\/api\/v1\/[^"]*)", (\w+), (SRV_\w+)\}/g)]
  .map(m => ({ method: m[1], pattern: m[2], handler: m[3] }));

// A plausible value for each {} from the segment before it.
const PLAUSIBLE = { models: 'base', territories: 'T01', rules: '1', units: '08031', accounts: 'ACC-000001',
  challenges: '1', jobs: '1' };
const HOSTILE = ["x'; DROP TABLE models; --", '..%2F..%2F..%2Fetc%2Fpasswd', '%00', '-1', '99999999999999999999999',
  '\u00e9\u0000\u202e', 'x'.repeat(300)];

function fill(pattern, value) {
  const segs = pattern.split('/');
  return segs.map((s, i) => s === '{}' ? (value === null ? encodeURIComponent(PLAUSIBLE[segs[i - 1]] || 'x') : encodeURIComponent(value)) : s).join('/')
    .replace('/api/v1', '');
}

const BAD_BODIES = [
  '{"revision": ', 'not json', '[]', '"a string"', '{"a":1,"a":2}',
  '{"revision":"x","moves":"y","name":123,"units":{"a":1},"to":[],"model":null,"k":-5,"expr":7}',
  '{"revision":1e999,"k":1e999,"limit":-1}', '{"name":"' + 'n'.repeat(5000) + '"}',
  '{"name":"\\u0000\\ud800"}',
  '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
];

test('setup: the small store (single-user mode), and one with a user (sign-in required)', async () => {
  buildSmallStore(db);
  copyStore(db, dbWalk);
  srv = await startServer(db, []);
  srvWalk = await startServer(dbWalk, []);
  buildSmallStore(dbAuth);
  const r = spawnSync(BIN, ['user', 'add', 'vera', '--permissions', 'manage_territories', '--password-stdin', '--db', dbAuth],
    { cwd: SRC, input: 'a-long-password-1\n', encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const t = spawnSync(BIN, ['user', 'token', 'vera', '--db', dbAuth], { cwd: SRC, encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  token = t.stdout.trim().split(/\s+/).pop();
  srvAuth = await startServer(dbAuth, []);
  srvSmall = await startServer(db, ['--max-body', '1000', '--request-deadline', '2']);
  assert.ok(ROUTES.length >= 60, `routes read from routes.c: ${ROUTES.length}`);
});

test('every route of the router with plausible parameters: the headers; errors are clean JSON', async () => {
  const seen = {};
  for (const r of ROUTES) {
    const path = fill(r.pattern, null);
    const a = await probe(srvWalk.base, r.method, path, { body: r.method === 'POST' ? {} : undefined });
    seen[a.status] = (seen[a.status] || 0) + 1;
    if (r.method === 'GET') await probe(srvWalk.base, 'HEAD', path);
  }
  console.log(`     ${ROUTES.length} routes, statuses ${JSON.stringify(seen)}`);
  assert.ok(seen[200] >= 20, 'most GETs answer 200');
});

test('every route with hostile path parameters: headers, clean errors, never 500', async () => {
  let n = 0;
  for (const r of ROUTES) {
    if (!r.pattern.includes('{}')) continue;
    for (const v of HOSTILE) {
      await probe(srvWalk.base, r.method, fill(r.pattern, v), { body: r.method === 'POST' ? {} : undefined, bad: true });
      n++;
    }
  }
  console.log(`     ${n} requests`);
});

test('every POST route with bad bodies (bad JSON, wrong types, huge numbers, NULs, deep nesting): clean errors, never 500', async () => {
  let n = 0;
  const accepted = new Set();
  for (const r of ROUTES.filter(r => r.method === 'POST')) {
    for (const b of BAD_BODIES) {
      const a = await probe(srvWalk.base, 'POST', fill(r.pattern, null), { body: b, bad: true });
      if (a.status < 400) accepted.add(`${r.pattern} ${a.status}`);
      n++;
    }
  }
  console.log(`     ${n} requests; answered < 400: ${[...accepted].join(', ') || 'none'}`);
});

test('JSON nesting: 33 levels answer 400 invalid_json naming the cap of 32; 32 levels pass the cap', async () => {
  const deep = n => '{"revision":1,"moves":' + '['.repeat(n - 1) + ']'.repeat(n - 1) + '}';
  const over = await probe(srv.base, 'POST', '/models/base/moves', { body: deep(33) });
  assert.equal(over.status, 400);
  assert.equal(over.json.error.code, 'invalid_json');
  assert.match(over.json.error.message, /deeper than 32 levels/);
  const at = await probe(srv.base, 'POST', '/models/base/moves', { body: deep(32) });
  assert.ok(at.status >= 400 && !/deeper than/.test(at.text), `32 levels: ${at.status} ${at.text.slice(0, 200)}`);
  // Brackets inside strings do not count.
  const str = await probe(srv.base, 'POST', '/models', { body: JSON.stringify({ name: '['.repeat(100), from: 'nope' }) });
  assert.ok(!/deeper than/.test(str.text), str.text);
});

test('constraint violations and bad ids: a duplicate model name is 409 conflict, unknown ids 404/422; no SQL', async () => {
  const dup = await probe(srv.base, 'POST', '/models', { body: { name: 'base' } });
  assert.equal(dup.status, 409, `duplicate model: ${dup.text}`);
  assert.equal(dup.json.error.code, 'conflict');
  const clone = await probe(srv.base, 'POST', '/models/base/clone', { body: { name: 'base' } });
  assert.equal(clone.status, 409, `clone onto an existing name: ${clone.text}`);
  const unit = await probe(srv.base, 'POST', '/models/base/moves', { body: { revision: 1, moves: [{ unit: "08031' OR 1=1 --", to: 'T02' }] } });
  assert.ok(unit.status === 409 || unit.status === 422, `${unit.status} ${unit.text}`);
  const rev = (await http(`${srv.base}/models/base/alignment`)).json.revision;
  const terr = await probe(srv.base, 'POST', '/models/base/moves', { body: { revision: rev, moves: [{ unit: '08031', to: 'T99"; DROP TABLE x' }] } });
  assert.equal(terr.status, 422, terr.text);
  const job = await probe(srv.base, 'GET', '/jobs/0');
  assert.equal(job.status, 404);
  const acct = await probe(srv.base, 'GET', '/accounts/%27%20OR%20%271%27%3D%271');
  assert.equal(acct.status, 404);
});

test('sign-in required: 401 without credentials and 403 with a wrong CSRF or Origin carry the headers', async () => {
  let n401 = 0;
  for (const r of ROUTES) {
    const a = await probe(srvAuth.base, r.method, fill(r.pattern, null), { body: r.method === 'POST' ? {} : undefined });
    if (a.status === 401) n401++;
  }
  assert.ok(n401 >= ROUTES.length - 3, `401 answers: ${n401} of ${ROUTES.length}`);
  const cross = await probe(srvAuth.base, 'POST', '/models/base/moves',
    { body: {}, headers: { Authorization: `Bearer ${token}`, Origin: 'https://evil.example' } });
  assert.equal(cross.status, 403);
  const login = await probe(srvAuth.base, 'POST', '/login', { body: { username: 'vera', password: 'wrong password!' } });
  assert.equal(login.status, 401);
  const ok = await probe(srvAuth.base, 'GET', '/models', { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(ok.status, 200);
});

/** Every file below d, as paths relative to d. */
function walk(d) {
  const out = [];
  for (const e of readdirSync(d)) {
    const p = join(d, e);
    if (statSync(p).isDirectory()) out.push(...walk(p).map(x => join(e, x)));
    else out.push(e);
  }
  return out;
}

test('static files: the fixed ones, every file of web/, one of each vendor mount, 404s and 405s', async () => {
  const src = readFileSync(join(SRC, 'src/server/static.c'), 'utf8');
  const files = [...src.matchAll(/\{"(\/[^"]*)", [01], "[^"]+"\}/g)].map(m => m[1]).filter(f => f === '/' || !f.endsWith('/'));
  const mounts = [...src.matchAll(/\{"(\/[^"]*\/)", ([01]), "([^"]*)"\}/g)].map(m => ({ prefix: m[1], modules: m[2] === '1', dir: m[3] }));
  assert.ok(files.length >= 5 && mounts.length >= 4, `static tables: ${files.length} files, ${mounts.length} mounts`);
  for (const f of files) {
    const r = await probe(srv.url.slice(0, -1), 'GET', f);
    assert.equal(r.status, 200, f);
  }
  for (const m of mounts) {
    const root = m.modules ? join(SRC, 'node_modules', m.dir) : join(SRC, 'web', m.dir);
    const all = walk(root);
    const list = m.modules ? all.filter(f => /\.(js|css)$/.test(f)).slice(0, 2) : all;
    assert.ok(list.length, `files under ${m.prefix}`);
    for (const f of list) {
      const r = await probe(srv.url.slice(0, -1), 'GET', m.prefix + f.split('/').map(encodeURIComponent).join('/'));
      assert.equal(r.status, 200, m.prefix + f);
    }
  }
  for (const p of ['/nope', '/app/../../etc/passwd', '/app/%2e%2e/CMakeLists.txt', '/vendor/leaflet/..%2F..%2Fpackage.json', '/app/nope.js'])
    assert.equal((await probe(srv.url.slice(0, -1), 'GET', p)).status, 404, p);
  assert.equal((await probe(srv.url.slice(0, -1), 'POST', '/', { body: {} })).status, 405);
  assert.equal((await probe(srv.url.slice(0, -1), 'DELETE', '/api/v1/health')).status, 405);
  assert.equal((await probe(srv.url.slice(0, -1), 'GET', '/api/v1/nope')).status, 404);
});

test('the app\'s HTML holds no inline script, no on* handler and no style attribute; its code writes none', () => {
  const web = join(SRC, 'web');
  for (const f of walk(web)) {
    const text = readFileSync(join(web, f), 'utf8');
    if (f.endsWith('.html')) {
      for (const m of text.matchAll(/<script\b([^>]*)>/gi))
        assert.match(m[1], /\bsrc=/, `${f}: inline <script${m[1]}>`);
      assert.ok(!/<style\b/i.test(text), `${f}: <style> element`);
      assert.ok(!/\son[a-z]+\s*=/i.test(text), `${f}: an on* handler attribute`);
      assert.ok(!/\sstyle\s*=/i.test(text), `${f}: a style attribute`);
      assert.ok(!/javascript:/i.test(text), `${f}: a javascript: URL`);
    }
    if (f.endsWith('.js')) {
      assert.ok(!/style=\\?["']/.test(text), `${relative(SRC, join(web, f))}: writes a style attribute`);
      assert.ok(!/\son[a-z]+=\\?["']/.test(text), `${relative(SRC, join(web, f))}: writes an on* attribute`);
      assert.ok(!/\beval\(|new Function\(/.test(text), `${relative(SRC, join(web, f))}: eval`);
    }
  }
});

test('413 (declared and chunked), 431 from the HTTP layer, and the 408 of the request deadline', async () => {
  const big = await probe(srvSmall.base, 'POST', '/models', { body: { name: 'x'.repeat(2000) } });
  assert.equal(big.status, 413);
  assert.equal(big.json.error.code, 'payload_too_large');
  // Chunked: no Content-Length, the cap applies as it arrives.
  const chunk = 'x'.repeat(1500);
  const r = await rawRequest(srvSmall.port, `POST /api/v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`);
  assert.equal(r.status, 413, r.data.slice(0, 300));
  assert.match(r.data, /\r\ncontent-security-policy: /i);
  // The deadline: a request that never ends its headers gets a 408 with the headers.
  const t0 = Date.now();
  const late = await rawRequest(srvSmall.port, 'GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Never: ', { timeoutMs: 6000 });
  const s = (Date.now() - t0) / 1000;
  assert.equal(late.status, 408, late.data.slice(0, 300));
  assert.ok(late.closed && s >= 1.9 && s < 3, `closed after ${s} s`);
  const body = late.data.slice(late.data.indexOf('\r\n\r\n') + 4);
  const headers = new Headers(late.data.slice(0, late.data.indexOf('\r\n\r\n')).split('\r\n').slice(1)
    .map(l => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
  checkHeaders('408', headers);
  checkErrorBody('408', 408, body);
  assert.equal(JSON.parse(body).error.code, 'request_timeout');
});

/** A raw answer's headers and body (libmicrohttpd 0.9.75 writes the status
 *  line and headers of its answer to a bad Content-Length twice: the last). */
function splitRaw(data) {
  data = data.slice(data.lastIndexOf('HTTP/1.'));
  const end = data.indexOf('\r\n\r\n');
  const headers = new Headers(data.slice(0, end).split('\r\n').slice(1)
    .map(l => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
  return { headers, body: data.slice(end + 4) };
}

test('libmicrohttpd\'s own answers (malformed request line and header, headers and request line past its memory, HTTP/2.0 and 0.9, bad Content-Length, bad chunks) carry the headers and a clean JSON error', async () => {
  const big = 'x'.repeat(40 * 1024); // over the 32 KiB default --max-header
  const cases = [
    // No request line at all: closed without an answer (nothing to carry headers).
    ['a line that is no request line', 'GARBAGE\r\n\r\n', [null]],
    ['a request line with no version', 'GET /api/v1/health\r\nHost: 127.0.0.1\r\n\r\n', [400, 505]],
    ['a header line without a colon', 'GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n', [400]],
    ['HTTP/2.0 in the request line', 'GET /api/v1/health HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n', [505]],
    ['HTTP/0.9 in the request line', 'GET /api/v1/health HTTP/0.9\r\n\r\n', [505]],
    ['a Content-Length past 2^64', 'POST /api/v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999999999999999999\r\n\r\n', [413]],
    ['a header of 40 KiB', `GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${big}\r\n\r\n`, [431]],
    ['a cookie of 40 KiB', `GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: a=${big}\r\n\r\n`, [431]],
    ['a request line of 40 KiB', `GET /api/v1/health?q=${big} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, [414, 431]],
    ['a bad Content-Length', 'POST /api/v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 12abc\r\n\r\n', [400, 413]],
    ['a bad chunk size', 'POST /api/v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n', [400]],
  ];
  const seen = [];
  for (const [what, bytes, want] of cases) {
    const r = await rawRequest(srv.port, bytes, { timeoutMs: 5000 });
    assert.ok(want.includes(r.status), `${what}: status ${r.status}: ${r.data.slice(0, 300)}`);
    seen.push(`${r.status}`);
    if (r.status === null) {
      assert.ok(r.closed && r.data === '', `${what}: ${r.data.slice(0, 300)}`);
      continue;
    }
    const { headers, body } = splitRaw(r.data);
    checkHeaders(what, headers);
    checkErrorBody(what, r.status, body);
    assert.match(headers.get('content-type') || '', /^application\/json/, `${what}: Content-Type`);
    assert.ok(!/<html|libmicrohttpd|microhttpd/i.test(r.data), `${what}: MHD's own page or name: ${r.data.slice(0, 300)}`);
  }
  console.log(`     ${cases.length} requests, statuses ${seen.join(' ')}`);
  // The server still answers.
  assert.equal((await probe(srv.base, 'GET', '/health')).status, 200);
});

test('--tile-url: img-src gains the tile host (placeholders as a wildcard label), nothing that is not a host', async () => {
  const cases = [
    ['https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png', 'https://*.tile.openstreetmap.org'],
    ['http://tiles.example.org:8080/{z}/{x}/{y}.png', 'http://tiles.example.org:8080'],
    ["https://evil.example; script-src 'unsafe-inline'/{z}/{x}/{y}.png", null],
    ['javascript:alert(1)', null],
  ];
  for (const [url, want] of cases) {
    const s = await startServer(db, ['--tile-url', url]);
    try {
      const r = await http(`${s.base}/health`);
      checkHeaders(`--tile-url ${url}`, r.headers);
      const img = r.headers.get('content-security-policy').split(';').map(d => d.trim()).find(d => d.startsWith('img-src'));
      if (want) assert.ok(img.split(/\s+/).includes(want), `${url}: ${img}`);
      else assert.equal(img, "img-src 'self' data:", `${url}: ${img}`);
    } finally {
      assert.equal(await s.stop(), 0);
    }
  }
});

test('the servers stop with status 0', async () => {
  console.log(`     ${answers} answers checked`);
  for (const s of [srv, srvWalk, srvAuth, srvSmall]) assert.equal(await s.stop(), 0, s.stderr().slice(-2000));
});

await run({
  after: async () => {
    for (const s of [srv, srvWalk, srvAuth, srvSmall]) if (s && s.exited() === null) await s.stop();
    removeDir(dir);
  },
});

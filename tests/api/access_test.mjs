// Sign-in and territory access through the API (docs/ACCESS.md, issue 11).
// On the small store (Colorado's counties, the sample reps and accounts)
// with model `live` in force and an organisation made with the CLI imports
// (a role tree VP > managers > reps, two regions over the five territories,
// memberships current, future, past and inactive, manual associations,
// owners, and permission-only users):
//  - without credentials every route answers 401 but health and login;
//  - sign-in: no user enumeration (same answer, similar time), throttling
//    per user and per address, the cookie's attributes, secrets of >= 128
//    bits, only hashes in the store;
//  - CSRF for cookie-authenticated writes; bearer tokens need none;
//  - read-only writes answer 403, invisible targets 404, nothing changes,
//    and the refusals are in the hash-chained audit log;
//  - the API agrees with `regio access check` (one account and the list);
//  - rule 12: a removed membership is gone on the next request;
//  - single-user mode on loopback only.
// Prints ok/FAIL per test and "N passed, N failed".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import httpMod from 'node:http';
import {
  test, run, tempDir, removeDir, buildSmallStore, startServer, http, testStore, storeSql, storeBytes, BIN, SRC,
} from './harness.mjs';

const dir = tempDir('regio-access-');
const db = testStore(dir, 'access');
const M = 'live';
const enc = encodeURIComponent;
let srv = null, A = '';
const tokens = {};     // login -> API token
const PASSWORD = {};   // login -> password
const ORG = ['vera', 'mia', 'max', 'ana', 'bo', 'cy', 'dee', 'ops', 'aud', 'mod'];

function cli(args, { input, allowFail = false, dbPath = db } = {}) {
  const r = spawnSync(BIN, [...args, '--db', dbPath], {
    cwd: SRC, encoding: 'utf8', maxBuffer: 64 << 20, input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (r.status !== 0 && !allowFail)
    throw new Error(`regio ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return allowFail ? r : r.stdout;
}

function sql(query, dbPath = db) {
  return storeSql(dbPath, query);
}

function csvRows(text) {
  return text.trim().split('\n').slice(1).map(l => l.split(','));
}

/** HTTP from a chosen local address (127.0.0.x) so the per-address sign-in
 * throttle can be exercised, or avoided, on purpose. */
let nextAddr = 10;
function freshAddr() { return `127.0.${Math.floor(nextAddr / 250)}.${(nextAddr++ % 250) + 2}`; }
function httpFrom(localAddress, url, { method = 'GET', body, headers = {} } = {}) {
  return new Promise((resolvePromise, reject) => {
    const data = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
    const h = { ...headers };
    if (data !== undefined) {
      h['Content-Type'] = h['Content-Type'] || 'application/json';
      h['Content-Length'] = Buffer.byteLength(data);
    }
    const t0 = performance.now();
    const req = httpMod.request(url, { method, localAddress, headers: h, agent: false }, r => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', d => { text += d; });
      r.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolvePromise({ status: r.statusCode, headers: r.headers, text, json, ms: performance.now() - t0 });
      });
    });
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error(`timeout ${method} ${url}`)));
    if (data !== undefined) req.write(data);
    req.end();
  });
}

const login = (user, password, addr = freshAddr()) =>
  httpFrom(addr, A + '/login', { method: 'POST', body: { username: user, password } });
const asUser = (user, path, opts = {}) =>
  http(A + path, { ...opts, headers: { ...(opts.headers || {}), Authorization: `Bearer ${tokens[user]}` } });
const asCookie = (sid, path, opts = {}) =>
  http(A + path, { ...opts, headers: { ...(opts.headers || {}), Cookie: `regio_session=${sid}` } });

function sessionOf(res) {
  const sc = res.headers['set-cookie'];
  const line = Array.isArray(sc) ? sc.find(c => c.startsWith('regio_session=')) : sc;
  assert.ok(line, `login answers a regio_session cookie: ${JSON.stringify(res.headers)}`);
  return { line, sid: line.split(';')[0].split('=')[1], csrf: res.json && res.json.csrf };
}

/** What a refused write must leave untouched: the organisation and the models. */
function orgState() {
  return sql(`SELECT 'm', u.login, t.ext_id, m.role, m.active, m.start_date, m.end_date
      FROM memberships m JOIN users u ON u.id = m.user_id JOIN territories t ON t.id = m.territory_id
      ORDER BY 2, 3, 4;
    SELECT 't', tm.name, t.ext_id, t.parent_id, t.account_access, t.name FROM territories t
      JOIN territory_models tm ON tm.id = t.model_id ORDER BY 2, 3;
    SELECT 'a', account_id, territory_id, cause FROM account_territories ORDER BY 2, 3, 4;
    SELECT 'tm', name, state, effective_from, alignment_rev FROM territory_models ORDER BY 2;
    SELECT 'al', model_id, unit_id, territory_id, locked FROM alignments ORDER BY 2, 3;
    SELECT 'u', login, display_name, email, active, role_id, password_hash FROM users ORDER BY 2;
    SELECT 'p', user_id, permission FROM user_permissions ORDER BY 2, 3;
    SELECT 'r', name, parent_id FROM roles ORDER BY 2;`);
}

function auditCount(action) {
  return Number(sql(`SELECT count(*) FROM audit_log WHERE action = '${action}'`));
}

/** The levels `regio access check --pairs` gives, as a Map "user\taccount" -> level. */
function cliLevels(pairs, tag) {
  const inPath = join(dir, `pairs-${tag}.csv`), outPath = join(dir, `levels-${tag}.csv`);
  writeFileSync(inPath, 'user,account\n' + pairs.map(([u, a]) => `${u},${a}`).join('\n') + '\n');
  cli(['access', 'check', '--pairs', inPath, '--out', outPath]);
  const rows = csvRows(readFileSync(outPath, 'utf8'));
  assert.equal(rows.length, pairs.length, 'one answer per pair');
  const m = new Map();
  rows.forEach(([u, a, lv], i) => {
    assert.deepEqual([u, a], pairs[i].map(String), `row ${i + 2} answers its pair`);
    m.set(`${u}\t${a}`, lv);
  });
  return m;
}

async function accountListOf(user) {
  const ids = new Map();
  let total = null;
  for (let offset = 0; ; offset += 5000) {
    const r = await asUser(user, `/accounts?limit=5000&offset=${offset}`);
    assert.equal(r.status, 200, `${user}: GET /accounts: ${r.text.slice(0, 200)}`);
    total = r.json.total;
    for (const a of r.json.accounts) ids.set(a.id, a.access);
    if (r.json.accounts.length === 0 || offset + 5000 >= total) break;
  }
  assert.equal(ids.size, total, `${user}: the pages hold "total" accounts`);
  return ids;
}

let rng = 0x2545f491;
function rand() { // xorshift32: the same sample every run
  rng ^= rng << 13; rng >>>= 0; rng ^= rng >>> 17; rng ^= rng << 5; rng >>>= 0;
  return rng / 4294967296;
}
const pick = arr => arr[Math.floor(rand() * arr.length)];

// ---- setup --------------------------------------------------------------------

test('setup: small store, model live in force, the organisation from the CLI imports', async () => {
  buildSmallStore(db);
  cli(['model', 'clone', 'base', M]);
  cli(['model', 'promote', M, '--effective', '2020-01-01']);
  const f = name => join(dir, name);
  writeFileSync(f('roles.csv'), `role,parent
vp,
mgr-north,vp
mgr-south,vp
rep-north,mgr-north
rep-south,mgr-south
ops,
`);
  writeFileSync(f('users.csv'), `username,name,email,role,permissions
vera,Vera VP,vera@example.com,vp,
mia,Mia North,mia@example.com,mgr-north,
max,Max South,max@example.com,mgr-south,
ana,Ana Rep,ana@example.com,rep-north,
bo,Bo Rep,bo@example.com,rep-north,
cy,Cy Rep,cy@example.com,rep-south,
dee,Dee Rep,dee@example.com,rep-south,
ops,Ops Admin,ops@example.com,ops,manage_territories
aud,Auditor,aud@example.com,ops,view_all
mod,Modifier,mod@example.com,ops,modify_all
`);
  // Two regions above the five designed territories, levels per territory.
  writeFileSync(f('territories.csv'), `name,parent,account_access
North,,read
South,,read
T01,North,edit
T02,North,read
T03,South,owner
T04,South,edit
T05,South,read
`);
  // Current, future (bo), past (dee) and inactive (cy in T04) memberships.
  writeFileSync(f('memberships.csv'), `user,territory,role,active,start,end
mia,North,manager,true,,
max,South,manager,true,,
ana,T01,owner,true,2020-01-01,
bo,T02,rep,true,2999-01-01,
cy,T03,owner,true,,
cy,T04,rep,false,,
dee,T05,rep,true,2019-01-01,2021-01-01
`);
  // Accounts far from Colorado, associated by hand (one with a region).
  writeFileSync(f('associations.csv'), `account,territory
ACC-000001,T01
ACC-000002,T03
ACC-000003,North
ACC-000004,T05
ACC-000005,T04
ACC-000006,T02
`);
  // Two accounts owned by reps (rule 8 and, rolled up, rule 14).
  writeFileSync(f('owned.csv'), 'id,name,lat,lon,owner\nOWN-1,Owned One,47.6,-122.3,dee\nOWN-2,Owned Two,40.7,-74.0,bo\n');
  const out = [
    cli(['import', 'roles', f('roles.csv')]),
    cli(['import', 'users', f('users.csv')]),
    cli(['import', 'territories', f('territories.csv'), '--model', M]),
    cli(['import', 'memberships', f('memberships.csv'), '--model', M]),
    cli(['import', 'associations', f('associations.csv'), '--model', M]),
    cli(['import', 'accounts', f('owned.csv'), '--no-geocode']),
  ].join('');
  for (const [what, n] of [['roles', 6], ['users', 10], ['territories', 7], ['memberships', 7], ['associations', 6]])
    assert.match(out, new RegExp(`imported ${what} from \\S+: ${n} rows`), out);
  assert.equal(sql(`SELECT t.ext_id || '<' || coalesce(p.ext_id, '-') FROM territories t
    LEFT JOIN territories p ON p.id = t.parent_id JOIN territory_models m ON m.id = t.model_id
    WHERE m.name = '${M}'`).split('\n').sort().join(' '),
  'North<- South<- T01<North T02<North T03<South T04<South T05<South');
  for (const u of ['vera', 'mia', 'max', 'ana', 'cy', 'dee', 'ops']) {
    PASSWORD[u] = `pw-${u}-correct-horse`;
    const o = cli(['user', 'passwd', u, '--password-stdin'], { input: PASSWORD[u] + '\n' });
    assert.match(o, new RegExp(`password of ${u} changed`));
  }
  for (const u of ORG) {
    const o = cli(['user', 'token', u]);
    tokens[u] = o.trim().split(/\s+/).pop();
  }
  srv = await startServer(db);
  A = srv.base;
  const r = await asUser('ana', '/session');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.user.username, 'ana');
  assert.equal(r.json.model_in_force, M);
});

// ---- 401 without credentials ---------------------------------------------------

/** Method + path of every route: docs/API.md's tables and src/server/routes.c. */
function routesFromDocs() {
  const out = new Set();
  for (const line of readFileSync(join(SRC, 'docs/API.md'), 'utf8').split('\n')) {
    const m = line.match(/^\|\s*`(GET|POST|PUT|PATCH|DELETE) (\/api\/v1\/[^`\s?[]*)/);
    if (m) out.add(`${m[1]} ${m[2].replace(/\{[^}]*\}/g, '{}')}`);
  }
  return out;
}
function routesFromCode() {
  const out = new Set();
  const src = readFileSync(join(SRC, 'src/server/routes.c'), 'utf8');
  for (const m of src.matchAll(/\{"(GET|POST|PUT|PATCH|DELETE)", "(\/api\/v1\/[^"]*)"/g)) out.add(`${m[1]} ${m[2]}`);
  return out;
}
/** Real names for the path parameters, by the segment before them. */
function fill(pattern) {
  const seg = pattern.split('/');
  for (let i = 0; i < seg.length; i++) {
    if (seg[i] !== '{}') continue;
    seg[i] = { models: M, territories: 'T01', units: '08031', accounts: 'ACC-000001', jobs: '1', challenges: '1', rules: '1' }[seg[i - 1]];
    assert.ok(seg[i], `a value for the parameter after /${seg[i - 1]}/ in ${pattern}`);
  }
  return seg.join('/');
}
const PUBLIC = new Set(['GET /api/v1/health', 'POST /api/v1/login']);

test('without credentials every route but health and login answers 401 (the whole list walked)', async () => {
  const docs = routesFromDocs(), code = routesFromCode();
  assert.ok(docs.size >= 30, `docs/API.md lists its routes (${docs.size} parsed)`);
  assert.ok(code.size >= 40, `routes.c lists its routes (${code.size} parsed)`);
  const undocumentedInCode = [...docs].filter(r => !code.has(r));
  assert.deepEqual(undocumentedInCode, [], 'every route of docs/API.md is served');
  const all = [...new Set([...docs, ...code])].sort();
  const before = orgState();
  const wrong = [];
  let walked = 0;
  for (const route of all) {
    const [method, pattern] = route.split(' ');
    if (route === 'POST /api/v1/logout') continue; // its own test below
    const path = fill(pattern).replace(/^\/api\/v1/, '');
    const r = await http(A + path, method === 'GET' ? {} : { method, body: {} });
    walked++;
    const want = PUBLIC.has(route) ? (route.startsWith('GET') ? 200 : 400) : 401;
    if (r.status !== want) wrong.push(`${route} (${path}): ${r.status}, want ${want}`);
    if (want === 401 && r.status === 401)
      assert.match(r.headers.get('www-authenticate') || '', /^Bearer/, `${route}: WWW-Authenticate`);
  }
  assert.deepEqual(wrong, [], 'status without credentials');
  assert.equal(walked, all.length - 1, 'every route was asked');
  assert.ok(walked >= 40, `${walked} routes walked`);
  // Bad credentials are no credentials; static files stay public.
  for (const h of [{ Authorization: 'Bearer rgt_' + '0'.repeat(64) }, { Authorization: 'Bearer nonsense' },
    { Cookie: 'regio_session=' + 'a'.repeat(64) }, { Cookie: 'regio_session=x' }]) {
    const r = await http(A + '/accounts', { headers: h });
    assert.equal(r.status, 401, `GET /accounts with ${JSON.stringify(h)}`);
  }
  const s = await http(srv.url);
  assert.equal(s.status, 200, 'the app itself (static) is public');
  assert.equal(orgState(), before, 'nothing changed');
});

test('docs/API.md documents every route routes.c serves (the list the 401 walk reads)', () => {
  const docs = routesFromDocs();
  const missing = [...routesFromCode()].filter(r => !docs.has(r));
  assert.deepEqual(missing, [], 'routes served but not in docs/API.md');
});

test('POST /api/v1/logout without credentials answers 401 like every route but health and login', async () => {
  const r = await http(A + '/logout', { method: 'POST', body: {} });
  assert.equal(r.status, 401, `logout without a session: ${r.status} ${r.text}`);
});

// ---- sign-in -------------------------------------------------------------------

test('sign-in: wrong password and unknown user get the same 401 body in similar time (argon2id both)', async () => {
  const med = xs => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const wrongT = [], unknownT = [], bodies = new Set();
  for (let i = 0; i < 3; i++) {
    const w = await login('mia', 'not-the-password-' + i);
    const u = await login('nobody-here', 'not-the-password-' + i);
    for (const r of [w, u]) {
      assert.equal(r.status, 401, r.text);
      bodies.add(r.text);
    }
    wrongT.push(w.ms);
    unknownT.push(u.ms);
  }
  // A disabled user and one without a password answer the same too.
  bodies.add((await login('bo', 'whatever-it-is-here')).text);
  assert.equal(bodies.size, 1, `one body for every failure: ${[...bodies].join(' | ')}`);
  const w = med(wrongT), u = med(unknownT);
  assert.ok(w > 20 && u > 20, `both verify a hash: wrong ${w.toFixed(1)} ms, unknown ${u.toFixed(1)} ms`);
  assert.ok(Math.max(w, u) / Math.min(w, u) < 3, `similar time: wrong ${w.toFixed(1)} ms, unknown ${u.toFixed(1)} ms`);
  // The right password (from a fresh address) still signs in.
  const ok = await login('mia', PASSWORD.mia);
  assert.equal(ok.status, 200, ok.text);
});

test('sign-in throttle per user: after 6 failures for one user (from 7 addresses) -> 429 with Retry-After, even with the right password', async () => {
  const seen = [];
  let r;
  for (let i = 0; i < 8; i++) {
    r = await login('dee', 'wrong-password-' + i);
    seen.push(r.status);
    if (r.status === 429) break;
  }
  // 5 failures are free; the attempt after the 6th failure at the latest waits.
  assert.deepEqual(seen.slice(0, 5), [401, 401, 401, 401, 401], `statuses ${seen}`);
  assert.equal(r.status, 429, `statuses ${seen}`);
  assert.ok(seen.length <= 7, `429 after at most 6 failures: ${seen}`);
  assert.match(r.headers['retry-after'] || '', /^[1-9][0-9]*$/, 'Retry-After in whole seconds');
  const right = await login('dee', PASSWORD.dee);
  assert.equal(right.status, 429, `the right password while throttled: ${right.status}`);
  // Another user from another address is not affected.
  const other = await login('cy', PASSWORD.cy);
  assert.equal(other.status, 200, other.text);
});

test('sign-in throttle per address: 6 failures from one address for different names -> 429 there, not elsewhere', async () => {
  const addr = freshAddr();
  const seen = [];
  let r;
  for (let i = 0; i < 8; i++) {
    r = await login(`ghost${i}`, 'wrong-password', addr);
    seen.push(r.status);
    if (r.status === 429) break;
  }
  assert.equal(r.status, 429, `statuses ${seen}`);
  assert.ok(seen.length <= 7, `429 after at most 6 failures: ${seen}`);
  assert.match(r.headers['retry-after'] || '', /^[1-9][0-9]*$/);
  assert.equal((await login('max', PASSWORD.max, addr)).status, 429, 'that address waits');
  assert.equal((await login('max', PASSWORD.max)).status, 200, 'another address signs in');
});

let mia = null; // mia's cookie session {sid, csrf}

test('session cookie: HttpOnly, SameSite=Strict, id and CSRF token >= 128 bits; tokens >= 128 bits', async () => {
  const r = await login('mia', PASSWORD.mia);
  assert.equal(r.status, 200, r.text);
  mia = sessionOf(r);
  const attrs = mia.line.split(';').map(s => s.trim().toLowerCase());
  assert.ok(attrs.includes('httponly'), mia.line);
  assert.ok(attrs.includes('samesite=strict'), mia.line);
  assert.ok(attrs.some(a => /^max-age=[1-9]/.test(a) || a.startsWith('expires=')), `the session expires: ${mia.line}`);
  assert.match(mia.sid, /^[0-9a-f]{32,}$/, 'session id: >= 32 hex digits');
  assert.match(mia.csrf || '', /^[0-9a-f]{32,}$/, 'CSRF token: >= 32 hex digits');
  const again = sessionOf(await login('mia', PASSWORD.mia));
  assert.notEqual(again.sid, mia.sid, 'every sign-in gets a new session id');
  assert.notEqual(again.csrf, mia.csrf);
  const seen = new Set();
  for (const u of ORG) {
    assert.match(tokens[u], /^rgt_[0-9a-f]{32,}$/, `token of ${u}: >= 128 bits in hex`);
    seen.add(tokens[u].slice(4));
  }
  assert.equal(seen.size, ORG.length, 'tokens differ');
  const s = await asCookie(mia.sid, '/session');
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.user.username, 'mia');
  assert.equal(s.json.csrf, mia.csrf);
  // Signing out ends the other session, not this one.
  const out = await asCookie(again.sid, '/logout', { method: 'POST', body: {}, headers: { 'X-CSRF-Token': again.csrf } });
  assert.equal(out.status, 200, out.text);
  assert.equal((await asCookie(again.sid, '/session')).status, 401, 'signed-out session');
  assert.equal((await asCookie(mia.sid, '/session')).status, 200, 'the other session lives');
});

test('the store keeps argon2id hashes only: no password, token or session id in clear', async () => {
  const hashes = sql("SELECT password_hash FROM users WHERE password_hash IS NOT NULL").split('\n');
  assert.equal(hashes.length, Object.keys(PASSWORD).length);
  for (const h of hashes) assert.match(h, /^\$argon2id\$/);
  const files = [storeBytes(db)];
  const secrets = { ...Object.fromEntries(ORG.map(u => [`token of ${u}`, tokens[u].slice(4)])),
    'session id of mia': mia.sid, ...Object.fromEntries(Object.entries(PASSWORD).map(([u, p]) => [`password of ${u}`, p])) };
  for (const [what, s] of Object.entries(secrets))
    for (const f of files) assert.ok(!f.includes(s), `${what} is not in the store's files`);
});

// ---- CSRF ------------------------------------------------------------------------

test('CSRF: a cookie-authenticated write needs X-CSRF-Token (403 and nothing changes without it); bearer tokens need none', async () => {
  const add = { user: 'ana', territory: 'T02', role: 'overlay', active: true };
  const path = `/models/${M}/memberships`;
  const before = orgState();
  const denied0 = auditCount('access.denied');
  let r = await asCookie(mia.sid, path, { method: 'POST', body: add });
  assert.equal(r.status, 403, `no header: ${r.text}`);
  r = await asCookie(mia.sid, path, { method: 'POST', body: add, headers: { 'X-CSRF-Token': '0'.repeat(64) } });
  assert.equal(r.status, 403, `wrong header: ${r.text}`);
  r = await asCookie(mia.sid, path, { method: 'POST', body: add, headers: { 'X-CSRF-Token': mia.csrf.slice(0, 32) } });
  assert.equal(r.status, 403, `a prefix of the token: ${r.text}`);
  assert.equal(orgState(), before, 'nothing changed');
  assert.equal(auditCount('access.denied'), denied0 + 3, 'each refusal audited');
  // Reading needs no header.
  assert.equal((await asCookie(mia.sid, path)).status, 200);
  r = await asCookie(mia.sid, path, { method: 'POST', body: add, headers: { 'X-CSRF-Token': mia.csrf } });
  assert.equal(r.status, 200, `with the header: ${r.text}`);
  assert.equal(sql(`SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id
    JOIN territories t ON t.id = m.territory_id WHERE u.login = 'ana' AND t.ext_id = 'T02'`), 'overlay');
  // The same manager with her bearer token, no CSRF header: removes it again.
  r = await asUser('mia', path, { method: 'POST', body: { ...add, remove: true } });
  assert.equal(r.status, 200, `bearer: ${r.text}`);
  assert.equal(orgState(), before, 'back as it was');
  // A cookie session's rights are still the user's: mia cannot touch South.
  r = await asCookie(mia.sid, path, { method: 'POST', body: { ...add, territory: 'T03' }, headers: { 'X-CSRF-Token': mia.csrf } });
  assert.equal(r.status, 404, `South is invisible to mia: ${r.text}`);
});

// ---- 403 / 404 for writes --------------------------------------------------------

test('read-only writes answer 403, writes to invisible things 404; nothing changes; refusals are audited; the chain stays intact', async () => {
  const before = orgState();
  const denied0 = auditCount('access.denied');
  const rev = (await asUser('ops', `/models/${M}/alignment`)).json.revision;
  const unit = sql(`SELECT u.ext_id FROM alignments a JOIN units u ON u.id = a.unit_id
    JOIN territories t ON t.id = a.territory_id JOIN territory_models m ON m.id = a.model_id
    WHERE m.name = '${M}' AND t.ext_id = 'T01' LIMIT 1`);
  assert.ok(unit, 'a unit of T01');
  const cases = [
    // [who, method path, body, status, why]
    ['ana', `/models/${M}/moves`, { revision: rev, moves: [{ unit, to: 'T02' }] }, 403, 'a rep moves units of the active model'],
    ['ana', `/models/${M}/locks`, { revision: rev, units: [unit], locked: true }, 403, 'a rep locks units'],
    ['ana', `/models/${M}/memberships`, { user: 'ana', territory: 'T01', role: 'manager' }, 403, 'a rep makes herself manager of her own territory'],
    ['ana', `/models/${M}/associations`, { account: 'ACC-000010', territory: 'T01' }, 403, 'a rep associates an account with her territory'],
    ['ana', `/models/${M}/territories/T01`, { account_access: 'owner' }, 403, 'a rep raises her territory level'],
    ['ana', `/models/${M}/archive`, {}, 403, 'a rep archives the model in force'],
    ['ana', `/models/${M}/clone`, { name: 'mine' }, 403, 'a rep clones'],
    ['ana', '/models', { name: 'mine' }, 403, 'a rep creates a model'],
    ['ana', '/users', { username: 'ana', permissions: 'modify_all' }, 403, 'a rep grants herself modify_all'],
    ['ana', '/roles', { name: 'rep-north', parent: null }, 403, 'a rep moves her role'],
    ['ana', '/jobs', { kind: 'design', model: M, k: 3 }, 403, 'a rep starts a design'],
    ['vera', `/models/${M}/memberships`, { user: 'vera', territory: 'T03', role: 'manager' }, 403, 'the VP reads T03 (roles) but manages nothing'],
    ['ana', `/models/${M}/memberships`, { user: 'ana', territory: 'T03', role: 'rep' }, 404, 'a rep joins a territory she cannot see'],
    ['ana', `/models/${M}/territories/T03`, { account_access: 'read' }, 404, 'a rep changes a territory she cannot see'],
    ['ana', `/models/${M}/associations`, { account: 'ACC-000010', territory: 'T04' }, 404, 'an association into an invisible territory'],
    ['mia', `/models/${M}/memberships`, { user: 'mia', territory: 'South', role: 'manager' }, 404, 'a manager joins the other region'],
    ['ana', '/models/base/moves', { revision: 0, moves: [{ unit, to: 'T02' }] }, 404, 'a rep edits a planning model (rule 1)'],
    ['ana', '/models/base/promote', { effective_from: '2030-01-01' }, 404, 'a rep promotes a planning model'],
    ['cy', '/jobs/1/cancel', {}, 403, 'a rep cancels a job'],
  ];
  const wrong = [];
  for (const [who, path, body, want, why] of cases) {
    const r = await asUser(who, path, { method: 'POST', body });
    if (r.status !== want) wrong.push(`${why}: ${who} POST ${path} -> ${r.status} ${r.text.slice(0, 120)}, want ${want}`);
  }
  assert.equal(orgState(), before, 'nothing changed');
  assert.equal((await asUser('ops', `/models/${M}/alignment`)).json.revision, rev, 'the revision did not move');
  assert.equal(auditCount('access.denied'), denied0 + cases.length, 'every refusal is in the audit log');
  const list = cli(['audit', 'list', '--user', 'ana']);
  assert.match(list, /access\.denied\s+request \/api\/v1\/models\/live\/moves/, 'regio audit list names the refused write');
  const v = cli(['audit', 'verify']);
  assert.match(v, /^audit log intact/, v);
  // Reading the audit log is for administrators; others get 404.
  assert.equal((await asUser('ana', '/audit')).status, 404);
  const au = await asUser('ops', '/audit?user=ana');
  assert.equal(au.status, 200, au.text);
  assert.ok(au.json.records.some(x => x.action === 'access.denied'));
  assert.deepEqual(wrong, [], 'refused writes: status');
});

// ---- the API agrees with the CLI --------------------------------------------------

let allAccounts = [];

test('GET /accounts/{id} agrees with `regio access check --pairs` on 300 random (user, account) pairs', async () => {
  allAccounts = sql('SELECT ext_id FROM accounts ORDER BY ext_id').split('\n');
  const interesting = sql(`SELECT ext_id FROM accounts WHERE unit_ext IS NOT NULL OR owner_ext IS NOT NULL
    OR id IN (SELECT account_id FROM account_territories)`).split('\n');
  assert.ok(interesting.length > 50, `accounts with a territory or an owner: ${interesting.length}`);
  const pairs = [];
  for (let i = 0; i < 300; i++) pairs.push([pick(ORG), rand() < 0.7 ? pick(interesting) : pick(allAccounts)]);
  const levels = cliLevels(pairs, 'sample');
  const count = { none: 0, read: 0, edit: 0, owner: 0 };
  const wrong = [];
  for (const [u, a] of pairs) {
    const lv = levels.get(`${u}\t${a}`);
    count[lv]++;
    const r = await asUser(u, `/accounts/${enc(a)}`);
    if (lv === 'none' ? r.status !== 404 : r.status !== 200 || r.json.access !== lv || r.json.id !== a)
      wrong.push(`${u} on ${a}: CLI ${lv}, API ${r.status} ${r.json && r.json.access}`);
  }
  assert.deepEqual(wrong, [], 'API vs CLI');
  for (const lv of Object.keys(count)) assert.ok(count[lv] > 0, `the sample holds level ${lv}: ${JSON.stringify(count)}`);
});

async function compareLists(users) {
  const pairs = [];
  for (const u of users) for (const a of allAccounts) pairs.push([u, a]);
  const levels = cliLevels(pairs, users.join('-'));
  const wrong = [];
  for (const u of users) {
    const want = new Map(allAccounts.map(a => [a, levels.get(`${u}\t${a}`)]).filter(([, lv]) => lv !== 'none'));
    const got = await accountListOf(u);
    const extra = [...got.keys()].filter(a => !want.has(a));
    const missing = [...want.keys()].filter(a => !got.has(a));
    const level = [...got].filter(([a, lv]) => want.has(a) && want.get(a) !== lv);
    if (extra.length || missing.length || level.length)
      wrong.push(`${u}: CLI ${want.size} readable, API lists ${got.size}; ${extra.length} extra (${extra.slice(0, 3)}), `
        + `${missing.length} missing (${missing.slice(0, 3)}), ${level.length} with another level (${level.slice(0, 3).join(' ')})`);
  }
  assert.deepEqual(wrong, [], 'GET /accounts vs regio access check');
}

test('GET /accounts lists exactly the accounts the CLI says each rep, manager and the VP can read, at the same level', async () => {
  await compareLists(['ana', 'bo', 'cy', 'dee', 'mia', 'max', 'vera']);
});

test('GET /accounts for permission holders (view_all, modify_all, manage_territories only) = the CLI too', async () => {
  await compareLists(['aud', 'mod', 'ops']);
});

// ---- rule 12 -----------------------------------------------------------------------

test('rule 12: a membership removed through the API (by the region manager) takes effect on the rep\'s next request', async () => {
  // cy owns ACC-000002 through T03 (owner level); the list is warmed first.
  let r = await asUser('cy', '/accounts/ACC-000002');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.access, 'owner');
  const listed = await accountListOf('cy');
  assert.ok(listed.has('ACC-000002'));
  r = await asUser('max', `/models/${M}/memberships`, { method: 'POST', body: { user: 'cy', territory: 'T03', role: 'owner', remove: true } });
  assert.equal(r.status, 200, `max removes cy from T03: ${r.text}`);
  r = await asUser('cy', '/accounts/ACC-000002');
  assert.equal(r.status, 404, `the next request: ${r.status} ${r.json && r.json.access}`);
  assert.ok(!(await accountListOf('cy')).has('ACC-000002'), 'gone from the list');
  assert.match(cli(['access', 'check', '--user', 'cy', '--account', 'ACC-000002']), /^none /);
  // max still reads it through his region; the VP through max.
  assert.equal((await asUser('max', '/accounts/ACC-000002')).json.access, 'owner');
  assert.equal((await asUser('vera', '/accounts/ACC-000002')).json.access, 'owner');
  assert.match(cli(['audit', 'list', '--user', 'max']), /membership\.remove\s+membership /);
});

test('rule 12 from another process: a membership deactivated, a user disabled and a token revoked with the CLI while the server runs', async () => {
  assert.equal((await asUser('ana', '/accounts/ACC-000001')).json.access, 'edit');
  await accountListOf('ana');
  const f = join(dir, 'ana-off.csv');
  writeFileSync(f, 'user,territory,role,active,start,end\nana,T01,owner,false,2020-01-01,\n');
  cli(['import', 'memberships', f, '--model', M]);
  assert.equal((await asUser('ana', '/accounts/ACC-000001')).status, 404, 'inactive membership');
  assert.equal((await accountListOf('ana')).size, 0, 'ana reads nothing now');
  // A disabled user: token and session refused at once.
  const s = sessionOf(await login('max', PASSWORD.max));
  assert.equal((await asCookie(s.sid, '/session')).status, 200);
  cli(['user', 'disable', 'max']);
  assert.equal((await asUser('max', '/session')).status, 401, 'token of a disabled user');
  assert.equal((await asCookie(s.sid, '/session')).status, 401, 'session of a disabled user');
  assert.equal((await login('max', PASSWORD.max)).status, 401, 'a disabled user cannot sign in');
  cli(['user', 'enable', 'max']);
  assert.equal((await asUser('max', '/session')).status, 200, 'enabled again');
  // A revoked token.
  const id = cli(['user', 'tokens', 'aud']).split('\n').slice(1).find(l => /live$/.test(l)).trim().split(/\s+/)[0];
  cli(['user', 'revoke', 'aud', id]);
  assert.equal((await asUser('aud', '/session')).status, 401, 'revoked token');
  // A new password ends the sessions.
  const c = sessionOf(await login('cy', PASSWORD.cy));
  cli(['user', 'passwd', 'cy', '--password-stdin'], { input: 'another-long-password\n' });
  assert.equal((await asCookie(c.sid, '/session')).status, 401, 'session after a password change');
});

// ---- single-user mode ----------------------------------------------------------------

test('single-user mode: on loopback with no user who can sign in, requests need no credentials; --bind 0.0.0.0 refuses to start', async () => {
  const db2 = testStore(dir, 'single');
  buildSmallStore(db2, { design: false });
  const s2 = await startServer(db2);
  try {
    const r = await http(s2.base + '/accounts?limit=5');
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.total >= 4000);
    const s = await http(s2.base + '/session');
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.mode, 'single-user');
    const m = await http(s2.base + '/models', { method: 'POST', body: { name: 'scratch' } });
    assert.equal(m.status, 201, m.text);
  } finally {
    await s2.stop();
  }
  const r = spawnSync(BIN, ['serve', '--db', db2, '--bind', '0.0.0.0', '--port', '0', '--quiet'], {
    cwd: SRC, encoding: 'utf8', timeout: 20000,
  });
  assert.equal(r.status, 1, `exit status ${r.status} (${r.signal}): ${r.stderr}`);
  assert.match(r.stderr, /no user can sign in.*loopback/s, r.stderr);
  // With users who can sign in it listens beyond loopback, and asks for them.
  const s3 = await startServer(db, ['--bind', '0.0.0.0']);
  try {
    const u = `http://127.0.0.1:${s3.port}/api/v1`;
    assert.equal((await http(u + '/accounts')).status, 401, 'no credentials, even from loopback');
    assert.equal((await http(u + '/session', { headers: { Authorization: `Bearer ${tokens.mod}` } })).status, 200);
  } finally {
    await s3.stop();
  }
});

run({
  after: async () => {
    if (srv) await srv.stop();
    if (!process.env.REGIO_KEEP_TEST_DIR) removeDir(dir);
    else console.log(`kept ${dir}`);
  },
});

// Effective-dated promotion through the API and the CLI alike (issue 12,
// part 3). On the small store with model `now` in force since 2020-01-01
// (ana a member of T01) and `next` (ana a member of T02), `next` is
// promoted through the API from tomorrow (UTC):
//  - today `now` stays in force and `next` is scheduled, tomorrow `next` is
//    in force: in `regio access check` (with and without --at), `regio
//    model show` (with and without --at), `regio model list`, and the API
//    (GET /models, /models/{m}, ?at=, the session's model in force, the
//    accounts ana reads, which equal the CLI's answers for today);
//  - a scheduled model is not editable; GET /models/history lists the
//    promotions with their status; POST /models/rollback promotes a clone
//    of the previous model (401/403/404 as docs/API.md says, audited);
//  - a second promotion for the same day replaces the scheduled one.
// Prints ok/FAIL per test and "N passed, N failed".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  test, run, tempDir, removeDir, buildSmallStore, startServer, http, testStore, storeSql, BIN, SRC,
} from './harness.mjs';

const dir = tempDir('regio-promotion-');
const db = testStore(dir, 'promotion');
let srv = null, A = '';
const tokens = {};

/** Today (UTC) moved by `days`, as YYYY-MM-DD. */
function day(days) {
  return new Date(Date.now() + days * 86400e3).toISOString().slice(0, 10);
}
const TODAY = day(0), TOMORROW = day(1);

function cli(args, { allowFail = false } = {}) {
  const r = spawnSync(BIN, [...args, '--db', db], {
    cwd: SRC, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0 && !allowFail)
    throw new Error(`regio ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return allowFail ? r : r.stdout;
}

function sql(query) {
  return storeSql(db, query);
}

const as = (user, path, opts = {}) =>
  http(A + path, { ...opts, headers: { ...(opts.headers || {}), Authorization: `Bearer ${tokens[user]}` } });
const post = (user, path, body) => as(user, path, { method: 'POST', body });

/** The accounts ana can read per `regio access check --pairs` (at day, or today). */
function cliReadable(user, at) {
  const ids = sql('SELECT ext_id FROM accounts ORDER BY ext_id').split('\n');
  const inPath = join(dir, 'pairs.csv'), outPath = join(dir, 'levels.csv');
  writeFileSync(inPath, 'user,account\n' + ids.map(a => `${user},${a}`).join('\n') + '\n');
  cli(['access', 'check', '--pairs', inPath, '--out', outPath, ...(at ? ['--at', at] : [])]);
  const out = new Map();
  for (const line of readFileSync(outPath, 'utf8').trim().split('\n').slice(1)) {
    const [, a, level] = line.split(',');
    if (level !== 'none') out.set(a, level);
  }
  return out;
}

async function apiReadable(user) {
  const out = new Map();
  for (let offset = 0; ; offset += 5000) {
    const r = await as(user, `/accounts?limit=5000&offset=${offset}`);
    assert.equal(r.status, 200, r.text.slice(0, 200));
    for (const a of r.json.accounts) out.set(a.id, a.access);
    if (offset + 5000 >= r.json.total) break;
  }
  return out;
}

const sorted = m => [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

let todaySet = null;

test('setup: now in force since 2020-01-01 (ana in T01), next planned (ana in T02)', async () => {
  buildSmallStore(db);
  cli(['model', 'clone', 'base', 'now']);
  cli(['model', 'promote', 'now', '--effective', '2020-01-01']);
  cli(['model', 'clone', 'now', 'next']);
  const f = name => join(dir, name);
  writeFileSync(f('users.csv'), 'username,name,email,role,permissions\nana,Ana,,,\nops,Ops,,,manage_territories\n');
  cli(['import', 'users', f('users.csv')]);
  writeFileSync(f('now.csv'), 'user,territory,role,active,start,end\nana,T01,rep,true,,\n');
  writeFileSync(f('next.csv'), 'user,territory,role,active,start,end\nana,T02,rep,true,,\n');
  cli(['import', 'memberships', f('now.csv'), '--model', 'now']);
  cli(['import', 'memberships', f('next.csv'), '--model', 'next']);
  for (const u of ['ana', 'ops']) tokens[u] = cli(['user', 'token', u]).trim().split(/\s+/).pop();
  srv = await startServer(db);
  A = srv.base;
  todaySet = cliReadable('ana');
  assert.ok(todaySet.size > 0, 'ana reads the accounts of T01 today');
});

test('POST /models/next/promote from tomorrow: 200 scheduled; now stays in force today', async () => {
  const r = await post('ops', '/models/next/promote', { effective_from: TOMORROW });
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.json.state, 'scheduled');
  assert.equal(r.json.effective_from, TOMORROW);
  const list = await as('ops', '/models');
  const st = Object.fromEntries(list.json.models.map(m => [m.name, m.state]));
  assert.deepEqual(st, { base: 'planning', now: 'active', next: 'scheduled' });
  assert.equal(list.json.default, 'now', 'the default model is the one in force today');
  assert.equal((await as('ops', '/config')).json.default_model, 'now');
  assert.equal((await as('ana', '/session')).json.model_in_force, 'now');
});

test('done when: not in force today, in force --at tomorrow — access check, model show and the API alike', async () => {
  // regio access check: today (no --at, and --at today) and tomorrow.
  const acc = [...todaySet.keys()][0];
  const today1 = cli(['access', 'check', '--user', 'ana', '--account', acc]);
  const today2 = cli(['access', 'check', '--user', 'ana', '--account', acc, '--at', TODAY]);
  const tom = cli(['access', 'check', '--user', 'ana', '--account', acc, '--at', TOMORROW]);
  assert.match(today1, /model in force: now\)/, today1);
  assert.match(today2, /model in force: now\)/, today2);
  assert.match(tom, /model in force: next\)/, tom);
  assert.notEqual(today1.split(' ')[0], 'none', today1);
  // regio model show and list.
  assert.match(cli(['model', 'show', 'next']), /^model next \(scheduled\)\n/);
  assert.match(cli(['model', 'show', 'next', '--at', TOMORROW]), new RegExp(`^model next \\(active on ${TOMORROW}\\)\\n`));
  assert.match(cli(['model', 'show', 'now', '--at', TOMORROW]), new RegExp(`^model now \\(archived on ${TOMORROW}\\)\\n`));
  assert.match(cli(['model', 'show', 'now']), /^model now \(active\)\n/);
  const csvToday = cli(['model', 'list', '--format', 'csv']);
  const csvTom = cli(['model', 'list', '--format', 'csv', '--at', TOMORROW]);
  assert.match(csvToday, /\nnext,scheduled,/);
  assert.match(csvTom, /\nnext,active,/);
  assert.match(csvTom, /\nnow,archived,/);
  // The API: the model itself, the list, as of tomorrow.
  assert.equal((await as('ops', '/models/next')).json.state, 'scheduled');
  assert.equal((await as('ops', `/models/next?at=${TOMORROW}`)).json.state, 'active');
  assert.equal((await as('ops', `/models/now?at=${TOMORROW}`)).json.state, 'archived');
  assert.equal((await as('ops', `/models/now?at=${TODAY}`)).json.state, 'active');
  const lt = await as('ops', `/models?at=${TOMORROW}`);
  assert.deepEqual(Object.fromEntries(lt.json.models.map(m => [m.name, m.state])),
    { base: 'planning', now: 'archived', next: 'active' });
  assert.equal((await as('ops', '/models?at=2027-02-30')).status, 400, 'a day that does not exist');
  assert.equal((await as('ops', '/models/next?at=tomorrow')).status, 400);
  // Access through the API is today's: exactly what the CLI says for today,
  // and not what it says for tomorrow.
  const api = await apiReadable('ana');
  assert.deepEqual(sorted(api), sorted(todaySet), 'GET /accounts = regio access check today');
  const tomorrowSet = cliReadable('ana', TOMORROW);
  assert.ok(tomorrowSet.size > 0, 'ana reads the accounts of T02 tomorrow');
  assert.notDeepEqual(sorted(tomorrowSet), sorted(todaySet), 'tomorrow is another model');
  const inT02 = [...tomorrowSet.keys()].find(a => !todaySet.has(a));
  assert.equal((await as('ana', `/accounts/${encodeURIComponent(inT02)}`)).status, 404,
    'a T02 account is not ana\'s before tomorrow');
  // A rep does not see the scheduled model at all (rule 1).
  assert.equal((await as('ana', '/models/next')).status, 404);
  assert.deepEqual((await as('ana', '/models')).json.models.map(m => m.name), ['now']);
});

test('a scheduled model is not editable (409 not_editable); promoting it again is 409', async () => {
  const al = await as('ops', '/models/next/alignment');
  assert.equal(al.status, 200);
  const [unit, terr] = Object.entries(al.json.units)[0];
  const to = terr === 'T01' ? 'T02' : 'T01';
  const r = await post('ops', '/models/next/moves', { revision: al.json.revision, moves: [{ unit, to }] });
  assert.equal(r.status, 409, r.text);
  assert.match(r.json.error.message, /scheduled/);
  const p = await post('ops', '/models/next/promote', { effective_from: day(5) });
  assert.equal(p.status, 409);
  assert.match(p.json.error.message, /already scheduled/);
});

test('GET /models/history: every promotion with its status; 404 for a rep', async () => {
  const h = await as('ops', '/models/history');
  assert.equal(h.status, 200, h.text.slice(0, 300));
  assert.equal(h.json.at, TODAY);
  assert.deepEqual(h.json.promotions.map(p => [p.model, p.previous, p.effective_from, p.status, p.promoted_by]),
    [['now', null, '2020-01-01', 'in_force', 'cli'], ['next', 'now', TOMORROW, 'scheduled', 'ops']]);
  const ht = await as('ops', `/models/history?at=${TOMORROW}`);
  assert.deepEqual(ht.json.promotions.map(p => p.status), ['superseded', 'in_force']);
  assert.equal((await as('ops', '/models/history?at=x')).status, 400);
  assert.equal((await as('ana', '/models/history')).status, 404);
  // The CLI lists the same.
  const csv = cli(['model', 'history', '--format', 'csv']).trim().split('\n').slice(1).map(l => l.split(',').slice(1, 5));
  assert.deepEqual(csv, [['now', '', '2020-01-01', 'in_force'], ['next', 'now', TOMORROW, 'scheduled']]);
});

test('POST /models/rollback: 403 for a rep; 404 with nothing in force; 201 a clone of the previous model', async () => {
  assert.equal((await post('ana', '/models/rollback', {})).status, 403);
  const none = await post('ops', '/models/rollback', { effective_from: '2019-06-01' });
  assert.equal(none.status, 404, none.text);
  assert.equal((await post('ops', '/models/rollback', { effective_from: '2019-02-30' })).status, 400);
  // Today `now` has no previous model: nothing to roll back to.
  const c = await post('ops', '/models/rollback', {});
  assert.equal(c.status, 409, c.text);
  // Tomorrow `next` took over from `now`: roll that back (replacing next).
  const r = await post('ops', '/models/rollback', { effective_from: TOMORROW });
  assert.equal(r.status, 201, r.text.slice(0, 300));
  assert.equal(r.json.name, `now-rollback-${TOMORROW}`);
  assert.equal(r.json.parent, 'now');
  assert.equal(r.json.state, 'scheduled');
  assert.equal(r.headers.get('location'), `/api/v1/models/now-rollback-${TOMORROW}`);
  assert.equal((await as('ops', '/models/next')).json.state, 'archived', 'next is replaced');
  assert.equal((await as('ops', `/models/${r.json.name}?at=${TOMORROW}`)).json.state, 'active');
  assert.equal((await as('ops', '/models/now')).json.state, 'active', 'now stays in force today');
  // The clone carries now's memberships: tomorrow ana reads what she reads today.
  assert.deepEqual(sorted(cliReadable('ana', TOMORROW)), sorted(todaySet));
  const named = await post('ops', '/models/rollback', { effective_from: TOMORROW, name: 'a/b' });
  assert.equal(named.status, 400);
  assert.equal(Number(sql("SELECT count(*) FROM audit_log WHERE action = 'model.rollback' AND actor = 'ops'")), 1);
  assert.match(cli(['audit', 'verify']), /intact/);
});

run({
  after: async () => {
    if (srv) await srv.stop();
    removeDir(dir);
  },
});

// Activities and check-in through the API (docs/API.md, "Activities and
// check-in"; issue 13 item 6). On the small store (Colorado, five
// territories) with model live in force, a region over T01 and T02, users
// made with the CLI — a rep member of a planned territory (ria), a user
// linked to that territory's rep by reps.user_id (lin), a rep of another
// territory (oz), the region's manager (mia), ops (manage_territories) —
// and a call plan saved with `regio plan --model --territory`:
//  - GET /checkin/today: the stops of the plan's day in route order, for the
//    member of the territory; the linked user's rep, with the stops they
//    may not read counted, not shown; nothing on a weekend;
//    another user's day only with manage_territories;
//  - POST /activities: 201 once, a retry 200 "duplicate" (one row, one
//    audit record), the same id elsewhere 409, a batch all or nothing;
//  - who may log what: an account the caller cannot read 404, another
//    user's activity 403 for a rep and 201 for the region's manager, a
//    cookie session without its CSRF token 403;
//  - GET /activities: only what the caller may read, bad ranges 400;
//  - the stops show the visits logged.
// Prints ok/FAIL per test and "N passed, N failed".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  test, run, tempDir, removeDir, buildSmallStore, startServer, http, testStore, storeSql, BIN, SRC,
} from './harness.mjs';

const dir = tempDir('regio-activities-');
const db = testStore(dir, 'activities');
const M = 'live';
let srv = null;
const tokens = {};
let planned = null;    // {territory, rep}
let other = null;      // another territory with a rep
let day = '';          // a Monday: the plan's first day
let stops = [];

function cli(args, { allowFail = false, input } = {}) {
  const r = spawnSync(BIN, [...args, '--db', db], { cwd: SRC, encoding: 'utf8', maxBuffer: 64 << 20, input });
  if (r.status !== 0 && !allowFail) throw new Error(`regio ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return r;
}
const sql = q => storeSql(db, q);
const as = (u, path, opts = {}) => http(srv.base + path, { ...opts, headers: { Authorization: `Bearer ${tokens[u]}`, ...(opts.headers || {}) } });
const post = (u, body) => as(u, '/activities', { method: 'POST', body });

/** The next Monday (UTC) from today, or today when it is one. */
function monday() {
  const d = new Date();
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

test('setup: small store, model live in force, users, a saved call plan', async () => {
  buildSmallStore(db);
  cli(['model', 'clone', 'base', M]);
  cli(['model', 'promote', M, '--effective', '2020-01-01']);
  day = monday();
  const terr = cli(['export', 'territories', '--model', M, '--format', 'csv', '--out', '-']).stdout
    .trim().split('\n').slice(1).map(l => l.split(',')).map(c => ({ territory: c[0], rep: c[3] })).filter(t => t.rep);
  // No deadline: the same plan however busy the machine is (a Colorado
  // territory plans in a fraction of a second).
  for (const t of terr) {
    const r = cli(['plan', '--model', M, '--territory', t.territory, '--start', day, '--time-limit', '0'], { allowFail: true });
    if ((r.status === 0 || r.status === 3) && /saved as plan/.test(r.stdout + r.stderr)) { planned = t; break; }
  }
  assert.ok(planned, 'a territory with a plan');
  other = terr.find(t => t.territory !== planned.territory);
  const f = name => join(dir, name);
  writeFileSync(f('territories.csv'), `name,parent,account_access\nRegion,,read\n${planned.territory},Region,edit\n${other.territory},,edit\n`);
  writeFileSync(f('users.csv'), 'username,name,email,role,permissions\nria,Ria,,,\nlin,Lin,,,\noz,Oz,,,\nmia,Mia,,,\nops,Ops,,,manage_territories\n');
  writeFileSync(f('memberships.csv'), `user,territory,role,active,start,end\nria,${planned.territory},owner,true,,\noz,${other.territory},owner,true,,\nmia,Region,manager,true,,\n`);
  cli(['import', 'territories', f('territories.csv'), '--model', M]);
  cli(['import', 'users', f('users.csv')]);
  cli(['import', 'memberships', f('memberships.csv'), '--model', M]);
  sql(`UPDATE reps SET user_id = (SELECT id FROM users WHERE login = 'lin') WHERE ext_id = '${planned.rep}'`);
  for (const u of ['ria', 'lin', 'oz', 'mia', 'ops']) tokens[u] = cli(['user', 'token', u]).stdout.trim().split(/\s+/).pop();
  cli(['user', 'passwd', 'ria', '--password-stdin'], { input: 'a-long-password-1\n' });
  srv = await startServer(db, []);
});

test('GET /checkin/today: the plan\'s stops in route order, for a member and for the linked user', async () => {
  const r = await as('ria', `/checkin/today?date=${day}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.reps, [planned.rep]);
  stops = r.json.stops;
  assert.ok(stops.length >= 3, `three stops or more (${stops.length})`);
  assert.deepEqual(stops.map(s => s.seq), stops.map((_, i) => i + 1));
  assert.ok(stops.every(s => s.rep === planned.rep && s.cycle_day === 1 && s.visited === false && s.name && Number.isFinite(s.lat)));
  assert.ok(stops.every((s, i) => i === 0 || s.arrival_s > stops[i - 1].arrival_s), 'arrivals in order');
  // reps.user_id links lin to the same rep, but lin reads none of its
  // accounts (no membership): the stops are counted, not shown.
  const lin = await as('lin', `/checkin/today?date=${day}`);
  assert.deepEqual(lin.json.reps, [planned.rep]);
  assert.deepEqual({ count: lin.json.count, hidden: lin.json.hidden }, { count: 0, hidden: stops.length });
  assert.equal(r.json.hidden, 0);
  const sat = new Date(day + 'T00:00:00Z'); sat.setUTCDate(sat.getUTCDate() + 5);
  const weekend = await as('ria', `/checkin/today?date=${sat.toISOString().slice(0, 10)}`);
  assert.equal(weekend.json.count, 0, 'no stops on a Saturday');
  assert.equal((await as('mia', `/checkin/today?date=${day}`)).json.count, 0, 'a manager follows no plan');
  assert.equal((await as('oz', `/checkin/today?date=${day}&user=ria`)).status, 403);
  assert.equal((await as('ops', `/checkin/today?date=${day}&user=ria`)).json.count, stops.length);
  assert.equal((await as('ria', '/checkin/today?date=2027-02-30')).status, 400);
});

test('POST /activities: logged once, a retry is a duplicate, the same id elsewhere 409', async () => {
  const body = { id: 'id-1', account: stops[0].account, date: `${day}T09:05:00-07:00`, outcome: 'met', notes: 'first', lat: 39.7, lon: -104.9 };
  const a = await post('ria', body);
  assert.equal(a.status, 201, a.text);
  assert.deepEqual({ added: a.json.added, duplicate: a.json.duplicate, id: a.json.id }, { added: 1, duplicate: false, id: 'id-1' });
  const b = await post('ria', body);
  assert.equal(b.status, 200, b.text);
  assert.deepEqual({ added: b.json.added, duplicate: b.json.duplicate }, { added: 0, duplicate: true });
  assert.equal(sql("SELECT count(*) FROM activities WHERE ext_id = 'id-1'"), '1');
  assert.equal(sql("SELECT count(*) FROM audit_log WHERE action = 'activity.log' AND actor = 'ria'"), '1', 'one audit record');
  const c = await post('ria', { ...body, account: stops[1].account });
  assert.equal(c.status, 409, c.text);
  // A batch: a new one, the retried one, the new one again.
  const d = await post('ria', { activities: [{ id: 'id-2', account: stops[1].account, date: day }, body, { id: 'id-2', account: stops[1].account, date: day }] });
  assert.equal(d.status, 201, d.text);
  assert.deepEqual(d.json.activities.map(x => x.duplicate), [false, true, true]);
  assert.equal(d.json.added, 1);
  // All or nothing: a bad date in a batch logs none of it.
  const e = await post('ria', { activities: [{ id: 'id-3', account: stops[2].account, date: day }, { id: 'id-4', account: stops[2].account, date: 'soon' }] });
  assert.equal(e.status, 400, e.text);
  assert.match(e.json.error.message, /id-4/);
  assert.equal(sql("SELECT count(*) FROM activities WHERE ext_id IN ('id-3', 'id-4')"), '0');
  assert.equal((await post('ria', { account: stops[2].account })).status, 400, 'an id is required');
  assert.equal((await post('ria', { activities: [] })).status, 400);
  assert.equal((await post('ria', { id: 'id-5', account: stops[2].account, type: 'lunch' })).status, 400);
});

test('who may log what: readable accounts only, another user\'s for the territory\'s managers', async () => {
  const theirs = await as('oz', `/activities?from=${day}&to=${day}`);
  assert.equal(theirs.json.count, 0, 'oz reads none of ria\'s territory');
  const hidden = await post('oz', { id: 'id-oz', account: stops[0].account, date: day });
  assert.equal(hidden.status, 404, hidden.text);
  const forOther = await post('ria', { id: 'id-6', account: stops[2].account, user: 'oz', date: day });
  assert.equal(forOther.status, 403, forOther.text);
  const mgr = await post('mia', { id: 'id-7', account: stops[2].account, user: 'ria', date: day });
  assert.equal(mgr.status, 201, mgr.text);
  assert.equal(sql("SELECT u.login FROM activities x JOIN users u ON u.id = x.user_id WHERE x.ext_id = 'id-7'"), 'ria');
  assert.equal(sql("SELECT actor FROM audit_log WHERE action = 'activity.log' AND object_id = 'id-7'"), 'mia');
  assert.equal((await post('ops', { id: 'id-8', account: stops[2].account, user: 'ria', date: day })).status, 404,
    'manage_territories alone reads no account');
  assert.equal(sql("SELECT count(*) FROM activities WHERE ext_id IN ('id-oz', 'id-6', 'id-8')"), '0');
  // A cookie session writes with its CSRF token only.
  const login = await http(srv.base + '/login', { method: 'POST', body: { username: 'ria', password: 'a-long-password-1' } });
  assert.equal(login.status, 200, login.text);
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const noCsrf = await http(srv.base + '/activities', { method: 'POST', headers: { Cookie: cookie }, body: { id: 'id-9', account: stops[2].account, date: '2020-01-06' } });
  assert.equal(noCsrf.status, 403);
  const csrf = (await http(srv.base + '/session', { headers: { Cookie: cookie } })).json.csrf;
  const withCsrf = await http(srv.base + '/activities', { method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': csrf }, body: { id: 'id-9', account: stops[2].account, date: '2020-01-06' } });
  assert.equal(withCsrf.status, 201, withCsrf.text);
});

test('GET /activities: what the caller may read; the stops show the visits', async () => {
  const r = await as('ria', `/activities?from=${day}&to=${day}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.activities.map(a => a.id).sort(), ['id-1', 'id-2', 'id-7']);
  const one = r.json.activities.find(a => a.id === 'id-1');
  assert.deepEqual({ user: one.user, outcome: one.outcome, notes: one.notes, lat: one.lat, type: one.type },
    { user: 'ria', outcome: 'met', notes: 'first', lat: 39.7, type: 'visit' });
  assert.equal((await as('mia', `/activities?from=${day}&to=${day}&user=ria`)).json.count, 3);
  assert.equal((await as('ria', '/activities?from=2026-01-01&to=2027-12-31')).status, 400, 'more than 366 days');
  assert.equal((await as('ria', '/activities?from=yesterday')).status, 400);
  const today = await as('ria', `/checkin/today?date=${day}`);
  assert.equal(today.json.visited, 3);
  assert.deepEqual(today.json.stops.slice(0, 3).map(s => s.visit && s.visit.id), ['id-1', 'id-2', 'id-7']);
});

await run({
  after: async () => {
    if (srv && srv.exited() === null) await srv.stop();
    removeDir(dir);
  },
});

// Two `regio serve` processes on one PostgreSQL store (issue 16, stateless
// servers): a session made through one signs in on the other and ends on
// both; a move made through one is in the other's next answer (the store
// generation, moved by the other server's NOTIFY, makes it check its cached
// workspace); two editors on different servers with the same revision:
// one wins, the other gets 409 and nothing of its edit is written.
// Runs on the test cluster of tests/pg/pg_cluster.sh (REGIO_TEST_DB); skips
// (exit 77) without it.
import assert from 'node:assert/strict';
import {
  test, run, buildSmallStore, startServer, http, pgCluster, pgStore, pgStoreDrop, regioWith,
} from './harness.mjs';

if (!pgCluster()) {
  console.log('skipped: no PostgreSQL test cluster (REGIO_TEST_DB is not set; is PostgreSQL installed?'
    + ' tests/pg/pg_cluster.sh says)');
  process.exit(77);
}

const PASSWORD = 'correct horse battery staple';
let db, a, b, sid, csrf;

const cookie = () => ({ Cookie: `regio_session=${sid}` });
const get = (srv, path) => http(srv.base + path, { headers: cookie() });
const post = (srv, path, body) =>
  http(srv.base + path, { method: 'POST', body, headers: { ...cookie(), 'X-CSRF-Token': csrf } });

async function alignment(srv) {
  const r = await get(srv, '/models/base/alignment');
  assert.equal(r.status, 200, `alignment: ${r.text.slice(0, 300)}`);
  return r.json;
}

/** A unit of the model and a territory it is not in. */
function someMove(al, skip = []) {
  const terr = [...new Set(Object.values(al.units))].sort();
  const unit = Object.keys(al.units).sort().find(u => !skip.includes(u));
  return { unit, to: terr.find(t => t !== al.units[unit]) };
}

test('setup: one store on PostgreSQL, a user, two servers on it', async () => {
  db = pgStore('servers');
  buildSmallStore(db);
  regioWith(['user', 'add', 'vera', '--permissions', 'manage_territories', '--password-stdin'], db,
    PASSWORD + '\n');
  [a, b] = await Promise.all([startServer(db), startServer(db)]);
  assert.notEqual(a.port, b.port);
});

test('a session made through one server signs in on the other, and ends on both', async () => {
  const r = await http(a.base + '/login', { method: 'POST', body: { username: 'vera', password: PASSWORD } });
  assert.equal(r.status, 200, r.text);
  const sc = r.headers.get('set-cookie') || '';
  sid = /regio_session=([0-9a-f]+)/.exec(sc)[1];
  csrf = r.json.csrf;
  const onB = await get(b, '/session');
  assert.equal(onB.status, 200, onB.text);
  assert.equal(onB.json.user.username, 'vera');
  // ended through B: A does not know it any more
  const out = await post(b, '/logout', {});
  assert.equal(out.status, 200, out.text);
  assert.equal((await get(a, '/session')).status, 401);
  // signed in again for the rest
  const again = await http(b.base + '/login', { method: 'POST', body: { username: 'vera', password: PASSWORD } });
  sid = /regio_session=([0-9a-f]+)/.exec(again.headers.get('set-cookie'))[1];
  csrf = again.json.csrf;
});

test('a move made through one server is in the next answer of the other, both ways', async () => {
  for (const [from, to] of [[a, b], [b, a]]) {
    const before = await alignment(to); // the reader caches the model's workspace
    const m = someMove(before);
    const r = await post(from, '/models/base/moves', { revision: before.revision, moves: [m] });
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.equal(r.json.revision, before.revision + 1);
    const after = await alignment(to);
    assert.equal(after.revision, before.revision + 1, 'the other server sees the new revision');
    assert.equal(after.units[m.unit], m.to, 'the other server sees the move');
    const t = await get(to, '/models/base/territories');
    assert.equal(t.status, 200);
    assert.equal(t.json.revision, before.revision + 1, 'and its territories are of that revision');
  }
});

test('two editors on different servers with the same revision: one wins, the other gets 409', async () => {
  for (let round = 0; round < 5; round++) {
    const base = await alignment(a);
    const m1 = someMove(base), m2 = someMove(base, [m1.unit]);
    const [r1, r2] = await Promise.all([
      post(a, '/models/base/moves', { revision: base.revision, moves: [m1] }),
      post(b, '/models/base/moves', { revision: base.revision, moves: [m2] }),
    ]);
    const codes = [r1.status, r2.status].sort();
    assert.deepEqual(codes, [200, 409], `round ${round}: ${r1.text.slice(0, 200)} / ${r2.text.slice(0, 200)}`);
    const lost = r1.status === 409 ? r1 : r2;
    assert.equal(lost.json.error.code, 'stale_revision');
    assert.equal(lost.json.revision, base.revision + 1);
    const won = r1.status === 200 ? m1 : m2, lostMove = r1.status === 200 ? m2 : m1;
    for (const srv of [a, b]) {
      const now = await alignment(srv);
      assert.equal(now.revision, base.revision + 1, 'one edit, one revision');
      assert.equal(now.units[won.unit], won.to, 'the winner\'s move is there');
      assert.equal(now.units[lostMove.unit], base.units[lostMove.unit], 'nothing of the loser\'s');
    }
  }
});

test('the audit chain of both servers\' writes holds', async () => {
  for (const srv of [a, b]) {
    const r = await get(srv, '/audit/verify');
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.equal(r.json.intact, true, r.text);
  }
  const moves = await get(a, '/audit?user=vera');
  assert.equal(moves.status, 200);
  // two moves in the first test, one a round in the second
  assert.equal(moves.json.records.filter(x => x.action === 'alignment.apply').length, 2 + 5);
});

await run({
  after: async () => {
    await Promise.all([a && a.stop(), b && b.stop()]);
    pgStoreDrop(db);
  },
});

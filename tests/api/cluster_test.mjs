// Two `regio serve` processes on one store behind HAProxy (tools/cluster.sh,
// the recipe of docs/DEPLOY.md), as issue 16 asks of a deployment:
//  - a move made through one server is in the next answer of the other;
//  - two editors on different servers with the same revision: one wins,
//    the other gets 409 stale_revision;
//  - an account list a server keeps (its list cache) is never older than
//    the last write: a name or an owner changed by the CLI, a user's
//    rights changed through the other server, show in its next answer;
//  - one server killed (SIGKILL) in the middle of a write load through the
//    proxy: no acknowledged write is lost and the proxy keeps answering
//    from the other server.
// The store is a SQLite file shared by both servers; with
// REGIO_TEST_STORE=pg (ctest api.cluster.pg) it is a fresh schema of the
// test cluster of tests/pg/with_cluster.sh instead.
// Skips (exit 77) when HAProxy, or PostgreSQL for the pg variant, is not
// installed.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import {
  test, run, tempDir, removeDir, buildSmallStore, http, sleep, pgCluster, pgStore, pgStoreDrop, BIN, SRC,
} from './harness.mjs';

const PG = process.env.REGIO_TEST_STORE === 'pg';
const dir = tempDir('regio-cluster-');
const cdir = join(dir, 'cluster');
let db = join(dir, 'regio.db');
let env = {}, token, auth, ca;

function skip(why) {
  console.log(`skipped: ${why}`);
  removeDir(dir);
  process.exit(77);
}

function cli(args, input) {
  return execFileSync(BIN, [...args, '--db', db], {
    cwd: SRC, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'],
  });
}

// A request through the proxy (HTTPS with the cluster's own certificate).
function viaProxy(path, { method = 'GET', body } = {}) {
  return new Promise(resolvePromise => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(new URL('api/v1' + path, env.REGIO_CLUSTER_URL), {
      method, ca, timeout: 20000,
      headers: { ...auth, ...(data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}) },
    }, res => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', d => { text += d; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolvePromise({ status: res.statusCode, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', e => resolvePromise({ status: 0, text: String(e), json: undefined }));
    if (data) req.write(data);
    req.end();
  });
}

const direct = (server, path, opts = {}) =>
  http(server + 'api/v1' + path, { ...opts, headers: { ...(opts.headers || {}), ...auth } });

let units = [], territories = [];

test('setup: a store, two servers behind HAProxy', async () => {
  if (!spawnSync('sh', ['-c', 'command -v haproxy']).stdout.length)
    skip('HAProxy is not installed (Debian package haproxy)');
  if (PG) {
    if (!pgCluster()) skip('no PostgreSQL test cluster (REGIO_TEST_DB; run through tests/pg/with_cluster.sh)');
    db = pgStore('cluster');
  }
  buildSmallStore(db);
  cli(['user', 'add', 'ed', '--permissions', 'manage_territories;view_all;modify_all', '--password-stdin'],
    'a good long password\n');
  token = cli(['user', 'token', 'ed']).trim().split(/\s+/).pop();
  auth = { Authorization: `Bearer ${token}` };
  const up = spawnSync(join(SRC, 'tools/cluster.sh'), ['up', cdir, '--db', db, '--regio', BIN], { encoding: 'utf8' });
  if (up.status === 77) skip(up.stderr.trim());
  assert.equal(up.status, 0, up.stderr);
  for (const line of readFileSync(join(cdir, 'env'), 'utf8').split('\n')) {
    const m = line.match(/^(\w+)=(.*)$/);
    if (m) env[m[1]] = m[2];
  }
  ca = readFileSync(env.REGIO_CLUSTER_CA);
  const a = await viaProxy('/models/base/alignment');
  assert.equal(a.status, 200, a.text);
  units = Object.keys(a.json.units).sort();
  territories = [...new Set(Object.values(a.json.units))].sort();
  assert.ok(units.length > 20 && territories.length === 5);
});

let seed = 7;
const rnd = n => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };

test('a move made through one server is in the next answer of the other (20 moves)', async () => {
  const servers = [env.REGIO_CLUSTER_S1, env.REGIO_CLUSTER_S2];
  for (let i = 0; i < 20; i++) {
    const [one, other] = i % 2 ? servers : [servers[1], servers[0]];
    const before = await direct(other, '/models/base/alignment');
    assert.equal(before.status, 200, before.text);
    const unit = units[rnd(units.length)];
    const to = territories.filter(t => t !== before.json.units[unit])[rnd(4)];
    const m = await direct(one, '/models/base/moves', {
      method: 'POST', body: { revision: before.json.revision, moves: [{ unit, to }] },
    });
    assert.equal(m.status, 200, m.text);
    assert.equal(m.json.revision, before.json.revision + 1);
    const after = await direct(other, '/models/base/alignment');
    assert.equal(after.status, 200, after.text);
    assert.equal(after.json.revision, m.json.revision, `revision seen by the other server after move ${i}`);
    assert.equal(after.json.units[unit], to, `unit ${unit} seen in ${to} by the other server`);
  }
});

test('two editors on different servers with the same revision: one wins, the other gets 409 (10 rounds)', async () => {
  for (let i = 0; i < 10; i++) {
    const a = await direct(env.REGIO_CLUSTER_S1, '/models/base/alignment');
    const rev = a.json.revision;
    const u1 = units[rnd(units.length)], u2 = units[rnd(units.length)];
    const t1 = territories.filter(t => t !== a.json.units[u1])[rnd(4)];
    const t2 = territories.filter(t => t !== a.json.units[u2])[rnd(4)];
    const [r1, r2] = await Promise.all([
      direct(env.REGIO_CLUSTER_S1, '/models/base/moves', { method: 'POST', body: { revision: rev, moves: [{ unit: u1, to: t1 }] } }),
      direct(env.REGIO_CLUSTER_S2, '/models/base/moves', { method: 'POST', body: { revision: rev, moves: [{ unit: u2, to: t2 }] } }),
    ]);
    const st = [r1.status, r2.status].sort();
    assert.deepEqual(st, [200, 409], `round ${i}: ${r1.text} / ${r2.text}`);
    const lost = r1.status === 409 ? r1 : r2;
    assert.equal(lost.json.error.code, 'stale_revision');
    const won = r1.status === 200 ? { unit: u1, to: t1 } : { unit: u2, to: t2 };
    const b = await direct(env.REGIO_CLUSTER_S2, '/models/base/alignment');
    assert.equal(b.json.revision, rev + 1);
    assert.equal(b.json.units[won.unit], won.to);
  }
});

test('an account list kept by one server shows a change made elsewhere in its next answer', async () => {
  const [A, B] = [env.REGIO_CLUSTER_S1, env.REGIO_CLUSTER_S2];
  const list = async (server, q, who = auth) => {
    const r = await http(server + 'api/v1/accounts' + q, { headers: who });
    assert.equal(r.status, 200, r.text);
    return r;
  };
  const q = '?limit=5&offset=3';
  const first = await list(A, q);
  const again = await list(A, q);
  assert.equal(again.headers.get('x-regio-cache'), 'hit', 'the same list asked twice is kept');
  assert.equal(again.text, first.text);
  // An account of the page whose sample row has no quoted field, changed
  // by `regio import accounts` (an upsert of that one row).
  const lines = readFileSync(join(SRC, 'data/sample/accounts.csv'), 'utf8').split('\n');
  const acc = first.json.accounts.find(a => lines.some(l => l.startsWith(a.id + ',') && !l.includes('"')));
  assert.ok(acc, 'an account of the page has a plain sample row');
  const fields = lines.find(l => l.startsWith(acc.id + ',')).split(',');
  const csv = join(dir, 'one.csv');
  const rounds = [
    ['name', 1, 'Renamed Through The CLI'],   // no access rule reads it: the epoch does not move
    ['owner', 14, 'ed'],                      // the owner: the access epoch moves
    ['city', 3, 'Otherville'],
  ];
  for (const [key, col, value] of rounds) {
    fields[col] = value;
    writeFileSync(csv, lines[0] + '\n' + fields.join(',') + '\n');
    cli(['import', 'accounts', csv, '--no-geocode', '--quiet']);
    for (const server of [A, B]) {
      const r = await list(server, q);
      assert.equal(r.headers.get('x-regio-cache'), 'miss', `${key}: the list after a write is made again`);
      const got = r.json.accounts.find(a => a.id === acc.id);
      assert.equal(got && got[key], value, `${key} of ${acc.id} after the CLI changed it, on ${server}`);
      const kept = await list(server, q);
      assert.equal(kept.headers.get('x-regio-cache'), 'hit');
      assert.equal(kept.text, r.text);
    }
  }
  // A write through server B that moves no access rule (a move in a
  // planning model): A's next answer is made again, not the kept one.
  const al = await direct(B, '/models/base/alignment');
  const unit = units[rnd(units.length)];
  const mv = await direct(B, '/models/base/moves', {
    method: 'POST', body: { revision: al.json.revision, moves: [{ unit, to: territories.filter(t => t !== al.json.units[unit])[0] }] },
  });
  assert.equal(mv.status, 200, mv.text);
  assert.equal((await list(A, q)).headers.get('x-regio-cache'), 'miss', 'a write through the other server empties the kept lists');
  // A name written by another program (sqlite3) moves neither the access
  // epoch nor any Regio count: SQLite's own data_version tells.
  if (!PG && spawnSync('sh', ['-c', 'command -v sqlite3']).stdout.length) {
    assert.equal((await list(A, q)).headers.get('x-regio-cache'), 'hit');
    execFileSync('sqlite3', [db, `UPDATE accounts SET name = 'Renamed By sqlite3' WHERE ext_id = '${acc.id}'`]);
    const r = await list(A, q);
    assert.equal(r.json.accounts.find(a => a.id === acc.id).name, 'Renamed By sqlite3');
  }
  // A user's rights changed through server B: their list on A follows.
  cli(['user', 'add', 'rita', '--password-stdin'], 'another long password\n');
  const rita = { Authorization: `Bearer ${cli(['user', 'token', 'rita']).trim().split(/\s+/).pop()}` };
  const none = await list(A, q, rita);
  assert.equal(none.json.total, 0, 'without a right or a territory rita reads nothing');
  assert.equal((await list(A, q, rita)).headers.get('x-regio-cache'), 'hit');
  const up = await direct(B, '/users', { method: 'POST', body: { username: 'rita', permissions: 'view_all' } });
  assert.equal(up.status, 200, up.text);
  const all = await list(A, q, rita);
  assert.equal(all.json.total, first.json.total, 'with view_all given through the other server rita reads every account');
  assert.deepEqual(all.json.accounts.map(a => a.id), first.json.accounts.map(a => a.id));
});

test('one server killed mid-load: no acknowledged write lost, the proxy keeps answering', async () => {
  // Four clients move units through the proxy, each its own units, each
  // move based on the revision it just read (409: read again and retry).
  const clients = 4, perClient = Math.floor(units.length / clients);
  const last = new Map();   // unit -> {to, acked}: its last move and whether it was acknowledged
  const acked = new Map();  // unit -> territory of its last acknowledged move
  let stop = false, killedAt = 0, ackCount = 0, errors = 0, errorsLate = 0;
  const loops = [];
  for (let c = 0; c < clients; c++) {
    const mine = units.slice(c * perClient, (c + 1) * perClient);
    loops.push((async () => {
      for (let i = 0; !stop; i++) {
        const a = await viaProxy('/models/base/alignment');
        if (a.status !== 200) {
          errors++;
          if (killedAt && Date.now() - killedAt > 3000) errorsLate++;
          await sleep(50);
          continue;
        }
        const unit = mine[i % mine.length];
        const to = territories.filter(t => t !== a.json.units[unit])[rnd(4)];
        const r = await viaProxy('/models/base/moves', { method: 'POST', body: { revision: a.json.revision, moves: [{ unit, to }] } });
        if (r.status === 200) {
          last.set(unit, { to, acked: true });
          acked.set(unit, to);
          ackCount++;
        } else if (r.status === 409) {
          // stale: nothing changed
        } else {
          // no answer (the server died with it in flight): it may or may not have landed
          last.set(unit, { to, acked: false });
          errors++;
          if (killedAt && Date.now() - killedAt > 3000) errorsLate++;
        }
      }
    })());
  }
  await sleep(2000);
  const ackBeforeKill = ackCount;
  process.kill(Number(env.REGIO_CLUSTER_PID1), 'SIGKILL');
  killedAt = Date.now();
  await sleep(6000);
  stop = true;
  await Promise.all(loops);
  assert.ok(ackBeforeKill > 0, 'writes were acknowledged before the kill');
  assert.ok(ackCount > ackBeforeKill, `writes were acknowledged after the kill too (${ackBeforeKill} before, ${ackCount} in all)`);
  assert.equal(errorsLate, 0, `answers failed more than 3 s after the kill (${errors} failures in all)`);
  // The proxy answers from the surviving server.
  for (let i = 0; i < 10; i++) {
    const h = await viaProxy('/health');
    assert.equal(h.status, 200, h.text);
  }
  const fin = await direct(env.REGIO_CLUSTER_S2, '/models/base/alignment');
  assert.equal(fin.status, 200, fin.text);
  for (const [unit, l] of last) {
    if (l.acked)
      assert.equal(fin.json.units[unit], l.to, `acknowledged move of ${unit} to ${l.to}`);
    else
      assert.ok([l.to, acked.get(unit)].includes(fin.json.units[unit]) || !acked.has(unit),
        `unit ${unit} is where its last acknowledged move or the unanswered one after it put it`);
  }
  console.log(`     ${ackCount} moves acknowledged (${ackBeforeKill} before the kill), ${errors} requests without an answer`);
});

run({
  after: async () => {
    spawnSync(join(SRC, 'tools/cluster.sh'), ['down', cdir]);
    if (PG) pgStoreDrop(db);
    removeDir(dir);
  },
});

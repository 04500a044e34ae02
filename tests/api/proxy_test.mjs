// `regio serve --trusted-proxy ADDR`: behind a reverse proxy the client of
// a request is the last address of X-Forwarded-For that is not a trusted
// proxy — for the sign-in throttle and the audit. Without the option the
// header is ignored, whatever it says.
//
// Checked here, against the rule written out in the test (an oracle over
// random header chains), through the audit records of failed sign-ins
// (each keeps the client's address) and through the throttle (five failed
// sign-ins from one address make that address wait, not the others).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  test, run, tempDir, removeDir, buildSmallStore, startServer, http, rawRequest, testStore, BIN, SRC,
} from './harness.mjs';

const dir = tempDir('regio-proxy-');
const db = testStore(dir, 'regio');
let plain, proxied;

function cli(args, input) {
  return execFileSync(BIN, [...args, '--db', db], {
    cwd: SRC, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'],
  });
}

// The addresses of the failed sign-ins of `user`, from the audit, in order.
function failedFrom(user) {
  const out = cli(['audit', 'list', '--user', user]);
  return [...out.matchAll(/login\.failed[^\n]*?"address":"([^"]*)"/g)].map(m => m[1]);
}

// user -> the addresses of its failed sign-ins, for every user at once.
function failedByUser() {
  const out = cli(['audit', 'list']);
  const by = new Map();
  for (const line of out.split('\n')) {
    const m = line.match(/login\.failed[^\n]*?"address":"([^"]*)"/);
    const u = line.match(/\b(nobody-\d+)\b/);
    if (m && u) by.set(u[1], [...(by.get(u[1]) || []), m[1]]);
  }
  return by;
}

// A failed sign-in of `user` whose request carries the X-Forwarded-For
// lines `xff` (one header line each), sent raw so that several lines can
// be given.
async function failLogin(server, user, xff) {
  const body = JSON.stringify({ username: user, password: 'wrong password' });
  const lines = [
    'POST /api/v1/login HTTP/1.1', `Host: 127.0.0.1:${server.port}`,
    'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`,
    ...xff.map(v => `X-Forwarded-For: ${v}`), 'Connection: close', '', body,
  ];
  const r = await rawRequest(server.port, lines.join('\r\n'), { timeoutMs: 10000 });
  return r.status;
}

// The oracle: the client the rule names, from the peer, the trusted list
// and the header lines, written out independently of the server's code.
function expectedClient(peer, trusted, xff) {
  if (!trusted.includes(peer)) return peer;
  const hops = xff.join(',').split(',').map(s => s.trim());
  for (let i = hops.length - 1; i >= 0; i--) {
    if (trusted.includes(hops[i])) continue;
    return /^\d{1,3}(\.\d{1,3}){3}$/.test(hops[i]) && hops[i].split('.').every(o => Number(o) <= 255)
      ? hops[i] : peer;
  }
  return peer;
}

test('setup: a store with one user, a server without and one with --trusted-proxy', async () => {
  buildSmallStore(db, { design: false });
  cli(['user', 'add', 'ana', '--password-stdin'], 'a good long password\n');
  plain = await startServer(db);
  proxied = await startServer(db, ['--trusted-proxy', '127.0.0.1', '--trusted-proxy', '10.255.0.1']);
});

test('a bad --trusted-proxy is refused with a clear message', () => {
  let e;
  try {
    execFileSync(BIN, ['serve', '--db', db, '--port', '0', '--trusted-proxy', 'proxy.local'],
      { cwd: SRC, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (x) { e = x; }
  assert.ok(e, 'serve exits');
  assert.equal(e.status, 2);
  assert.match(e.stderr, /--trusted-proxy 'proxy\.local' is not an IPv4 or IPv6 address/);
});

test('without --trusted-proxy, X-Forwarded-For is ignored: the peer is the client', async () => {
  assert.equal(await failLogin(plain, 'nobody-plain', ['10.1.2.3']), 401);
  assert.equal(await failLogin(plain, 'nobody-plain', ['10.1.2.3, 10.1.2.4']), 401);
  assert.deepEqual(failedFrom('nobody-plain'), ['127.0.0.1', '127.0.0.1']);
});

test('behind a trusted proxy the client is the last untrusted hop (oracle, 40 random chains)', async () => {
  const trusted = ['127.0.0.1', '10.255.0.1'];
  let seed = 12345;
  const rnd = n => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const hop = () => {
    const k = rnd(10);
    if (k === 0) return '10.255.0.1';                     // a trusted proxy on the way
    if (k === 1) return 'unknown';                        // not an address
    if (k === 2) return ` 192.0.2.${rnd(256)} `;         // blanks around it
    if (k === 3) return `300.1.1.${rnd(256)}`;            // out of range
    return `198.51.${rnd(256)}.${rnd(256)}`;
  };
  // Five failures from one client make it wait (1 s, then 2, 4, ... after
  // each further failure): a client the oracle names that often may be
  // answered 429 (then nothing is audited); any other must get 401.
  const fails = new Map(), sent = [];
  for (let i = 0; i < 40; i++) {
    const lines = [];
    for (let l = rnd(3) + 1; l > 0; l--) {
      const hops = [];
      for (let h = rnd(3) + 1; h > 0; h--) hops.push(hop());
      lines.push(hops.join(','));
    }
    if (i === 0) lines.splice(0, lines.length, '203.0.113.9');
    if (i === 1) lines.splice(0, lines.length, '203.0.113.7', '203.0.113.8');  // the proxy's own line wins
    const want = expectedClient('127.0.0.1', trusted, lines);
    const n = fails.get(want) || 0;
    const status = await failLogin(proxied, `nobody-${i}`, lines);
    if (status === 429 && n >= 5) {
      sent.push({ i, lines, want: [] });  // a throttled sign-in is not audited
      continue;
    }
    assert.equal(status, 401, `sign-in ${i} with ${JSON.stringify(lines)} (client ${want}, ${n} failures before)`);
    sent.push({ i, lines, want: [want] });
    fails.set(want, n + 1);
  }
  const by = failedByUser();
  for (const { i, lines, want } of sent)
    assert.deepEqual(by.get(`nobody-${i}`) || [], want, `the client of ${JSON.stringify(lines)}`);
  assert.deepEqual(by.get('nobody-0'), ['203.0.113.9']);
  assert.deepEqual(by.get('nobody-1'), ['203.0.113.8']);
});

// Failed sign-ins of made-up users from client `xff(i)` until one is
// answered 429; resolves with that answer's index (or -1 after 12).
async function failUntilThrottled(server, prefix, xff) {
  for (let i = 0; i < 12; i++) {
    const status = await failLogin(server, `${prefix}-${i}`, [xff(i)]);
    if (status === 429) return i;
    assert.equal(status, 401);
  }
  return -1;
}

test('the sign-in throttle counts per forwarded client, not per proxy', async () => {
  // Failures from one forwarded client (each for another user name, so
  // that only the address counts) make that client wait ...
  assert.ok(await failUntilThrottled(proxied, 'guess', () => '198.18.0.1') >= 5);
  // ... while another client behind the same proxy signs in at once.
  const ok = await http(proxied.base + '/login', {
    method: 'POST', body: { username: 'ana', password: 'a good long password' },
    headers: { 'X-Forwarded-For': '198.18.0.2' },
  });
  assert.equal(ok.status, 200, ok.text);
  // Without the option, failures from clients that the header says are all
  // different make the proxy itself (and so everyone behind it) wait.
  assert.ok(await failUntilThrottled(plain, 'guess-p', i => `198.18.1.${i}`) >= 0);
});

run({
  after: async () => {
    if (plain) await plain.stop();
    if (proxied) await proxied.stop();
    removeDir(dir);
  },
});

// Browser test of reps challenge, managers decide (docs/ACCESS.md): the
// sample market with the demo organisation of `make run` (as e2e.login builds
// it: tools/demo_org.mjs, the live model in force, a manager per region, the
// rep of every territory), and in the planning model sample-design one unit
// of a rep's territory moved to another territory (regio model move). Then,
// in headless Chromium:
//  - the rep signs in and the Changes tab shows what sample-design changes
//    for them: that unit leaving their territory, with its accounts; they
//    challenge it with a reason (the planning model itself stays hidden
//    from them: 404);
//  - the API refuses what the rules refuse: the rep approving their own
//    challenge (403), a rep of another region seeing or deciding it (404), a
//    stale revision (409, nothing changes);
//  - the region's manager signs in, sees the pending challenge and approves
//    it: the unit is back in the rep's territory in sample-design;
//  - the audit log holds the three steps: the challenge raised by the rep,
//    the counter-move and the approval by the manager;
//  - the rep sees it approved and nothing left to challenge.
// Screenshots go to $REGIO_BUILD_DIR/e2e-artifacts/; with REGIO_DOC_IMAGES=1
// the rep's and the manager's views also to docs/img/. Prints "N passed, N
// failed" at the end.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test, run, tempDir, removeDir, buildSampleStore, startServer, http, BIN, SRC } from '../api/harness.mjs';
import { launch, openPage, shot, signInReady as signIn, assertNothingFailed } from './browser.mjs';

const PLAN = 'sample-design', LIVE = 'sample-live';
const REASON = 'I have visited these accounts for six years';

const dir = tempDir('regio-challenge-');
const db = join(dir, 'sample.db');
let srv = null, browser = null, page = null, log = null;
let password = '';
let rep = null;       // {id: territory, rep, parent: region}
let other = null;     // a rep's territory in another region
let unit = null;      // the unit of rep's territory moved away in PLAN
let away = null;      // where PLAN puts it
let manager = '';     // the manager of rep's region
let challengeId = 0;
const token = {};     // user -> API token

function regio(args, input) {
  return execFileSync(BIN, [...args, '--db', db], {
    cwd: SRC, encoding: 'utf8', maxBuffer: 64 << 20, input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
}

/** The territory of every unit in model m. */
function alignment(m) {
  const out = {};
  for (const l of regio(['export', 'alignment', '--model', m, '--out', '-']).trim().split('\n').slice(1)) {
    const [u, t] = l.split(',');
    out[u] = t;
  }
  return out;
}

/** An API call as user u (their token). */
const api = (u, path, opts = {}) => http(srv.base + path, { ...opts, headers: { Authorization: `Bearer ${token[u]}`, ...(opts.headers || {}) } });

const signInReady = user => signIn(page, log, user, password);

/** Opens the Changes tab and waits for its first answer. */
async function changesTab() {
  await page.click('#tab-challenges');
  await page.waitForSelector('#challenges-panel h4', { timeout: 30000 });
  await page.waitForTimeout(700); // the tab's smooth scroll
}

test('setup: the sample market, the demo organisation, a unit of a rep moved away in the plan', async () => {
  buildSampleStore(db, { org: true });   // demo_org below then only prints the logins
  const out = execFileSync(process.execPath, [join(SRC, 'tools/demo_org.mjs'), '--db', db, '--regio', BIN], { cwd: SRC, encoding: 'utf8' });
  password = (out.match(/password for all: (\S+?)\)/) || [])[1];
  assert.ok(password, `demo_org printed the password:\n${out}`);
  const gj = JSON.parse(regio(['export', 'territories', '--model', LIVE, '--format', 'geojson', '--out', '-']));
  const leaves = gj.features.map(f => ({ id: f.id, parent: f.properties.parent, rep: f.properties.rep })).filter(t => t.rep);
  rep = leaves[0];
  other = leaves.find(t => t.parent !== rep.parent);
  manager = 'mgr-' + rep.parent.replace(/^R-/, '').toLowerCase();
  const plan = alignment(PLAN);
  unit = Object.keys(plan).sort().find(u => plan[u] === rep.id);
  away = leaves.find(t => t.id !== rep.id && t.parent === rep.parent).id;
  assert.ok(unit && away && other, 'a unit, a territory to move it to, a rep elsewhere');
  regio(['model', 'move', PLAN, '--unit', unit, '--to', away]);
  assert.equal(alignment(PLAN)[unit], away, `${unit} is in ${away} in ${PLAN}`);
  assert.equal(alignment(LIVE)[unit], rep.id, `and in ${rep.id} in ${LIVE}`);
  for (const u of [rep.rep, other.rep, manager, 'ops']) token[u] = regio(['user', 'token', u]).trim().split(/\s+/).pop();
  srv = await startServer(db, []);
  browser = await launch();
  ({ page, log } = await openPage(browser));
  await page.goto(srv.url, { waitUntil: 'load', timeout: 60000 });
});

test('the rep sees what the plan changes for them and challenges the unit with a reason', async () => {
  await signInReady(rep.rep);
  await changesTab();
  const row = `#changes-list [data-change="${unit}"][data-kind="unit"]`;
  await page.waitForSelector(row, { timeout: 30000 });
  const shown = await page.$$eval('#changes-list [data-change]', rs => rs.map(r => ({ id: r.dataset.change, direction: r.dataset.direction, territory: r.dataset.territory })));
  assert.deepEqual(shown, [{ id: unit, direction: 'out', territory: rep.id }], 'one change: the unit leaving their territory');
  assert.match(await page.textContent(row), new RegExp(`${rep.id}.*→.*${away}`), 'from their territory to the other');
  // The planning model itself stays hidden from a rep (rule 1): only this window.
  assert.equal((await api(rep.rep, `/models/${PLAN}/territories`)).status, 404);
  assert.equal((await api(rep.rep, `/models/${PLAN}/changes`)).status, 200);
  await page.fill(`${row} .challenge-reason`, REASON);
  await page.click(`${row} .challenge-raise`);
  await page.waitForSelector(`${row} .challenged`, { timeout: 15000 });
  await page.waitForSelector('#challenges-list [data-status="open"] .challenge-withdraw', { timeout: 15000 });
  const mine = (await api(rep.rep, '/challenges')).json.challenges;
  assert.equal(mine.length, 1);
  assert.deepEqual({ item: mine[0].item, from: mine[0].from, to: mine[0].to, status: mine[0].status, reason: mine[0].reason, may_withdraw: mine[0].may_withdraw, may_decide: mine[0].may_decide },
    { item: unit, from: rep.id, to: away, status: 'open', reason: REASON, may_withdraw: true, may_decide: false });
  challengeId = mine[0].id;
  await shot(page, 'challenge-rep.png');
});

test('the API refuses what the rules refuse and changes nothing', async () => {
  log.phase = 'api';
  const rev = (await api('ops', `/models/${PLAN}/alignment`)).json.revision;
  const post = (u, verb, body) => api(u, `/challenges/${challengeId}/${verb}`, { method: 'POST', body });
  assert.equal((await post(rep.rep, 'approve', {})).status, 403, 'the rep approving their own challenge');
  assert.equal((await api(other.rep, `/challenges/${challengeId}`)).status, 404, 'a rep of another region does not see it');
  assert.equal((await post(other.rep, 'approve', {})).status, 404, 'nor decide it');
  assert.equal((await api(other.rep, `/models/${PLAN}/changes`)).json.changes.length, 0, 'the plan changes nothing for them');
  const stale = await post(manager, 'approve', { revision: rev - 1 });
  assert.equal(stale.status, 409, 'a stale revision');
  assert.equal(stale.json.error.code, 'stale_revision');
  assert.equal(stale.json.revision, rev);
  assert.equal((await post(manager, 'reject', {})).status, 400, 'a rejection without a comment');
  assert.equal((await api('ops', `/models/${PLAN}/alignment`)).json.revision, rev, 'nothing moved');
  assert.equal((await api(manager, `/challenges/${challengeId}`)).json.status, 'open', 'still open');
});

test('the manager sees the pending challenge and approves it: the unit is back in the rep\'s territory', async () => {
  await signInReady(manager);
  await changesTab();
  const row = `#challenges-list [data-challenge="${challengeId}"]`;
  await page.waitForSelector(`${row}[data-status="open"] .challenge-approve`, { timeout: 30000 });
  assert.match(await page.textContent(row), new RegExp(REASON), 'with the rep\'s reason');
  assert.match(await page.textContent(row), new RegExp(rep.rep));
  await page.fill(`${row} .challenge-note`, 'agreed: the relationship matters more');
  await shot(page, 'challenge-manager.png', 'challenge-manager.png');
  await page.click(`${row} .challenge-approve`);
  await page.waitForSelector(`${row}[data-status="approved"]`, { timeout: 15000 });
  assert.equal(alignment(PLAN)[unit], rep.id, `${unit} is back in ${rep.id} in ${PLAN}`);
  assert.equal((await api('ops', `/models/${PLAN}/alignment`)).json.units[unit], rep.id, 'and the server says so');
  const c = (await api(manager, `/challenges/${challengeId}`)).json;
  assert.deepEqual({ status: c.status, decided_by: c.decided_by, note: c.note }, { status: 'approved', decided_by: manager, note: 'agreed: the relationship matters more' });
});

test('the audit log shows the three steps: raised, moved back, approved', async () => {
  log.phase = 'audit';
  const records = (await api('ops', '/audit')).json.records;
  const steps = records.filter(r => (r.object_type === 'challenge' && r.object_id === String(challengeId))
    || (r.action === 'alignment.apply' && r.actor === manager));
  assert.deepEqual(steps.map(r => [r.actor, r.action]), [[rep.rep, 'challenge.raise'], [manager, 'alignment.apply'], [manager, 'challenge.approve']]);
  const parse = v => (typeof v === 'string' ? JSON.parse(v) : v);
  assert.deepEqual(parse(steps[1].after).moves, [{ unit, territory: rep.id }], 'the counter-move');
  assert.equal(parse(steps[0].after).reason, REASON);
  const cli = regio(['audit', 'list']);
  assert.match(cli, new RegExp(`${rep.rep}\\s+challenge\\.raise`));
  assert.match(cli, new RegExp(`${manager}\\s+challenge\\.approve`));
  assert.match(regio(['audit', 'verify']), /intact/);
});

test('the rep sees the challenge approved and nothing left to challenge', async () => {
  await signInReady(rep.rep);
  await changesTab();
  await page.waitForSelector(`#challenges-list [data-challenge="${challengeId}"][data-status="approved"]`, { timeout: 30000 });
  assert.equal(await page.isVisible('#changes-none'), true, 'no planning model changes their territories now');
  assert.equal(await page.$(`#challenges-list [data-challenge="${challengeId}"] .challenge-withdraw`), null, 'nothing to withdraw');
});

test('no console errors or failed requests but the expected ones', async () => assertNothingFailed(log));

await run({
  after: async () => {
    if (browser) await browser.close().catch(() => {});
    if (srv && srv.exited() === null) await srv.stop();
    removeDir(dir);
  },
});

// Browser test of sign-in and the organisation panel: builds the sample market
// (as tools/run_sample.sh does) and the demo organisation of `make run`
// (tools/demo_org.mjs: regions over the 25 territories, the live model in
// force, a VP, a manager per region, the rep of every territory, an ops user
// with manage_territories), starts `regio serve` and drives the app in
// headless Chromium:
//  - before the organisation exists the app runs in single-user mode and
//    says so; with users it opens on the sign-in form;
//  - a wrong password shows "wrong username or password";
//  - a rep sees only their territory (map, balance panel) and only their
//    territory's accounts — the very accounts `regio access check --pairs`
//    gives them — and no organisation panel;
//  - their regional manager sees the region's territories and administers
//    its members (add, deactivate, remove; the API's error for an unknown
//    user); the VP sees all 25 territories;
//  - ops moves a territory to another region by drag and drop and back with
//    the "Move under" form (writes carry the CSRF token);
//  - sign-out and an ended session return to the form; too many failed
//    sign-ins show the wait.
// Screenshots go to $REGIO_BUILD_DIR/e2e-artifacts/; with
// REGIO_DOC_IMAGES=1 the rep view and the org panel also to docs/img/.
// Prints "N passed, N failed" at the end.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import httpMod from 'node:http';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { test, run, tempDir, removeDir, buildSampleStore, addDemoOrg, startServer, sleep, BIN, BUILD, SRC } from '../api/harness.mjs';

const LIVE = 'sample-live';
const CHROMIUM = process.env.REGIO_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = join(process.env.REGIO_BUILD_DIR || BUILD, 'e2e-artifacts');
const DOC_IMAGES = process.env.REGIO_DOC_IMAGES === '1' ? join(SRC, 'docs/img') : null;

const dir = tempDir('regio-login-');
const db = join(dir, 'sample.db');
let srv = null, browser = null, ctx = null, page = null;
let password = '';
let leaves = [];            // [{id, parent, rep, units, accounts}] of the live model
let readable = {};          // user → Set of the account ids `regio access check` gives them
const consoleErrors = [];
const failedResponses = [];
let phase = 'setup';

function regio(args, input) {
  return execFileSync(BIN, [...args, '--db', db], {
    cwd: SRC, encoding: 'utf8', maxBuffer: 64 << 20, input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
}

async function shot(name, docName) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const p = join(ARTIFACTS, name);
  await page.screenshot({ path: p });
  console.log(`     screenshot: ${p}`);
  if (DOC_IMAGES && docName) { copyFileSync(p, join(DOC_IMAGES, docName)); console.log(`     and docs/img/${docName}`); }
}

async function openPage() {
  ctx = await browser.newContext({ viewport: { width: 1400, height: 850 } });
  page = await ctx.newPage();
  page.on('console', m => { if (m.type() === 'error') consoleErrors.push(`[${phase}] console: ${m.text()}`); });
  page.on('pageerror', e => consoleErrors.push(`[${phase}] pageerror: ${e.message}`));
  page.on('response', r => { if (r.status() >= 400) failedResponses.push({ phase, status: r.status(), method: r.request().method(), url: r.url() }); });
}

/** window.regio.ready, or 'timeout'. */
const ready = () => page.evaluate(() => Promise.race([window.regio.ready, new Promise(r => setTimeout(() => r('timeout'), 60000))]));

async function signIn(user, pw = password) {
  await page.waitForSelector('#signin-form', { state: 'visible', timeout: 15000 });
  await page.fill('#signin-username', user);
  await page.fill('#signin-password', pw);
  await page.click('#signin-submit');
}

/** Signs `user` in and waits for the app; back to the form first if someone is signed in. */
async function signInReady(user) {
  phase = user;
  if (await page.$('#signout-button')) await signOut();
  await signIn(user);
  assert.equal(await ready(), true, `the app is ready for ${user}`);
  await page.waitForLoadState('networkidle', { timeout: 30000 }).catch(() => {});
  const who = await page.evaluate(() => window.regio.session?.user?.username);
  assert.equal(who, user, 'window.regio.session names the user');
  assert.match(await page.textContent('#signed-in-as'), new RegExp(user), '#signed-in-as names the user');
}

async function signOut() {
  await Promise.all([page.waitForEvent('load'), page.click('#signout-button')]);
  await page.waitForSelector('#signin-form', { state: 'visible', timeout: 15000 });
}

/** What the app shows of the model: territories, outlines, coloured units, panel rows. */
function shown() {
  return page.evaluate(() => {
    const st = window.regio.state;
    return {
      model: st.model,
      territories: st.territories.map(t => t.id).sort(),
      outlines: [...document.querySelectorAll('#map path[data-outline]')].map(p => p.dataset.outline).sort(),
      aligned: [...new Set(Object.values(st.alignment))].sort(),
      units: Object.keys(st.alignment).length,
      rows: [...document.querySelectorAll('#balance-panel tr[data-territory]')].map(r => r.dataset.territory).sort(),
    };
  });
}

/** The Accounts tab: its total and (all: every page loaded) the listed rows,
 *  read once the tab says its request is answered (#accounts-total's
 *  data-loading="false"): "Show more" is hidden while a page loads, so its
 *  visibility alone does not say the list is complete. */
async function accountList(all) {
  const listed = () => page.evaluate(() => ({
    total: Number(document.getElementById('accounts-total').dataset.total),
    rows: [...document.querySelectorAll('#accounts-body tr[data-account]')].map(r => ({ id: r.dataset.account, territory: r.dataset.territory, access: r.dataset.access })),
  }));
  const loaded = (k = -1) => page.waitForFunction(k => {
    const e = document.getElementById('accounts-total');
    return e && e.dataset.loading === 'false' && document.querySelectorAll('#accounts-body tr[data-account]').length > k;
  }, k, { timeout: 30000 });
  await loaded();
  let list = await listed();
  for (let i = 0; all && i < 100 && list.rows.length < list.total; i++) {
    assert.equal(await page.isVisible('#accounts-more'), true, `"Show more" with ${list.rows.length} of ${list.total} listed`);
    await page.click('#accounts-more');
    await loaded(list.rows.length);
    list = await listed();
  }
  return list;
}

/** GET through the page (its session cookie). */
const pageGet = path => page.evaluate(async p => { const r = await fetch('/api/v1' + p); return { status: r.status, json: await r.json().catch(() => null) }; }, path);

const repLeaf = () => leaves.find(t => t.rep);
const regionManager = region => 'mgr-' + region.replace(/^R-/, '').toLowerCase();

test('setup: the sample market in single-user mode shows the banner and no sign-in', async () => {
  buildSampleStore(db);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  await openPage();
  srv = await startServer(db, []);
  await page.goto(srv.url, { waitUntil: 'load', timeout: 60000 });
  assert.equal(await ready(), true, 'window.regio.ready');
  const banner = await page.textContent('#single-user-banner');
  assert.match(banner, /Single-user mode: no sign-in \(add users with regio user add\)/);
  assert.equal(await page.isVisible('#signin-form'), false, 'no sign-in form');
  assert.equal(await page.$('#signout-button'), null, 'no sign-out button');
  await srv.stop();
  srv = null;
  await ctx.close();
});

test('setup: the demo organisation (tools/demo_org.mjs), the access oracle, the server', async () => {
  addDemoOrg(db);   // under CTest a copy of the fixture's; demo_org below then only prints the logins
  const out = execFileSync(process.execPath, [join(SRC, 'tools/demo_org.mjs'), '--db', db, '--regio', BIN], { cwd: SRC, encoding: 'utf8' });
  password = (out.match(/password for all: (\S+?)\)/) || [])[1];
  assert.ok(password, `demo_org printed the password:\n${out}`);
  const gj = JSON.parse(regio(['export', 'territories', '--model', LIVE, '--format', 'geojson', '--out', '-']));
  leaves = gj.features.map(f => ({ id: f.id, parent: f.properties.parent, rep: f.properties.rep, units: f.properties.units, accounts: f.properties.accounts }));
  assert.equal(leaves.length, 25, 'the live model has 25 territories');
  const rep = repLeaf();
  // What `regio access check` says each tested user may read, over every account.
  const accounts = readFileSync(join(SRC, 'data/sample/accounts.csv'), 'utf8').trim().split('\n').slice(1).map(l => l.split(',')[0]);
  const users = [rep.rep, regionManager(rep.parent), 'vp'];
  writeFileSync(join(dir, 'pairs.csv'), 'user,account\n' + users.flatMap(u => accounts.map(a => `${u},${a}`)).join('\n') + '\n');
  regio(['access', 'check', '--pairs', join(dir, 'pairs.csv'), '--out', join(dir, 'levels.csv')]);
  readable = Object.fromEntries(users.map(u => [u, new Set()]));
  for (const l of readFileSync(join(dir, 'levels.csv'), 'utf8').trim().split('\n').slice(1)) {
    const [u, a, level] = l.split(',');
    if (level !== 'none') readable[u].add(a);
  }
  assert.equal(readable[rep.rep].size, rep.accounts, `${rep.rep} reads the ${rep.accounts} accounts of ${rep.id}`);
  srv = await startServer(db, []);
  await openPage();
});

test('without a session the app opens on the sign-in form', async () => {
  phase = 'form';
  await page.goto(srv.url, { waitUntil: 'load', timeout: 60000 });
  await page.waitForSelector('#signin-form', { state: 'visible', timeout: 15000 });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'signin-username', 'the username field has the focus');
  const pending = await page.evaluate(() => Promise.race([window.regio.ready.then(() => 'ready'), new Promise(r => setTimeout(() => r('pending'), 500))]));
  assert.equal(pending, 'pending', 'the app waits for the sign-in');
  assert.equal(await page.$('#single-user-banner'), null, 'no single-user banner');
});

test('a wrong password shows "wrong username or password" and keeps the form', async () => {
  phase = 'wrong';
  await signIn('vp', password + 'x');
  await page.waitForSelector('#signin-error:not([hidden])', { timeout: 15000 });
  assert.match(await page.textContent('#signin-error'), /wrong username or password/i);
  assert.equal(await page.isVisible('#signin-form'), true);
  assert.equal(await page.inputValue('#signin-password'), '', 'the password field is emptied');
});

test('a rep sees only their territory on the map and in the panel, and only its accounts', async () => {
  const t = repLeaf();
  await signInReady(t.rep);
  const s = await shown();
  assert.equal(s.model, LIVE, 'the model in force');
  assert.deepEqual(s.territories, [t.id], 'window.regio.state.territories');
  assert.deepEqual(s.outlines, [t.id], 'the one outline on the map');
  assert.deepEqual(s.aligned, [t.id], 'the units coloured on the map are their territory\'s');
  assert.equal(s.units, t.units, `the ${t.units} units of ${t.id}`);
  assert.deepEqual(s.rows, [t.id], 'one balance-panel row');
  await page.click('#tab-accounts');
  const list = await accountList(true);
  assert.equal(list.total, readable[t.rep].size, 'the Accounts tab counts what regio access check gives the rep');
  assert.deepEqual(list.rows.map(r => r.id).sort(), [...readable[t.rep]].sort(), 'and lists exactly those accounts');
  assert.ok(list.rows.every(r => r.territory === t.id), `every listed account is in ${t.id}`);
  assert.ok(list.rows.every(r => ['read', 'edit', 'owner'].includes(r.access)), 'each with its access level');
  await page.click('#tab-accounts');   // "Show more" scrolled the panel
  await page.waitForTimeout(700);      // the tab's smooth scroll
  await shot('login-rep.png', 'rep-view.png');
});

test('a rep has no organisation panel and no model actions', async () => {
  assert.equal(await page.$('#tab-org'), null, 'no Org tab');
  assert.equal(await page.$('#org-panel'), null, 'no organisation panel');
  assert.equal(await page.$('.org-node[draggable="true"]'), null, 'nothing to drag');
  assert.equal(await page.$('#org-add-member'), null, 'no member form');
  assert.equal(await page.isVisible('#clone-button'), false, 'no clone button');
});

test('sign-out returns to the sign-in form and ends the session', async () => {
  phase = 'signout';
  await signOut();
  assert.equal((await pageGet('/session')).status, 401, 'GET /session after sign-out');
  assert.equal(await page.$('#signed-in-as'), null);
});

test('the regional manager sees the region\'s territories and administers its members', async () => {
  const t = repLeaf();
  const mgr = regionManager(t.parent);
  const region = leaves.filter(x => x.parent === t.parent);
  await signInReady(mgr);
  const s = await shown();
  assert.deepEqual(s.territories, region.map(x => x.id).sort(), `the territories of ${t.parent}`);
  assert.deepEqual(s.outlines, region.map(x => x.id).sort(), 'their outlines');
  assert.equal(s.units, region.reduce((a, x) => a + x.units, 0), 'their units');
  await page.click('#tab-accounts');
  const list = await accountList(false);
  assert.equal(list.total, readable[mgr].size, 'the Accounts tab counts what regio access check gives the manager');
  assert.ok(list.rows.every(r => readable[mgr].has(r.id)), 'and lists only those');

  await page.click('#tab-org');
  const nodes = await page.$$eval('#org-tree .org-node', ns => ns.map(n => ({ id: n.dataset.territory, drag: n.draggable })));
  assert.deepEqual(nodes.map(n => n.id).sort(), [t.parent, ...region.map(x => x.id)].sort(), 'the tree: the region and its territories');
  assert.ok(nodes.every(n => n.drag), 'the manager may move them');
  assert.equal(await page.isVisible('#org-root-drop'), false, 'no "top level" target without manage_territories');

  await page.click(`.org-node[data-territory="${t.id}"]`);
  await page.waitForSelector(`#org-members tr[data-user="${t.rep}"][data-role="owner"]`);
  const other = region.find(x => x.rep && x.rep !== t.rep).rep;
  const members = async () => (await pageGet(`/models/${LIVE}/memberships?territory=${t.id}`)).json.memberships;
  // Add: another rep of the region as an overlay member from a day.
  await page.fill('#org-add-user', other);
  await page.selectOption('#org-add-role', 'overlay');
  await page.fill('#org-add-start', '2026-02-01');
  await page.click('#org-add-button');
  const row = `#org-members tr[data-user="${other}"][data-role="overlay"]`;
  await page.waitForSelector(row + '[data-active="true"]');
  let m = (await members()).find(x => x.user === other);
  assert.deepEqual({ role: m.role, active: m.active, start: m.start, end: m.end }, { role: 'overlay', active: true, start: '2026-02-01', end: null }, 'the API has the membership');
  // Deactivate.
  await page.click(`${row} button.org-toggle`);
  await page.waitForSelector(row + '[data-active="false"]');
  m = (await members()).find(x => x.user === other);
  assert.equal(m.active, false, 'the API has it inactive');
  await page.waitForTimeout(300);
  await shot('login-org-panel.png', 'org-panel.png');
  // Remove.
  await page.click(`${row} button.org-remove`);
  await page.waitForSelector(row, { state: 'detached' });
  assert.equal((await members()).find(x => x.user === other), undefined, 'the API has it removed');
  // The API's refusal is shown as it says it.
  await page.fill('#org-add-user', 'nobody');
  await page.click('#org-add-button');
  await page.waitForSelector('#org-error:not([hidden])');
  assert.match(await page.textContent('#org-error'), /unknown user 'nobody'/);
});

test('the VP sees all 25 territories and every account their reps see, without the organisation panel', async () => {
  await signInReady('vp');
  const s = await shown();
  assert.deepEqual(s.territories, leaves.map(x => x.id).sort(), 'all 25 territories');
  assert.equal(s.outlines.length, 25, '25 outlines');
  await page.click('#tab-accounts');
  const list = await accountList(false);
  assert.equal(list.total, readable.vp.size, 'the Accounts tab counts what regio access check gives the VP');
  assert.equal(await page.$('#tab-org'), null, 'no Org tab: the VP administers no territory');
});

test('ops moves a territory to another region by drag and drop, and back with "Move under"', async () => {
  const t = repLeaf();
  const home = t.parent;
  await signInReady('ops');
  const model = await page.evaluate(() => window.regio.state.model);
  const parentOf = async id => (await pageGet(`/models/${model}/territories`)).json.hierarchy.find(n => n.id === id)?.parent;
  assert.equal(await parentOf(t.id), home);
  await page.click('#tab-org');
  await page.waitForTimeout(700);   // the tab's smooth scroll: drag from where the node stays
  assert.equal(await page.isVisible('#org-root-drop'), true, 'ops may make a territory top-level');
  // To the region next to it in the tree, so that both stay in view: the
  // drag runs without scrolling.
  const regions = await page.$$eval('#org-tree > ul > li', lis => lis.map(li => li.dataset.territory));
  const i = regions.indexOf(home);
  const away = regions[i > 0 ? i - 1 : i + 1];
  const from = page.locator(`.org-node[data-territory="${t.id}"]`), to = page.locator(`.org-node[data-territory="${away}"]`);
  await from.scrollIntoViewIfNeeded();
  await to.scrollIntoViewIfNeeded();
  await from.scrollIntoViewIfNeeded();
  assert.ok(await to.isVisible() && await from.isVisible());
  const a = await from.boundingBox(), b = await to.boundingBox();
  await page.mouse.move(a.x + 40, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + 60, a.y + a.height / 2 - 4, { steps: 4 });
  await page.mouse.move(b.x + 60, b.y + b.height / 2, { steps: 10 });
  await page.mouse.up();
  await page.waitForSelector(`#org-tree li[data-territory="${away}"] > ul .org-node[data-territory="${t.id}"]`, { timeout: 15000 });
  assert.equal(await parentOf(t.id), away, `the API has ${t.id} under ${away}`);
  assert.equal(await page.evaluate(id => window.regio.state.hierarchy.find(n => n.id === id).parent, t.id), away, 'model.js follows');
  // Back with the form (the keyboard's way).
  await page.click(`.org-node[data-territory="${t.id}"]`);
  await page.selectOption('#org-parent', home);
  await page.click('#org-move-button');
  await page.waitForSelector(`#org-tree li[data-territory="${home}"] > ul .org-node[data-territory="${t.id}"]`, { timeout: 15000 });
  assert.equal(await parentOf(t.id), home, `the API has ${t.id} back under ${home}`);
  // Those writes carried the session's CSRF token; one without it is refused.
  const bare = await page.evaluate(async u => (await fetch(u, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":null}' })).status,
    `/api/v1/models/${model}/territories/${t.id}`);
  assert.equal(bare, 403, 'a POST without X-CSRF-Token');
});

test('an ended session brings the form back; signing in again goes on where it was', async () => {
  phase = 'expired';
  await page.evaluate(() => { window.stillHere = true; });
  await ctx.clearCookies();
  await page.click('#tab-accounts');
  await page.click('#accounts-search-form button[type="submit"]');
  await page.waitForSelector('#signin-form', { state: 'visible', timeout: 15000 });
  assert.match(await page.textContent('#signin-note'), /session has ended/);
  await signIn('ops');
  await page.waitForSelector('#signin', { state: 'hidden', timeout: 15000 });
  assert.equal(await page.evaluate(() => window.stillHere), true, 'the same page, not reloaded');
  assert.equal(await page.evaluate(() => window.regio.session.user.username), 'ops');
  await signOut();
});

test('too many failed sign-ins: the form shows the wait and holds the button', async () => {
  phase = 'throttle';
  const user = regionManager([...new Set(leaves.map(x => x.parent))].find(p => p !== repLeaf().parent));
  // Records the form as the page draws the first "Too many" answer (its
  // countdown then moves on every second, so reading it later would depend
  // on the machine's speed).
  await page.evaluate(() => {
    const err = document.getElementById('signin-error'), b = document.getElementById('signin-submit');
    window.throttleSeen = null;
    new MutationObserver((_, obs) => {
      if (/Too many/.test(err.textContent) && !err.hidden) {
        window.throttleSeen = { error: err.textContent, disabled: b.disabled, button: b.textContent };
        obs.disconnect();
      }
    }).observe(err, { childList: true, characterData: true, subtree: true, attributes: true });
  });
  // Fail as that user from another local address until the server asks for
  // a wait, then sign in from the page. On a loaded machine the wait may
  // run out before the page's attempt reaches the server (an ordinary 401,
  // one failure more): then again, each time with a longer wait (it doubles
  // with each failure), until the page's own attempt is answered 429.
  let answer = null;
  for (let round = 0; round < 6 && answer?.status() !== 429; round++) {
    let wait = 0;
    for (let i = 0; i < 30 && wait < 3; i++) {
      const r = await postFrom('127.0.0.77', srv.url + 'api/v1/login', { username: user, password: 'not-the-password' });
      if (r.status === 429) {
        wait = Number(r.headers['retry-after']);
        if (wait < 3) { await sleep(wait * 1000 + 50); wait = 0; }
      } else assert.equal(r.status, 401);
    }
    assert.ok(wait >= 3, 'the server throttles');
    await page.waitForSelector('#signin-submit:not([disabled])', { timeout: 15000 });
    await page.fill('#signin-username', user);
    await page.fill('#signin-password', 'not-the-password-either');
    [answer] = await Promise.all([
      page.waitForResponse(r => r.url().endsWith('/api/v1/login') && r.request().method() === 'POST', { timeout: 30000 }),
      page.click('#signin-submit'),
    ]);
    if (answer.status() !== 429) assert.equal(answer.status(), 401, 'a failed sign-in once the wait ran out');
  }
  assert.equal(answer.status(), 429, "the page's sign-in is answered 429");
  const retryAfter = Number(answer.headers()['retry-after']);
  assert.ok(retryAfter >= 1, `with Retry-After (${answer.headers()['retry-after']})`);
  await page.waitForFunction(() => window.throttleSeen, null, { timeout: 15000 });
  const seen = await page.evaluate(() => window.throttleSeen);
  assert.equal(seen.error, `Too many failed sign-ins. Wait ${retryAfter} s before trying again.`, "the form shows the server's wait");
  assert.equal(seen.disabled, true, 'the button waits');
  assert.equal(seen.button, `Sign in (${retryAfter} s)`);
});

test('no console errors or failed requests but the expected ones', async () => {
  // Expected: GET /session without a session, the wrong passwords, the
  // unknown user 'nobody', the ended session, the refused POST without CSRF
  // token, the throttle.
  const expected = f => (f.status === 401 && /\/api\/v1\/(session|login)$/.test(f.url))
    || (f.status === 422 && f.method === 'POST' && /\/memberships$/.test(f.url))
    || (f.phase === 'expired' && f.status === 401)
    || (f.phase === 'ops' && f.status === 403 && f.method === 'POST' && /\/territories\//.test(f.url))
    || (f.phase === 'throttle' && f.status === 429);
  assert.deepEqual(failedResponses.filter(f => !expected(f)), [], 'unexpected failed requests');
  const resourceErr = /Failed to load resource: the server responded with a status of (401|403|422|429)/;
  assert.deepEqual(consoleErrors.filter(e => !resourceErr.test(e)), [], 'console errors');
});

function postFrom(localAddress, url, body) {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpMod.request(url, { method: 'POST', localAddress, agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } }, r => {
      r.resume();
      r.on('end', () => resolve({ status: r.statusCode, headers: r.headers }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

await run({
  after: async () => {
    if (browser) await browser.close().catch(() => {});
    if (srv && srv.exited() === null) await srv.stop();
    removeDir(dir);
  },
});

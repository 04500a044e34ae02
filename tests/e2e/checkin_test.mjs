// Browser test of the check-in page (web/checkin.html, issue 13 item 6): the
// sample market with the demo organisation of `make run` (tools/demo_org.mjs:
// the live model in force, a user for the rep of every territory), and a call
// plan of one rep's territory saved in the store with the CLI (regio plan
// --model --territory --start, the first working day from today). Then, in
// headless Chromium on a phone-sized page:
//  - the rep signs in on /checkin and sees the day's stops in route order,
//    as GET /api/v1/checkin/today lists them;
//  - the browser goes offline (context.setOffline), the rep checks in at two
//    stops (an outcome and a note on one): both are queued, nothing reaches
//    the server;
//  - the browser goes online: both are sent, shown as sent, and
//    GET /api/v1/activities has each exactly once, with the page's client
//    ids, the position the browser gave and the note;
//  - the same POST replayed (by a script with the rep's token, and by the
//    page's own session) answers 200 "duplicate" and logs nothing twice;
//  - after a reload the stops show as logged.
// Screenshots go to $REGIO_BUILD_DIR/e2e-artifacts/; with REGIO_DOC_IMAGES=1
// the offline one also to docs/img/checkin.png. Prints "N passed, N
// failed" at the end.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { test, run, tempDir, removeDir, buildSampleStore, startServer, http, BIN, BUILD, SRC } from '../api/harness.mjs';

const LIVE = 'sample-live';
const CHROMIUM = process.env.REGIO_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = join(process.env.REGIO_BUILD_DIR || BUILD, 'e2e-artifacts');
const DOC_IMAGES = process.env.REGIO_DOC_IMAGES === '1' ? join(SRC, 'docs/img') : null;

const dir = tempDir('regio-checkin-');
const db = join(dir, 'sample.db');
let srv = null, browser = null, ctx = null, page = null;
let password = '', rep = '', territory = '', token = '';
let day = '';          // the plan's first day, a weekday: the page's ?date=
let stops = [];        // GET /checkin/today's stops
let sentIds = [];      // the client ids of the two check-ins
const consoleErrors = [];
const failedResponses = [];
let offline = false;

function regio(args) {
  return execFileSync(BIN, [...args, '--db', db], {
    cwd: SRC, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Today (UTC) when it is a weekday, else the Monday after. */
function firstWorkingDay() {
  const d = new Date();
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

const api = (path, opts = {}) => http(srv.base + path, { ...opts, headers: { Authorization: `Bearer ${token}`, ...(opts.headers || {}) } });

async function shot(name, docName) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const p = join(ARTIFACTS, name);
  await page.screenshot({ path: p });
  console.log(`     screenshot: ${p}`);
  if (DOC_IMAGES && docName) { copyFileSync(p, join(DOC_IMAGES, docName)); console.log(`     and docs/img/${docName}`); }
}

const stopSel = account => `[data-testid="checkin-stop"][data-account="${account}"]`;
const stateOf = account => page.getAttribute(stopSel(account), 'data-state');

test('setup: the sample market, the demo organisation, a saved call plan of a rep', async () => {
  buildSampleStore(db, { org: true });   // demo_org below then only prints the logins
  const out = execFileSync(process.execPath, [join(SRC, 'tools/demo_org.mjs'), '--db', db, '--regio', BIN], { cwd: SRC, encoding: 'utf8' });
  password = (out.match(/password for all: (\S+?)\)/) || [])[1];
  assert.ok(password, `demo_org printed the password:\n${out}`);
  day = firstWorkingDay();
  const gj = JSON.parse(regio(['export', 'territories', '--model', LIVE, '--format', 'geojson', '--out', '-']));
  const leaves = gj.features.map(f => ({ id: f.id, rep: f.properties.rep })).filter(t => t.rep).sort((a, b) => (a.id < b.id ? -1 : 1));
  // The sample reps live far from some territories: the first whose plan
  // places visits (exit 0, or 3 for a best effort) is the one.
  for (const t of leaves) {
    let text = '';
    try {
      text = execFileSync(BIN, ['plan', '--model', LIVE, '--territory', t.id, '--start', day, '--time-limit', '2', '--db', db],
        { cwd: SRC, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      text = `${e.stdout || ''}${e.stderr || ''}`;
      if (e.status !== 3) continue;
    }
    if (/saved as plan/.test(text)) { rep = t.rep; territory = t.id; break; }
  }
  assert.ok(rep, 'a territory of the live model has a plan');
  token = regio(['user', 'token', rep]).trim().split(/\s+/).pop();
  srv = await startServer(db, []);
  const today = await api(`/checkin/today?date=${day}`);
  assert.equal(today.status, 200, today.text);
  stops = today.json.stops;
  assert.deepEqual(today.json.reps, [rep], 'the rep of the signed-in user');
  assert.ok(stops.length >= 2, `at least two stops on ${day} (${stops.length})`);
  assert.deepEqual(stops.map(s => s.seq), stops.map((_, i) => i + 1), 'in route order');
  assert.ok(stops.every(s => !s.visited), 'nothing logged yet');
  // The plan's day 1 is `day`; the next week's same weekday is cycle day 6.
  assert.ok(stops.every(s => s.cycle_day === 1));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  ctx = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true,
    geolocation: { latitude: stops[0].lat, longitude: stops[0].lon }, permissions: ['geolocation'],
  });
  page = await ctx.newPage();
  page.on('console', m => { if (m.type() === 'error') consoleErrors.push(`console: ${m.text()}`); });
  page.on('pageerror', e => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('response', r => { if (r.status() >= 400) failedResponses.push({ status: r.status(), method: r.request().method(), url: r.url() }); });
  page.on('requestfailed', r => { if (!offline) failedResponses.push({ status: 0, method: r.method(), url: r.url() }); });
});

test('the rep signs in on the check-in page and sees the day\'s stops in order', async () => {
  await page.goto(`${srv.url}checkin?date=${day}`, { waitUntil: 'load', timeout: 60000 });
  await page.waitForSelector('#signin-form', { state: 'visible', timeout: 15000 });
  await page.fill('#signin-username', rep);
  await page.fill('#signin-password', password);
  await page.click('#signin-submit');
  assert.equal(await page.evaluate(() => window.regioCheckin.ready), true, 'the page is ready');
  await page.waitForSelector('[data-testid="checkin-stop"]', { timeout: 15000 });
  const accounts = await page.$$eval('[data-testid="checkin-stop"]', lis => lis.map(li => li.dataset.account));
  assert.deepEqual(accounts, stops.map(s => s.account), 'the stops of GET /checkin/today, in route order');
  assert.equal(await page.$$eval('#ck-map .leaflet-interactive', x => x.length) >= stops.length, true, 'the stops on the map');
  assert.equal(await stateOf(stops[0].account), 'planned');
  await shot('checkin-stops.png');
});

test('offline: two check-ins are queued in the browser, nothing reaches the server', async () => {
  offline = true;
  await ctx.setOffline(true);
  await page.waitForFunction(() => document.getElementById('ck-net').textContent === 'offline');
  const [a, b] = stops;
  await page.click(`${stopSel(a.account)} .ck-more summary`);
  await page.selectOption(`${stopSel(a.account)} [data-testid="checkin-outcome"]`, 'order taken');
  await page.fill(`${stopSel(a.account)} [data-testid="checkin-note"]`, 'Two cases ordered');
  await page.click(`${stopSel(a.account)} [data-testid="checkin-button"]`);
  await page.waitForSelector(`${stopSel(a.account)}[data-state="queued"]`, { timeout: 15000 });
  await page.click(`${stopSel(b.account)} [data-testid="checkin-button"]`);
  await page.waitForSelector(`${stopSel(b.account)}[data-state="queued"]`, { timeout: 15000 });
  assert.equal(await page.getAttribute('#ck-queue', 'data-queued'), '2');
  assert.match(await page.textContent('#ck-queue'), /2 check-ins queued/);
  const queue = await page.evaluate(() => window.regioCheckin.queue());
  assert.equal(queue.length, 2);
  sentIds = queue.map(q => q.id);
  assert.ok(sentIds.every(id => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)), 'UUIDs made in the browser');
  const stored = JSON.parse(await page.evaluate(k => localStorage.getItem(k), `regio.checkin.queue.${rep}`));
  assert.deepEqual(stored.map(q => q.state), ['queued', 'queued'], 'kept in localStorage');
  await page.waitForTimeout(1000);
  const got = await api(`/activities?from=${day}&to=${day}`);
  assert.equal(got.status, 200);
  assert.equal(got.json.count, 0, 'nothing logged while offline');
  await shot('checkin-offline-queued.png', 'checkin.png');
});

test('online again: both are sent and logged exactly once', async () => {
  await ctx.setOffline(false);
  offline = false;
  for (const s of stops.slice(0, 2))
    await page.waitForSelector(`${stopSel(s.account)}[data-state="sent"]`, { timeout: 30000 });
  assert.equal(await page.getAttribute('#ck-queue', 'data-queued'), '0');
  const got = await api(`/activities?from=${day}&to=${day}&user=${rep}`);
  assert.equal(got.status, 200);
  const acts = got.json.activities;
  assert.equal(acts.length, 2, JSON.stringify(acts));
  assert.deepEqual(acts.map(x => x.id).sort(), [...sentIds].sort(), 'the page\'s client ids');
  const byAccount = Object.fromEntries(acts.map(x => [x.account, x]));
  const first = byAccount[stops[0].account], second = byAccount[stops[1].account];
  assert.ok(first && second, 'one at each stop');
  assert.equal(first.user, rep);
  assert.equal(first.type, 'visit');
  assert.equal(first.outcome, 'order taken');
  assert.equal(first.notes, 'Two cases ordered');
  assert.equal(first.date.slice(0, 10), day);
  assert.ok(Math.abs(first.lat - stops[0].lat) < 1e-4 && Math.abs(first.lon - stops[0].lon) < 1e-4, 'the browser\'s position');
  await shot('checkin-sent.png');
});

test('a replayed POST with the same id answers "duplicate" and logs nothing twice', async () => {
  const q = (await page.evaluate(() => window.regioCheckin.queue()))[0];
  const body = { id: q.id, account: q.account, date: q.date, type: 'visit', outcome: q.outcome, notes: q.notes, lat: q.lat, lon: q.lon };
  const again = await api('/activities', { method: 'POST', body });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.duplicate, true);
  assert.equal(again.json.added, 0);
  // The page's own session (cookie and CSRF token) replays both at once.
  const batch = await page.evaluate(async ids => {
    const s = await (await fetch('/api/v1/session')).json();
    const qs = window.regioCheckin.queue().filter(x => ids.includes(x.id));
    const r = await fetch('/api/v1/activities', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf },
      body: JSON.stringify({ activities: qs.map(x => ({ id: x.id, account: x.account, date: x.date })) }),
    });
    return { status: r.status, body: await r.json() };
  }, sentIds);
  assert.equal(batch.status, 200, JSON.stringify(batch.body));
  assert.deepEqual(batch.body.activities.map(x => x.duplicate), [true, true]);
  const got = await api(`/activities?from=${day}&to=${day}`);
  assert.equal(got.json.count, 2, 'still two');
  const audit = regio(['audit', 'list']).split('\n').filter(l => /activity\.log/.test(l));
  assert.equal(audit.length, 2, `one audit record per check-in that logged something:\n${audit.join('\n')}`);
});

test('after a reload the stops show as logged', async () => {
  await page.evaluate(k => localStorage.removeItem(k), `regio.checkin.queue.${rep}`);
  await page.reload({ waitUntil: 'load' });
  assert.equal(await page.evaluate(() => window.regioCheckin.ready), true);
  await page.waitForSelector(`${stopSel(stops[0].account)}[data-state="logged"]`, { timeout: 15000 });
  assert.equal(await stateOf(stops[1].account), 'logged');
  assert.equal(await stateOf(stops[2] ? stops[2].account : stops[1].account), stops[2] ? 'planned' : 'logged');
  const today = await api(`/checkin/today?date=${day}`);
  assert.equal(today.json.visited, 2);
});

test('no console errors or failed requests but the expected ones', async () => {
  const expected = f => f.status === 401 && /\/api\/v1\/session$/.test(f.url);
  assert.deepEqual(failedResponses.filter(f => !expected(f)), [], 'unexpected failed requests');
  const resourceErr = /Failed to load resource: the server responded with a status of 401/;
  assert.deepEqual(consoleErrors.filter(e => !resourceErr.test(e)), [], 'console errors');
});

await run({
  after: async () => {
    if (browser) await browser.close().catch(() => {});
    if (srv && srv.exited() === null) await srv.stop();
    removeDir(dir);
  },
});

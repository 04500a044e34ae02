// Browser test of the Plan tab with overnight trips: on the sample market
// (as tools/run_sample.sh builds it) the territory of the Kansas City rep
// (REP-14; the one holding Jackson County, 29095) is planned in headless
// Chromium, first with day trips only, then with the Overnight box ticked
// (4 nights a week). The calendar must mark exactly the days the API says
// end at a hotel, none of them over the rep's hours; a night's day lists the
// night and the map shows the hotel; more visits are placed than by day
// trips. Screenshots go to $REGIO_BUILD_DIR/e2e-artifacts/. Prints
// "N passed, N failed" at the end.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { test, run, tempDir, removeDir, buildSampleStore, startServer, BUILD, BIN } from '../api/harness.mjs';

const MODEL = 'sample-design';
const REP = 'REP-14';
const CHROMIUM = process.env.REGIO_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = join(process.env.REGIO_BUILD_DIR || BUILD, 'e2e-artifacts');

const dir = tempDir('regio-e2e-plan-');
let srv = null, browser = null, page = null;
let territory = '';
let dayTrips = null;
const errors = [];

async function shot(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const p = join(ARTIFACTS, name);
  await page.screenshot({ path: p, fullPage: true });
  console.log(`     screenshot: ${p}`);
}

/** Plans the chosen territory for REP-14 through the form; the plan the app got. */
async function planInApp(overnight, tripDays = '') {
  await page.click('[data-testid="tab-plan"]');
  await page.selectOption('#plan-territory', territory);
  await page.evaluate(rep => {
    const s = document.getElementById('plan-rep');
    s.value = rep;
    s.dispatchEvent(new Event('change', { bubbles: true }));
  }, REP);
  await page.fill('#plan-start', '2027-01-04');
  const box = page.locator('[data-testid="plan-overnight"]');
  if (overnight) {
    await box.check();
    await page.fill('#plan-trip-days', tripDays); /* a value disables the nights a week */
    if (!tripDays) await page.fill('#plan-max-nights', '4');
    await page.fill('#plan-hotel-cost', '120');
  } else {
    await box.uncheck();
  }
  const [resp] = await Promise.all([
    page.waitForResponse(r => r.request().method() === 'POST' && /\/territories\/[^/]+\/plan/.test(r.url()),
      { timeout: 60000 }),
    page.click('[data-testid="plan-run"]'),
  ]);
  assert.equal(resp.status(), 200, await resp.text());
  assert.equal(/[?&]overnight=1/.test(resp.url()), overnight, resp.url());
  if (overnight) {
    assert.equal(/[?&]trip_days=/.test(resp.url()), !!tripDays, resp.url());
    assert.equal(/[?&]max_nights=/.test(resp.url()), !tripDays, resp.url());
  }
  await page.waitForFunction(o => window.regio.state.plan && !!window.regio.state.plan.overnight === o,
    overnight, { timeout: 30000 });
  await page.waitForSelector('#plan-calendar .cal-day');
  return page.evaluate(() => window.regio.state.plan);
}

test('setup: sample market store, server, headless Chromium', async () => {
  const db = join(dir, 'sample.db');
  buildSampleStore(db);
  const align = execFileSync(BIN, ['export', 'alignment', '--model', MODEL, '--db', db], { encoding: 'utf8' });
  territory = (align.split('\n').find(l => l.startsWith('29095,')) || '').split(',')[1] || '';
  assert.ok(territory, 'Jackson County (29095) has a territory');
  srv = await startServer(db, []);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await ctx.newPage();
  page.on('console', m => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', e => errors.push(`pageerror: ${e.message}`));
  await page.goto(srv.url, { waitUntil: 'load', timeout: 60000 });
  await page.waitForFunction(() => window.regio && window.regio.ready, null, { timeout: 30000 });
  assert.equal(await page.evaluate(() => window.regio.ready), true);
});

test('day trips only: no night in the plan or the calendar', async () => {
  dayTrips = await planInApp(false);
  assert.ok(!dayTrips.overnight, 'no overnight in the answer');
  assert.equal(await page.locator('#plan-calendar .cal-day.night').count(), 0);
  assert.ok(dayTrips.visits_scheduled < dayTrips.visits_required, 'day trips leave visits out');
});

test('overnight: the calendar marks the nights the API gives, no day over hours', async () => {
  const p = await planInApp(true);
  assert.equal(p.overnight, true);
  const nightDays = p.days.filter(d => Array.isArray(d.night)).map(d => String(d.day));
  assert.ok(nightDays.length > 0, 'some nights');
  assert.equal(p.nights, nightDays.length, 'nights = days ending at a hotel');
  assert.ok(p.visits_scheduled > dayTrips.visits_scheduled,
    `more visits than day trips (${p.visits_scheduled} vs ${dayTrips.visits_scheduled})`);
  assert.equal(p.overtime_days, 0);
  for (const d of p.days) {
    assert.ok(!d.back || d.back <= '17:00', `day ${d.day} back ${d.back}`);
    if (Array.isArray(d.night)) {
      const next = p.days.find(x => x.day === d.day + 1);
      assert.ok(next && next.starts_at === 'hotel', `day ${d.day + 1} starts at the hotel`);
      assert.deepEqual(next.route[0], d.night, 'the next day leaves from that hotel');
      assert.deepEqual(d.route[d.route.length - 1], d.night, 'the day ends at the hotel');
    }
  }
  const marked = await page.$$eval('#plan-calendar .cal-day.night', cs => cs.map(c => c.dataset.day));
  assert.deepEqual(marked, nightDays, 'calendar nights');
  assert.equal(await page.locator('#plan-calendar .cal-day.over').count(), 0, 'no overtime day');
  assert.match(await page.textContent('#plan-nights'), new RegExp(`^nights${p.nights}`));
  await shot('plan-overnight-calendar.png');
});

test('trips over weekends (Trip days 20): a Friday\'s night counts three, no day over hours', async () => {
  const p = await planInApp(true, '20');
  assert.equal(p.overtime_days, 0);
  const nights = p.days.filter(d => Array.isArray(d.night))
    .reduce((n, d) => n + (d.day % 5 === 0 && d.day < p.days.length ? 3 : 1), 0);
  assert.equal(p.nights, nights, 'nights: a weekend at the hotel counts its nights');
  for (const d of p.days) assert.ok(!d.back || d.back <= '17:00', `day ${d.day} back ${d.back}`);
  await planInApp(true); /* back to trips inside a week for the tests below */
});

test('a night\'s day says where it sleeps; the map shows the hotel', async () => {
  const p = await page.evaluate(() => window.regio.state.plan);
  const d = p.days.find(x => Array.isArray(x.night) && x.visits.length > 0);
  await page.click(`#plan-calendar .cal-day[data-day="${d.day}"]`);
  await page.waitForSelector('[data-testid="plan-night"]');
  assert.match(await page.textContent('[data-testid="plan-night"]'), /night at a hotel/);
  assert.ok(await page.locator('.rep-icon.hotel').count() >= 1, 'a hotel marker');
  await shot('plan-overnight-day.png');
  assert.deepEqual(errors, [], 'no console or page errors');
});

await run({
  after: async () => {
    if (browser) await browser.close().catch(() => {});
    if (srv && srv.exited() === null) await srv.stop();
    removeDir(dir);
  },
});

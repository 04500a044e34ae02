// Browser test of the Performance tab (issue 13, "Dashboards in the app") on
// the `make run` sample store, built here the same way: the sample market,
// the demo organisation (tools/demo_org.mjs) and the demo sales, quotas and
// visits (tools/demo_sales.mjs). In headless Chromium:
//  - the VP opens the tab for 2026Q3: the choropleth colours every
//    territory by attainment with a legend, the table has a row per
//    territory with the flags and their reasons, numbers for people
//    (k / M, %), the bar chart and the 12-month trend are drawn (Chart.js
//    served from node_modules), the fairness figures are shown; the table
//    sorts; by level 1 a region opens its territories; the map recolours by
//    coverage; the figures are the API's;
//  - a rep sees only their own territory's row and area.
// Screenshots go to $REGIO_BUILD_DIR/e2e-artifacts/; with REGIO_DOC_IMAGES=1
// the VP's full view also to docs/img/performance.png. Prints "N passed, N
// failed" at the end.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test, run, tempDir, removeDir, buildSampleStore, startServer, http, BIN, SRC } from '../api/harness.mjs';
import { launch, openPage, shot, signInReady, assertNothingFailed } from './browser.mjs';

const LIVE = 'sample-live', PERIOD = '2026Q3';
const dir = tempDir('regio-perf-e2e-');
const db = join(dir, 'sample.db');
let srv = null, browser = null, page = null, log = null;
let password = '', weak = [], leaves = [];
const token = {};

const regio = args => execFileSync(BIN, [...args, '--db', db], { cwd: SRC, encoding: 'utf8', maxBuffer: 64 << 20 });
const tool = (script, args = []) => execFileSync(process.execPath, [join(SRC, 'tools', script), '--db', db, '--regio', BIN, ...args], { cwd: SRC, encoding: 'utf8' });
const api = (u, path) => http(srv.base + path, { headers: { Authorization: `Bearer ${token[u]}` } });

/** Opens the tab and chooses a quarter through the controls; waits for the figures. */
async function perfTab(period) {
  await page.click('#tab-perf');
  await page.waitForSelector('#perf-panel[data-ready="true"]', { timeout: 60000 });
  await page.selectOption('#perf-kind', 'quarter');
  await page.selectOption('#perf-value', period);
  await page.waitForFunction(p => window.regio.perf.data && window.regio.perf.data.period.from === p && document.querySelector('#perf-panel').dataset.loading === 'false',
    '2026-07-01', { timeout: 60000 });
}

const tableKeys = () => page.$$eval('#perf-body tr', rs => rs.map(r => r.dataset.key));

test('setup: the make run sample store (market, demo organisation, demo sales, quotas, visits)', async () => {
  buildSampleStore(db, { org: true });   // demo_org below then only prints the logins
  password = (tool('demo_org.mjs').match(/password for all: (\S+?)\)/) || [])[1];
  assert.ok(password, 'demo_org printed the password');
  const out = tool('demo_sales.mjs');
  weak = (out.match(/under-perform by design: (.*)/) || [])[1].split(', ');
  assert.ok(weak.length >= 3, out);
  const gj = JSON.parse(regio(['export', 'territories', '--model', LIVE, '--format', 'geojson', '--out', '-']));
  leaves = gj.features.map(f => ({ id: String(f.id), parent: f.properties.parent, rep: f.properties.rep })).filter(t => t.rep);
  for (const u of ['vp', leaves[0].rep]) token[u] = regio(['user', 'token', u]).trim().split(/\s+/).pop();
  srv = await startServer(db, []);
  browser = await launch();
  ({ page, log } = await openPage(browser, { width: 1500, height: 1000 }));
  await page.goto(srv.url, { waitUntil: 'load', timeout: 60000 });
});

test('the VP sees the choropleth with its legend, the table with flags, both charts and the fairness figures', async () => {
  await signInReady(page, log, 'vp', password);
  await perfTab(PERIOD);
  const ids = leaves.map(t => t.id).sort();
  assert.deepEqual((await tableKeys()).slice().sort(), ids, 'a row per territory');
  // each territory row links its brief, which the server answers as a page
  const briefs = await page.$$eval('#perf-body a.perf-brief', as => as.map(a => a.getAttribute('href')));
  assert.equal(briefs.length, ids.length);
  const br = await page.evaluate(async href => { const r = await fetch(href); return { s: r.status, t: r.headers.get('content-type') }; }, briefs[0]);
  assert.equal(br.s, 200);
  assert.match(br.t, /text\/html/);
  // The figures are the API's (the VP's own answer).
  const answer = (await api('vp', `/perf?period=${PERIOD}`)).json;
  assert.deepEqual(await page.evaluate(() => window.regio.perf.data), answer);
  // Choropleth: every territory coloured, in several classes, with a legend.
  const areas = await page.$$eval('#perf-map path.perf-area', ps => ps.map(p => ({ t: p.dataset.territory, b: p.dataset.bucket, fill: p.getAttribute('fill') })));
  assert.deepEqual(areas.map(a => a.t).sort(), ids);
  assert.ok(areas.every(a => a.b !== 'none' && /^#[0-9a-f]{6}$/i.test(a.fill)), 'every territory has a colour');
  assert.ok(new Set(areas.map(a => a.fill)).size >= 3, 'in several classes');
  for (const t of weak) assert.ok(Number(areas.find(a => a.t === t).b) <= 1, `${t} is in a low class`);
  const legend = await page.$$eval('#perf-legend .legend-item', is => is.map(i => i.textContent));
  assert.equal(legend.length, 6, legend.join(' | '));
  assert.match(await page.textContent('#perf-legend'), /Attainment/);
  // Table: flags with their reasons, numbers for people.
  for (const t of weak) {
    const flags = await page.$eval(`#perf-body tr[data-key="${t}"]`, r => r.dataset.flags);
    assert.match(flags, /under_quota/, `${t} is flagged`);
  }
  const reason = await page.textContent(`#perf-body tr[data-key="${weak[0]}"] .flag.under_quota .flag-reason`);
  assert.match(reason, /^attainment \d+% of quota \([\d.,]+ k of [\d.,]+ k\), under 90%$/);
  const cells = await page.$eval(`#perf-body tr[data-key="${weak[0]}"]`, r => Object.fromEntries([...r.querySelectorAll('td[data-col]')].map(td => [td.dataset.col, td.textContent])));
  assert.match(cells.bookings, /^[\d.,]+ (k|M)$/);
  assert.match(cells.potential, /^[\d.,]+ M$/);
  assert.match(cells.attainment, /^\d+%$/);
  assert.match(cells.visits, /^\d{1,3}(,\d{3})*$/);
  // Charts: Chart.js from /vendor, a bar per territory and 12 months.
  const charts = await page.evaluate(() => ({
    bars: Chart.getChart('perf-bars')?.data.datasets.map(d => d.data.length),
    trend: Chart.getChart('perf-trend')?.data.labels.length,
    trendData: Chart.getChart('perf-trend')?.data.datasets[0].data,
  }));
  assert.deepEqual(charts.bars, [ids.length, ids.length]);
  assert.equal(charts.trend, 12);
  assert.ok(charts.trendData.filter(v => v > 0).length >= 9, 'bookings in most months');
  const painted = await page.$eval('#perf-bars', c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; });
  assert.ok(painted > 1000, 'the bar chart is drawn');
  assert.deepEqual(await page.$$eval('#perf-fairness tbody tr', rs => rs.map(r => r.dataset.fair)), ['attainment', 'potential']);
  assert.match(await page.textContent('#perf-fairness tr[data-fair="attainment"]'), /Attainment\s*0\.\d\d\s*0\.\d\d\s*[\d.]+%\s*25/);
  await page.click('#perf-wide');
  await page.waitForTimeout(300);
  await shot(page, 'performance-vp.png', 'performance.png');
  await page.click('#perf-wide');
});

test('the table sorts; by level 1 a region opens its territories; the map recolours by coverage', async () => {
  await page.click('#perf-head th[data-sort="attainment"]');
  const att = await page.$$eval('#perf-body td[data-col="attainment"]', ts => ts.map(t => parseFloat(t.textContent)));
  assert.deepEqual(att, [...att].sort((a, b) => b - a), 'attainment, highest first');
  await page.click('#perf-head th[data-sort="attainment"]');
  const up = await page.$$eval('#perf-body td[data-col="attainment"]', ts => ts.map(t => parseFloat(t.textContent)));
  assert.deepEqual(up, [...up].sort((a, b) => a - b), 'then lowest first');
  await page.selectOption('#perf-by', 'level:1');
  await page.waitForFunction(() => window.regio.perf.data?.by === 'level:1' && document.querySelector('#perf-panel').dataset.loading === 'false');
  const regions = [...new Set(leaves.map(t => t.parent))].sort();
  assert.deepEqual((await tableKeys()).slice().sort(), regions);
  const region = leaves[0].parent;
  await page.click(`#perf-body tr[data-key="${region}"]`);
  await page.waitForFunction(() => window.regio.perf.data?.by === 'level:2' && document.querySelector('#perf-panel').dataset.loading === 'false');
  assert.deepEqual((await tableKeys()).slice().sort(), leaves.filter(t => t.parent === region).map(t => t.id).sort(), 'the region\'s territories');
  assert.equal(await page.isVisible('#perf-crumbs'), true);
  await page.selectOption('#perf-colour', 'coverage');
  assert.match(await page.textContent('#perf-legend'), /Coverage/);
  await page.click('#perf-crumbs [data-crumb=""]');
  await page.waitForFunction(() => window.regio.perf.data?.by === 'level:1' && document.querySelector('#perf-panel').dataset.loading === 'false');
  assert.equal((await tableKeys()).length, regions.length);
});

test('a rep sees only their own territory', async () => {
  const me = leaves[0];
  await signInReady(page, log, me.rep, password);
  await perfTab(PERIOD);
  assert.deepEqual(await tableKeys(), [me.id]);
  const coloured = await page.$$eval('#perf-map path.perf-area', ps => ps.filter(p => p.dataset.bucket !== 'none').map(p => p.dataset.territory));
  assert.deepEqual(coloured, [me.id], 'one coloured area: theirs');
  assert.equal(await page.evaluate(() => Chart.getChart('perf-bars').data.labels.length), 1);
  const mine = (await api(me.rep, `/perf?period=${PERIOD}`)).json;
  assert.deepEqual(mine.rows.map(r => r.key), [me.id]);
  await shot(page, 'performance-rep.png');
});

test('a rep has no quota form; sales ops proposes quotas beside last year, then saves them', async () => {
  // the rep (signed in by the test before) does not see the form
  assert.equal(await page.isVisible('#quota-form'), false, 'no quota form for a rep');
  await signInReady(page, log, 'ops', password);
  await perfTab(PERIOD);
  await page.click('#quota-form summary');
  await page.fill('#quota-total', '2500000');
  // the last quarter offered lies after the demo data's quotas (2026)
  const period = await page.$eval('#quota-period', s => s.options[s.options.length - 1].value);
  await page.selectOption('#quota-period', period);
  await page.click('#quota-propose');
  await page.waitForSelector('#quota-table tbody tr');
  const rows = await page.$$eval('#quota-table tbody tr', rs => rs.map(r => ({ t: r.dataset.key, q: Number(r.cells[1].textContent.replace(/,/g, '')), last: r.cells[4].textContent })));
  assert.equal(rows.length, leaves.length, 'a proposal per territory');
  assert.equal(rows.reduce((a, r) => a + r.q, 0), 2500000, 'the proposal adds up to the total');
  assert.ok(rows.every(r => r.last.length > 0), 'last year beside each');
  assert.match(await page.textContent('#quota-note'), /Nothing is saved yet/);
  // the dry run saved nothing; saving does, and the figures see it
  const quota = () => JSON.parse(regio(['perf', '--model', LIVE, '--period', period, '--by', 'model', '--format', 'json'])).rows[0].quota;
  assert.equal(quota(), 0, 'nothing saved by the proposal');
  await page.click('#quota-save');
  await page.waitForFunction(() => /^Saved:/.test(document.querySelector('#quota-note').textContent));
  assert.equal(quota(), 2500000);
});

test('no console errors or failed requests but the expected ones', async () => assertNothingFailed(log));

await run({
  after: async () => {
    if (browser) await browser.close().catch(() => {});
    if (srv && srv.exited() === null) await srv.stop();
    removeDir(dir);
  },
});

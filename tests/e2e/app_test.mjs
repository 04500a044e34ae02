// Browser test of the web app: builds the sample market (as tools/run_sample.sh
// does) in a temporary store, starts `regio serve`, opens the app in headless
// Chromium and checks that it loads cleanly, draws every territory, moves a
// unit with a real click on the map (balance panel and API follow), lists
// that unit in the compare view, and moves one of its accounts with its "Move
// to target" button (the balance panel rows of both territories change by that
// account's 1 in the accounts measure, as the server counts). Screenshots go to
// $REGIO_BUILD_DIR/e2e-artifacts/. Prints "N passed, N failed" at the end.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { test, run, tempDir, removeDir, buildSampleStore, startServer, http, BUILD } from '../api/harness.mjs';

const MODEL = 'sample-design';
const SNAPSHOT = 'sample-before';
const CHROMIUM = process.env.REGIO_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = join(process.env.REGIO_BUILD_DIR || BUILD, 'e2e-artifacts');

const dir = tempDir('regio-e2e-');
let srv = null, browser = null, page = null;
let A = '';
const consoleErrors = [];   // console.error messages and page errors
const failedRequests = [];  // responses >= 400 and failed requests
let phase = 'load';
let apiTerritories = null;
let move = null;            // {unit, name, from, to, accounts, rowFrom, rowTo}

const enc = encodeURIComponent;

async function shot(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const p = join(ARTIFACTS, name);
  await page.screenshot({ path: p, fullPage: true });
  console.log(`     screenshot: ${p}`);
  return p;
}

/** The value of a territory's balance-panel total (data-value of .total, accounts if shown). */
function rowTotal(territory) {
  return page.evaluate(t => {
    const row = document.querySelector(`#balance-panel [data-territory="${CSS.escape(t)}"]`);
    if (!row) return null;
    const cell = row.querySelector('.total[data-measure="accounts"]') || row.querySelector('.total');
    if (!cell) return null;
    const v = cell.dataset.value !== undefined && cell.dataset.value !== '' ? Number(cell.dataset.value)
      : Number(cell.textContent.replace(/[^\d.-]/g, ''));
    return v;
  }, territory);
}

test('setup: sample market store, server, headless Chromium', async () => {
  const db = join(dir, 'sample.db');
  buildSampleStore(db);
  srv = await startServer(db, []);
  A = srv.base;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await ctx.newPage();
  page.on('console', m => { if (m.type() === 'error') consoleErrors.push(`[${phase}] console: ${m.text()}`); });
  page.on('pageerror', e => consoleErrors.push(`[${phase}] pageerror: ${e.message}`));
  // net::ERR_ABORTED is the app cancelling its own stale request (an
  // AbortController when the map moves again), not a failure.
  page.on('requestfailed', r => {
    const why = r.failure()?.errorText || '';
    if (!/ERR_ABORTED/.test(why)) failedRequests.push(`[${phase}] ${r.method()} ${r.url()}: ${why}`);
  });
  page.on('response', r => { if (r.status() >= 400) failedRequests.push(`[${phase}] ${r.request().method()} ${r.url()}: ${r.status()}`); });
});

test('the app loads: window.regio.ready resolves true, no console or page errors', async () => {
  const resp = await page.goto(srv.url, { waitUntil: 'load', timeout: 60000 });
  assert.equal(resp.status(), 200, 'GET /');
  await page.waitForFunction(() => window.regio && window.regio.ready, null, { timeout: 30000 });
  const ready = await page.evaluate(() => Promise.race([
    window.regio.ready, new Promise(r => setTimeout(() => r('timeout'), 60000))]));
  assert.equal(ready, true, 'window.regio.ready');
  // Let late requests (accounts, reps) settle before judging the console.
  await page.waitForLoadState('networkidle', { timeout: 30000 }).catch(() => {});
  const level = await page.$eval('#status', e => e.dataset.level || e.className);
  await shot('app-loaded.png');
  assert.deepEqual(consoleErrors, [], 'console errors during load');
  assert.deepEqual(failedRequests, [], 'failed requests during load');
  assert.doesNotMatch(String(level), /error/, `#status: ${await page.$eval('#status', e => e.textContent)}`);
  const model = await page.evaluate(() => window.regio.state.model);
  assert.equal(model, MODEL, 'the app shows the default model');
});

test('the map shows every territory of the sample market (25, as the API says)', async () => {
  const r = await http(`${A}/models/${MODEL}/territories`);
  assert.equal(r.status, 200);
  apiTerritories = r.json.territories;
  assert.equal(apiTerritories.length, 25);
  const ids = apiTerritories.map(t => t.id).sort();
  const seen = await page.evaluate(() => {
    const st = window.regio.state;
    const outlines = [...document.querySelectorAll('#map .leaflet-terr-pane path')];
    return {
      state: st.territories.map(t => t.id),
      outlines: outlines.length,
      outlineIds: outlines.map(p => p.getAttribute('data-outline')).filter(Boolean),
      aligned: [...new Set(Object.values(st.alignment))],
      unitLayers: Object.keys(st.unitLayers || {}).length,
      unitPaths: document.querySelectorAll('#map path[data-unit]').length,
      rows: [...document.querySelectorAll('#balance-panel [data-territory]')].map(r => r.dataset.territory),
    };
  });
  assert.deepEqual(seen.state.slice().sort(), ids, 'window.regio.state.territories');
  assert.equal(seen.outlines, 25, 'territory outline paths on the map');
  if (seen.outlineIds.length) assert.deepEqual(seen.outlineIds.sort(), ids, 'the outlines are the territories');
  assert.deepEqual(seen.aligned.sort(), ids, 'the units on the map are coloured by these 25 territories');
  const units = await http(`${A}/units?limit=1`);
  assert.equal(seen.unitLayers, units.json.total, 'one map layer per unit');
  assert.equal(seen.unitPaths, units.json.total, 'one clickable path per unit');
  assert.deepEqual(seen.rows.slice().sort(), ids, 'one balance-panel row per territory');
  // The design gave every territory a rep: the panel and the map's labels
  // name them (the rep's name from GET /reps).
  assert.ok(apiTerritories.every(t => t.rep), 'every territory has a rep');
  const reps = Object.fromEntries((await http(`${A}/reps`)).json.reps.map(r => [r.id, r.name]));
  await page.waitForFunction(() => document.querySelectorAll('#balance-panel td.name .rep[data-rep]').length === 25,
    null, { timeout: 15000 });
  const shown = await page.evaluate(() => ({
    rows: Object.fromEntries([...document.querySelectorAll('#balance-panel tr[data-territory]')]
      .map(r => [r.dataset.territory, r.querySelector('td.name .rep')?.textContent])),
    labels: [...document.querySelectorAll('.terr-label .terr-rep')].map(e => e.textContent),
  }));
  for (const t of apiTerritories)
    assert.equal(shown.rows[t.id], reps[t.rep], `${t.id}: the panel names its rep ${t.rep}`);
  assert.deepEqual(shown.labels.slice().sort(), apiTerritories.map(t => reps[t.rep]).sort(),
    'the map labels name the reps');
});

test('a real click on a unit after choosing #target-territory moves it: panel totals and API follow', async () => {
  // Snapshot of the original model, for the compare view (via the API, then
  // reload the app's model list).
  const c = await http(`${A}/models/${MODEL}/clone`, { method: 'POST', body: { name: SNAPSHOT } });
  assert.equal(c.status, 201, `clone: ${c.text.slice(0, 200)}`);
  await page.evaluate(m => window.regio.loadModel(m), MODEL);
  assert.equal(await page.evaluate(() => window.regio.state.model), MODEL);
  phase = 'move';
  const al = (await http(`${A}/models/${MODEL}/alignment`)).json;
  const unitsResp = await http(`${A}/units?limit=5000`);
  const byId = Object.fromEntries(unitsResp.json.units.map(u => [u.id, u]));
  // A border unit with accounts whose centroid is a visible, clickable point
  // of its own path, and the territory next to it.
  const pick = await page.evaluate(({ alignment, units }) => {
    const st = window.regio.state, map = window.regio.map;
    const box = document.getElementById('map').getBoundingClientRect();
    const cands = Object.values(units).filter(u => u.measures.accounts > 0).sort((a, b) => b.measures.accounts - a.measures.accounts);
    for (const u of cands) {
      const layer = st.unitLayers[u.id];
      if (!layer) continue;
      const p = map.latLngToContainerPoint([u.lat, u.lon]);
      const x = box.left + p.x, y = box.top + p.y;
      if (x < box.left + 5 || y < box.top + 5 || x > box.right - 5 || y > box.bottom - 5) continue;
      const hit = document.elementFromPoint(x, y);
      if (!hit || hit.getAttribute('data-unit') !== u.id) continue;
      // A border unit: just outside its box lies a unit of another territory.
      const r = hit.getBoundingClientRect();
      for (const [px, py] of [[r.left - 3, y], [r.right + 3, y], [x, r.top - 3], [x, r.bottom + 3]]) {
        const n = document.elementFromPoint(px, py);
        const t = n && n.getAttribute('data-unit') && alignment[n.getAttribute('data-unit')];
        if (t && t !== alignment[u.id]) return { unit: u.id, x, y, from: alignment[u.id], to: t };
      }
    }
    return null;
  }, { alignment: al.units, units: byId });
  assert.ok(pick, 'a clickable unit with accounts');
  const from = pick.from;
  // Move it to a territory it borders.
  const to = pick.to;
  move = { unit: pick.unit, name: byId[pick.unit].name, from, to, accounts: byId[pick.unit].measures.accounts };
  const beforeFrom = await rowTotal(from), beforeTo = await rowTotal(to);
  assert.equal(typeof beforeTo, 'number', `panel total of ${to}`);
  await page.selectOption('#target-territory', to);
  assert.equal(await page.evaluate(() => window.regio.state.target), to, 'target chosen');
  await page.mouse.click(pick.x, pick.y);
  await page.waitForFunction(({ t, v }) => {
    const row = document.querySelector(`#balance-panel [data-territory="${CSS.escape(t)}"]`);
    const cell = row && (row.querySelector('.total[data-measure="accounts"]') || row.querySelector('.total'));
    return cell && Number(cell.dataset.value ?? cell.textContent) !== v;
  }, { t: to, v: beforeTo }, { timeout: 15000 });
  const afterFrom = await rowTotal(from), afterTo = await rowTotal(to);
  assert.equal(afterTo - beforeTo, move.accounts, `${to} total grows by the unit's ${move.accounts} accounts`);
  assert.equal(beforeFrom - afterFrom, move.accounts, `${from} total shrinks by the same`);
  const al2 = (await http(`${A}/models/${MODEL}/alignment`)).json;
  assert.equal(al2.units[move.unit], to, 'the API alignment has the unit in its new territory');
  assert.equal(al2.revision, al.revision + 1, 'one revision');
  const appState = await page.evaluate(u => ({ t: window.regio.state.alignment[u], rev: window.regio.state.revision }), move.unit);
  assert.equal(appState.t, to, 'the app state has the unit in its new territory');
  assert.equal(appState.rev, al2.revision, 'the app knows the new revision');
  await shot('after-move.png');
});

test('the compare view (#compare-a = snapshot, #compare-b = edited) lists the moved unit in #change-table', async () => {
  assert.ok(move, 'a unit was moved');
  phase = 'compare';
  const tab = await page.$('#tab-compare');
  if (tab) await tab.click();
  await page.selectOption('#compare-a', SNAPSHOT);
  await page.selectOption('#compare-b', MODEL);
  await page.click('#compare-run');
  const row = await page.waitForSelector(`#change-table tr[data-unit="${move.unit}"]`, { timeout: 15000 });
  const rows = await page.$$eval('#change-table tr[data-unit]', trs => trs.map(tr => ({ unit: tr.dataset.unit, text: tr.textContent })));
  assert.equal(rows.length, 1, `only the moved unit: ${JSON.stringify(rows)}`);
  const text = await row.textContent();
  assert.ok(text.includes(move.from) && text.includes(move.to), `row names ${move.from} and ${move.to}: ${text}`);
  const api = await http(`${A}/compare?a=${enc(SNAPSHOT)}&b=${enc(MODEL)}`);
  assert.equal(api.status, 200);
  assert.deepEqual(api.json.changes.map(c => c.unit), [move.unit], 'the API agrees');
  await row.scrollIntoViewIfNeeded();
  await shot('compare.png');
});

test('an account moved with its "Move to target" button counts in its new territory: the panel rows change by 1 account', async () => {
  assert.ok(move, 'a unit was moved');
  phase = 'account';
  // Out of the compare colouring, into select mode (no target).
  if (!(await page.$eval('#compare-clear', b => b.disabled))) await page.click('#compare-clear');
  await page.selectOption('#target-territory', '');
  // Select the moved unit with the unit search (name or id), then list its accounts.
  await page.fill('#unit-search', move.unit);
  await page.press('#unit-search', 'Enter');
  await page.click(`#unit-search-results [data-unit="${move.unit}"]`, { timeout: 15000 });
  await page.waitForSelector(`#unit-accounts[data-unit="${move.unit}"] tr[data-account]`, { timeout: 15000 });
  const acc = await page.$eval(`#unit-accounts tr[data-account]`, tr => ({ id: tr.dataset.account, from: tr.dataset.territory }));
  assert.equal(acc.from, move.to, `the account follows its unit into ${move.to}`);
  // Its new territory: where the unit came from.
  const dest = move.from;
  const measureCell = t => `#balance-panel tr[data-territory="${t}"] td.total[data-measure="accounts"]`;
  if (!(await page.$(measureCell(dest)))) {
    await page.check('#measure-accounts');
    await page.waitForSelector(measureCell(dest), { timeout: 15000 });
  }
  const accountsOf = t => page.$eval(measureCell(t), td => Number(td.dataset.value));
  const apiAccounts = async () => {
    const terr = (await http(`${A}/models/${MODEL}/territories`)).json.territories;
    return Object.fromEntries(terr.map(t => [t.id, t.totals.accounts]));
  };
  const beforeFrom = await accountsOf(acc.from), beforeTo = await accountsOf(dest);
  const apiBefore = await apiAccounts();
  const rev = (await http(`${A}/models/${MODEL}/alignment`)).json.revision;
  // The app's own path: choose the target, click the account row's button.
  await page.selectOption('#target-territory', dest);
  await page.click(`#unit-accounts tr[data-account="${acc.id}"] button.move-account`);
  await page.waitForSelector(`#unit-accounts tr[data-account="${acc.id}"][data-territory="${dest}"].override`, { timeout: 15000 });
  const al = (await http(`${A}/models/${MODEL}/alignment`)).json;
  assert.equal(al.accounts?.[acc.id], dest, 'the API lists the account override');
  assert.equal(al.revision, rev + 1, 'one revision');
  // The panel shows the server's figures: the move answer's, then the
  // refresh's (GET …/territories); wait for both rows to settle.
  await page.waitForFunction(({ a, b, va, vb }) => {
    const v = t => Number(document.querySelector(`#balance-panel tr[data-territory="${t}"] td.total[data-measure="accounts"]`)?.dataset.value);
    return v(a) !== va && v(b) !== vb;
  }, { a: acc.from, b: dest, va: beforeFrom, vb: beforeTo }, { timeout: 5000 }).catch(() => {});
  await page.waitForTimeout(1000);   // the background refresh after the edit (250 ms debounce)
  const afterFrom = await accountsOf(acc.from), afterTo = await accountsOf(dest);
  const apiAfter = await apiAccounts();
  await page.click('#tab-balance');
  await page.waitForTimeout(700);    // the tab's smooth scroll
  await shot('after-account-move.png');
  const server = `GET …/territories says ${dest}: ${apiBefore[dest]} → ${apiAfter[dest]}, ${acc.from}: ${apiBefore[acc.from]} → ${apiAfter[acc.from]}`;
  assert.equal(afterTo - beforeTo, 1, `${dest} row (accounts) rises by the account's 1: ${beforeTo} → ${afterTo} (${server})`);
  assert.equal(beforeFrom - afterFrom, 1, `${acc.from} row (accounts) falls by 1: ${beforeFrom} → ${afterFrom} (${server})`);
  assert.equal(afterTo, apiAfter[dest], 'the panel shows the server\'s figure');
});

test('no console or page errors during the move and the compare', async () => {
  const later = x => !x.startsWith('[load]');
  assert.deepEqual(consoleErrors.filter(later), []);
  assert.deepEqual(failedRequests.filter(later), []);
});

await run({
  after: async () => {
    if (browser) await browser.close().catch(() => {});
    if (srv && srv.exited() === null) await srv.stop();
    removeDir(dir);
  },
});

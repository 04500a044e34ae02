// Shared helpers of the browser tests: headless Debian Chromium through
// playwright-core with the flags every test uses, a page that records
// console errors and failed requests by phase, screenshots (to
// $REGIO_BUILD_DIR/e2e-artifacts/, and to docs/img/ with REGIO_DOC_IMAGES=1),
// signing a user in through the app's form, and the closing check that
// nothing failed but what a test expects.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { BUILD, SRC } from '../api/harness.mjs';

const CHROMIUM = process.env.REGIO_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = join(process.env.REGIO_BUILD_DIR || BUILD, 'e2e-artifacts');
const DOC_IMAGES = process.env.REGIO_DOC_IMAGES === '1' ? join(SRC, 'docs/img') : null;

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * A new page of `browser` in a context of `viewport` that records what goes
 * wrong: {page, log}, where log.phase names the step (set it as the test
 * goes), log.consoleErrors and log.failedResponses ({phase, status, method,
 * url}) collect the errors and the answers >= 400.
 */
export async function openPage(browser, viewport = { width: 1400, height: 850 }) {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  const log = { phase: 'setup', consoleErrors: [], failedResponses: [] };
  page.on('console', m => { if (m.type() === 'error') log.consoleErrors.push(`[${log.phase}] console: ${m.text()}`); });
  page.on('pageerror', e => log.consoleErrors.push(`[${log.phase}] pageerror: ${e.message}`));
  page.on('response', r => { if (r.status() >= 400) log.failedResponses.push({ phase: log.phase, status: r.status(), method: r.request().method(), url: r.url() }); });
  return { page, log };
}

/** Saves a screenshot of page as e2e-artifacts/NAME, and as docs/img/DOCNAME with REGIO_DOC_IMAGES=1. */
/** Opens the app at url in a new page of browser and shows its Design tab
 *  (single-user mode): {page, log}. */
export async function openDesignTab(browser, url, viewport = { width: 1400, height: 1100 }) {
  const { page, log } = await openPage(browser, viewport);
  await page.goto(url, { waitUntil: 'load', timeout: 60000 });
  if (await ready(page) !== true) throw new Error('window.regio.ready did not resolve');
  await page.click('#tab-design');
  await page.waitForSelector('#job-form', { state: 'visible', timeout: 15000 });
  return { page, log };
}

/** Ticks exactly the measures `on` among the job form's balance boxes. */
export async function chooseBalance(page, on) {
  for (const m of ['accounts', 'revenue', 'potential']) {
    const box = await page.$(`#job-balance-${m}`);
    if (box) await box.setChecked(on.includes(m));
  }
}

export async function shot(page, name, docName) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const p = join(ARTIFACTS, name);
  await page.screenshot({ path: p });
  console.log(`     screenshot: ${p}`);
  if (DOC_IMAGES && docName) { copyFileSync(p, join(DOC_IMAGES, docName)); console.log(`     and docs/img/${docName}`); }
}

/** window.regio.ready, or 'timeout' after a minute. */
export const ready = page => page.evaluate(() => Promise.race([window.regio.ready, new Promise(r => setTimeout(() => r('timeout'), 60000))]));

/** Signs `user` in through the form (signing whoever is in out first) and waits for the app. */
export async function signInReady(page, log, user, password) {
  log.phase = user;
  if (await page.$('#signout-button')) await Promise.all([page.waitForEvent('load'), page.click('#signout-button')]);
  await page.waitForSelector('#signin-form', { state: 'visible', timeout: 15000 });
  await page.fill('#signin-username', user);
  await page.fill('#signin-password', password);
  await page.click('#signin-submit');
  assert.equal(await ready(page), true, `the app is ready for ${user}`);
  assert.equal(await page.evaluate(() => window.regio.session?.user?.username), user);
}

/** No console errors and no failed requests but the 401 of GET /session before a sign-in. */
export function assertNothingFailed(log) {
  const expected = f => f.status === 401 && /\/api\/v1\/session$/.test(f.url);
  assert.deepEqual(log.failedResponses.filter(f => !expected(f)), [], 'unexpected failed requests');
  const resourceErr = /Failed to load resource: the server responded with a status of 401/;
  assert.deepEqual(log.consoleErrors.filter(e => !resourceErr.test(e)), [], 'console errors');
}

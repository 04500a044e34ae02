// Browser test of proposals and reasons (issue 14; web/js/jobs.js,
// reasons.js, compare.js, map.js): on the small store with a loosely
// balanced model `base` (4 territories, accounts within 15%), the Design
// tab runs a realign with 3 proposals; the app lists the job's proposals
// side by side (one row each, the API's figures); "View" on the second
// shows that model; comparing it with `base` gives every changed unit its
// reason in the change table ("Why it moved"), and a moved unit's tooltip
// on the map says why it moved. Screenshots in $REGIO_BUILD_DIR/e2e-artifacts/.
// Prints "N passed, N failed".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test, run, tempDir, removeDir, buildSmallStore, startServer, http, waitJob, BIN } from '../api/harness.mjs';
import { launch, openDesignTab, chooseBalance, shot, assertNothingFailed } from './browser.mjs';

const dir = tempDir('regio-prop-e2e-');
const db = join(dir, 'small.db');
let srv = null, browser = null, page = null, log = null, A = '', job = null;

test('setup: the small store, a loose base model, the app on the Design tab', async () => {
  buildSmallStore(db, { design: false });
  const d = spawnSync(BIN, ['design', '--k', '4', '--balance', 'accounts', '--tolerance', '0.15', '--seed', '2',
    '--model', 'base', '--db', db], { encoding: 'utf8' });
  assert.equal(d.status, 0, d.stderr);
  srv = await startServer(db, []);
  A = srv.base;
  browser = await launch();
  ({ page, log } = await openDesignTab(browser, srv.url));
});

test('a realign with 3 proposals: the app lists them side by side', async () => {
  log.phase = 'proposals';
  await page.selectOption('#job-kind', 'realign');
  await page.fill('#job-seed', '3');
  await page.fill('#job-tolerance', '0.03');
  await page.fill('#job-max-moved', '0.3');
  await page.fill('#job-time', '600');
  await chooseBalance(page, ['accounts']);
  await page.click('#job-advanced > summary');
  await page.fill('#job-proposals', '3');
  await page.fill('#job-target', 'app-prop');
  await page.click('#job-run');
  const id = await page.waitForFunction(() => {
    const m = document.getElementById('job-state').textContent.match(/^Job (\d+)/);
    return m ? m[1] : null;
  }, null, { timeout: 15000 }).then(h => h.jsonValue());
  job = await waitJob(A, id, 240000);
  assert.equal(job.state, 'done', `job: ${job.message}`);
  assert.equal(job.params.proposals, 3, 'proposals sent');
  const props = job.result.proposals;
  assert.ok(props.length >= 2, `proposals: ${props.length}`);
  await page.waitForFunction(n => document.querySelectorAll('#job-proposals-table tbody tr').length === n, props.length, { timeout: 30000 });
  const rows = await page.$$eval('#job-proposals-table tbody tr', trs => trs.map(tr => [...tr.children].map(td => td.textContent)));
  const head = await page.$$eval('#job-proposals-table thead th', ths => ths.map(th => th.textContent));
  const movedCol = head.indexOf('Moved units');
  assert.ok(movedCol > 0, head.join('|'));
  for (const [i, p] of props.entries()) {
    assert.equal(rows[i][1], p.model);
    assert.equal(rows[i][movedCol], p.summary.moved_units.toLocaleString('en-US'));
  }
  await page.$eval('#job-proposals-box', e => e.scrollIntoView());
  await shot(page, 'proposals_table.png');
  assertNothingFailed(log);
});

test('View shows a proposal; the change table and the tooltip say why units moved', async () => {
  log.phase = 'reasons';
  const pick = job.result.proposals[0].summary.moved_units > 0 ? job.result.proposals[0] : job.result.proposals[1];
  await page.click(`#job-proposals-table tr[data-model="${pick.model}"] button`);
  await page.waitForFunction(m => window.regio.state.model === m, pick.model, { timeout: 30000 });
  const why = (await http(`${A}/models/${encodeURIComponent(pick.model)}/reasons`)).json.reasons;
  assert.equal(Object.keys(why).length, pick.summary.moved_units);
  await page.evaluate(([a, b]) => window.regio.compare(a, b), ['base', pick.model]);
  await page.waitForFunction(n => document.querySelectorAll('#change-table tbody tr').length === n, pick.summary.moved_units, { timeout: 30000 });
  const cells = await page.$$eval('#change-table tbody tr', trs => trs.map(tr => [tr.dataset.unit, tr.lastElementChild.textContent]));
  for (const [u, text] of cells) assert.equal(text, why[u].text, `unit ${u}`);
  // the tooltip of the first moved unit
  const unit = cells[0][0];
  await page.waitForFunction(() => Object.keys(window.regio.state.reasons || {}).length > 0, null, { timeout: 15000 });
  await page.evaluate(u => {
    window.regio.map.eachLayer(l => { if (l.unitId === u) l.fire('mouseover', {}, true); });
  }, unit);
  await page.waitForFunction(t => (document.getElementById('map-info')?.textContent || '').includes('Why: ' + t), why[unit].text, { timeout: 15000 });
  await page.$eval('#change-table', e => e.scrollIntoView());
  await shot(page, 'proposals_reason.png');
  assertNothingFailed(log);
});

await run({
  after: async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
    removeDir(dir);
  },
});

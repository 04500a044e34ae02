// Browser test of the design form's "Advanced" options (web/js/jobs.js): on
// the small store in single-user mode, the Design tab runs a design of 3
// territories with objective diameter, accounts held within its own 4%
// and a seed; the job the app starts carries those options (GET /jobs/{id}
// params), and its model has the alignment `regio design` gives with the
// same options and seed. Screenshot in $REGIO_BUILD_DIR/e2e-artifacts/.
// Prints "N passed, N failed".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test, run, tempDir, removeDir, buildSmallStore, startServer, http, waitJob, BIN } from '../api/harness.mjs';
import { launch, openDesignTab, chooseBalance, shot, assertNothingFailed } from './browser.mjs';

const dir = tempDir('regio-opts-e2e-');
const db = join(dir, 'small.db');
let srv = null, browser = null, page = null, log = null, A = '';

const alignment = async m => (await http(`${A}/models/${encodeURIComponent(m)}/alignment`)).json.units;

test('setup: the small store, the app on the Design tab', async () => {
  buildSmallStore(db);
  srv = await startServer(db, []);
  A = srv.base;
  browser = await launch();
  ({ page, log } = await openDesignTab(browser, srv.url));
});

test('a design with Advanced options: the job uses them, as regio design does', async () => {
  log.phase = 'design';
  await page.selectOption('#job-kind', 'design');
  await page.fill('#job-k', '3');
  await page.fill('#job-seed', '9');
  await page.fill('#job-tolerance', '0.1');
  await chooseBalance(page, ['accounts', 'revenue']);
  await page.click('#job-advanced > summary');
  await page.waitForSelector('#job-objective', { state: 'visible' });
  await page.selectOption('#job-objective', 'diameter');
  await page.fill('#job-tol-accounts', '0.04');
  await page.fill('#job-target', 'app-opts');
  await shot(page, 'design_advanced.png');
  await page.click('#job-run');
  const id = await page.waitForFunction(() => {
    const t = document.getElementById('job-state').textContent;
    const m = t.match(/^Job (\d+)/);
    return m ? m[1] : null;
  }, null, { timeout: 15000 }).then(h => h.jsonValue());
  const j = await waitJob(A, id, 120000);
  assert.equal(j.state, 'done', `job: ${j.message}`);
  assert.equal(j.params.objective, 'diameter', 'objective sent');
  assert.equal(j.params.tolerance, '0.1,accounts=0.04', 'per-measure tolerance sent');
  assert.deepEqual(j.params.balance, ['accounts', 'revenue']);
  assert.equal(j.params.seed, 9);
  const r = spawnSync(BIN, ['design', '--k', '3', '--balance', 'accounts,revenue', '--tolerance', '0.1,accounts=0.04',
    '--objective', 'diameter', '--seed', '9', '--model', 'cli-opts', '--db', db], { encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 3, r.stderr);
  assert.deepEqual(await alignment('app-opts'), await alignment('cli-opts'), 'the app\'s design = regio design with the same options');
  await page.waitForFunction(() => /Result: app-opts/.test(document.getElementById('job-result').textContent), null, { timeout: 30000 });
  assertNothingFailed(log);
});

await run({
  after: async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
    removeDir(dir);
  },
});

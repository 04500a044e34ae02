// Assignment rules through the API (issue 12, part 1): a territory's own and
// inherited rules, create / change / delete, the live count of a rule being
// edited, and rule runs (dry and real) — each with docs/ACCESS.md rule 10:
// manage_territories, or a manager/admin membership in the territory or an
// ancestor (in the model in force); a member who may read the territory
// gets 403 on a write, someone who cannot see it 404. On the small store
// (Colorado, the 4,000 sample accounts) with model `now` in force since
// 2020-01-01 and Region over T01 and T02; ops holds manage_territories, mia
// manages Region, ana is a rep in T01. The counts are checked against SQL
// over the accounts table, the run against the CLI's dry run (nothing left
// to do) and the store. Prints ok/FAIL per test and "N passed, N failed".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import {
  test, run, tempDir, removeDir, buildSmallStore, startServer, http, testStore, storeSql, STORE, BIN, SRC,
} from './harness.mjs';

const dir = tempDir('regio-rules-');
const db = testStore(dir, 'rules');
let srv = null, A = '';
const tokens = {};

function cli(args, { allowFail = false } = {}) {
  const r = spawnSync(BIN, [...args, '--db', db], {
    cwd: SRC, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0 && !allowFail)
    throw new Error(`regio ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return allowFail ? r : r.stdout;
}
const sql = q => storeSql(db, q);

const as = (user, path, opts = {}) =>
  http(A + path, { ...opts, headers: { ...(opts.headers || {}), Authorization: `Bearer ${tokens[user]}` } });
const post = (user, path, body) => as(user, path, { method: 'POST', body });
const del = (user, path) => as(user, path, { method: 'DELETE' });

const healthRule = {
  name: 'health', logic: '1 AND (2 OR NOT 3)', inherit: false,
  criteria: [
    { field: 'industry', operator: 'equals', value: 'healthcare' },
    { field: 'employees', operator: 'greater_than', value: '50' },
    { field: 'source', operator: 'equals', value: 'Website' },
  ],
};
const regionRule = {
  name: 'not C', inherit: true, criteria: [{ field: 'segment', operator: 'in', value: 'A;B' }],
};
let healthId = 0, regionId = 0;

test('setup: model now in force, Region over T01 and T02; ops, mia (manager of Region), ana (rep in T01)', async () => {
  buildSmallStore(db);
  cli(['model', 'clone', 'base', 'now']);
  cli(['model', 'promote', 'now', '--effective', '2020-01-01']);
  const f = name => join(dir, name);
  writeFileSync(f('t.csv'), 'name,parent\nRegion,\nT01,Region\nT02,Region\n');
  cli(['import', 'territories', f('t.csv'), '--model', 'now']);
  writeFileSync(f('users.csv'), 'username,name,email,role,permissions\nops,Ops,,,manage_territories\nmia,Mia,,,\nana,Ana,,,\n');
  cli(['import', 'users', f('users.csv')]);
  writeFileSync(f('m.csv'), 'user,territory,role\nmia,Region,manager\nana,T01,rep\n');
  cli(['import', 'memberships', f('m.csv'), '--model', 'now']);
  sql("UPDATE accounts SET excluded_from_realign = 1 WHERE ext_id IN ('ACC-000001', 'ACC-000002')");
  for (const u of ['ops', 'mia', 'ana']) tokens[u] = cli(['user', 'token', u]).trim().split(/\s+/).pop();
  srv = await startServer(db);
  A = srv.base;
});

test('POST /models/now/territories/{t}/rules: 201 with the stored rule; rule 10 for mia and ana', async () => {
  let r = await post('ops', '/models/now/territories/Region/rules', regionRule);
  assert.equal(r.status, 201, r.text);
  regionId = r.json.rule.id;
  assert.equal(r.json.rule.territory, 'Region');
  assert.equal(r.json.rule.inherit, true);
  r = await post('mia', '/models/now/territories/T01/rules', healthRule);
  assert.equal(r.status, 201, 'a manager of Region creates a rule in T01: ' + r.text);
  healthId = r.json.rule.id;
  assert.deepEqual(r.json.rule.criteria, healthRule.criteria);
  r = await post('ana', '/models/now/territories/T01/rules', { ...healthRule, name: 'mine' });
  assert.equal(r.status, 403, 'ana reads T01 but may not change it: ' + r.text);
  r = await post('mia', '/models/now/territories/T03/rules', { ...healthRule, name: 'x' });
  assert.equal(r.status, 404, 'mia cannot see T03: ' + r.text);
  r = await post('ops', '/models/now/territories/T01/rules', healthRule);
  assert.equal(r.status, 422, 'a second rule named health in T01');
  r = await post('ops', '/models/now/territories/T01/rules', { ...healthRule, name: 'bad', logic: '(1 AND 2' });
  assert.equal(r.status, 400, r.text);
  assert.match(r.json.error.message, /at column 9: expected '\)'/);
  r = await post('ops', '/models/now/territories/T01/rules', { name: 'bad', criteria: [{ field: 'industry', operator: 'less_than', value: '5' }] });
  assert.equal(r.status, 422);
  assert.match(r.json.error.message, /'industry' is a text field/);
  r = await post('ops', '/models/now/territories/T01/rules', { name: 'bad', criteria: [] });
  assert.equal(r.status, 400);
  r = await post('ops', '/models/now/territories/Nowhere/rules', healthRule);
  assert.equal(r.status, 404);
});

test('GET /models/now/territories/T01/rules: own and inherited rules, can_manage per caller', async () => {
  let r = await as('ana', '/models/now/territories/T01/rules');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.rules.map(x => x.name), ['health']);
  assert.deepEqual(r.json.inherited.map(x => [x.territory, x.name]), [['Region', 'not C']]);
  assert.equal(r.json.can_manage, false);
  r = await as('mia', '/models/now/territories/T01/rules');
  assert.equal(r.json.can_manage, true);
  r = await as('ana', '/models/now/territories/T03/rules');
  assert.equal(r.status, 404, 'ana cannot see T03');
});

test('POST …/rules/count: the live count equals SQL over the accounts', async () => {
  const r = await post('ana', '/models/now/territories/T01/rules/count', healthRule);
  assert.equal(r.status, 403, 'counting is for those who may edit the rule');
  const c = await post('mia', '/models/now/territories/T01/rules/count', { ...healthRule, id: healthId });
  assert.equal(c.status, 200, c.text);
  // the custom field "source" of the accounts' attributes (JSON text)
  const source = STORE === 'pg' ? `(attrs::json ->> 'source')` : `json_extract(attrs, '$.source')`;
  const sat = Number(sql(`SELECT count(*) FROM accounts WHERE lower(trim(industry)) = 'healthcare'
    AND (employees > 50 OR lower(trim(coalesce(${source}, ''))) <> 'website')`));
  const match = Number(sql(`SELECT count(*) FROM accounts WHERE lower(trim(industry)) = 'healthcare'
    AND (employees > 50 OR lower(trim(coalesce(${source}, ''))) <> 'website')
    AND upper(trim(segment)) IN ('A', 'B') AND excluded_from_realign = 0`));
  assert.ok(sat > 100 && match > 50 && match < sat, `${sat} ${match}`);
  assert.deepEqual(c.json, { satisfying: sat, matching: match, accounts: 4000 });
  const bad = await post('mia', '/models/now/territories/T01/rules/count', { ...healthRule, logic: '1 AND 4' });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.error.field, 'logic');
  assert.equal(bad.json.error.column, 7);
  const typo = await post('mia', '/models/now/territories/T01/rules/count', { ...healthRule, criteria: [{ field: 'industy', operator: 'equals', value: 'x' }] });
  assert.equal(typo.status, 422);
  assert.equal(typo.json.error.field, 'field');
});

test('POST /models/now/rules/run: dry run writes nothing, the run agrees with the CLI and the store', async () => {
  let r = await post('mia', '/models/now/rules/run', { dry_run: true });
  assert.equal(r.status, 403, 'the whole model needs manage_territories');
  const before = sql("SELECT count(*) FROM account_territories WHERE cause = 'rule'");
  r = await post('ops', '/models/now/rules/run', { dry_run: true });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.dry_run, true);
  assert.equal(sql("SELECT count(*) FROM account_territories WHERE cause = 'rule'"), before);
  const dry = r.json;
  r = await post('ops', '/models/now/rules/run', {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.added, dry.added);
  assert.equal(r.json.accounts, 4000);
  assert.equal(r.json.excluded, 2);
  const stored = Object.fromEntries(sql(`SELECT t.ext_id, count(*) FROM account_territories at JOIN territories t
    ON t.id = at.territory_id WHERE at.cause = 'rule' GROUP BY t.ext_id`).split('\n').map(l => l.split('|')).map(([t, n]) => [t, Number(n)]));
  assert.deepEqual(Object.fromEntries(r.json.changes.map(c => [c.territory, c.added])), stored);
  assert.ok(stored.T01 > 0 && stored.Region > stored.T01 && stored.T02 === stored.Region, JSON.stringify(stored));
  const again = cli(['rules', 'run', '--model', 'now', '--dry-run']);
  assert.match(again, /0 to add, 0 to remove/, again);
  r = await post('mia', '/models/now/rules/run', { territory: 'Region', dry_run: true });
  assert.equal(r.status, 200, 'mia runs her subtree: ' + r.text);
  assert.equal(r.json.territories, 3);
  r = await post('mia', '/models/now/rules/run', { territory: 'T03' });
  assert.equal(r.status, 404);
  r = await post('ana', '/models/now/rules/run', { territory: 'T01' });
  assert.equal(r.status, 403);
});

test('POST /models/now/rules/{id} and DELETE: changed, then gone; the audit log names who', async () => {
  let r = await post('mia', `/models/now/rules/${healthId}`, { ...healthRule, logic: '1 AND 2' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.rule.logic, '1 AND 2');
  assert.equal(r.json.rule.territory, 'T01');
  r = await del('ana', `/models/now/rules/${healthId}`);
  assert.equal(r.status, 403);
  r = await post('mia', `/models/now/rules/${regionId}`, { ...regionRule, active: true });
  assert.equal(r.status, 200, 'rule 10 covers the territory of the membership itself: ' + r.text);
  r = await post('ana', `/models/now/rules/999999`, regionRule);
  assert.equal(r.status, 404);
});

test('DELETE /models/now/rules/{id}: deleted, then 404', async () => {
  let r = await del('ops', `/models/now/rules/${healthId}`);
  assert.equal(r.status, 200, r.text);
  r = await del('ops', `/models/now/rules/${healthId}`);
  assert.equal(r.status, 404);
  r = await del('ops', '/models/now/rules/abc');
  assert.equal(r.status, 400);
  const log = sql(`SELECT actor || ':' || action FROM audit_log WHERE action LIKE 'rule%' ORDER BY id`).split('\n');
  assert.deepEqual(log, ['ops:rule.create', 'mia:rule.create', 'ops:rules.run', 'mia:rule.update',
    'mia:rule.update', 'ops:rule.delete']);
});

run({ after: async () => { if (srv) await srv.stop(); removeDir(dir); } });

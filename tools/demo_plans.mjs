#!/usr/bin/env node
// The call plans of `make run`: every territory of the live model with a rep
// planned with Regio's own command (regio plan --model --territory, saved in
// the store) from the Monday of the current week, so that the check-in page
// (/checkin) shows each rep the stops of the day. A territory whose rep lives
// too far to reach any account within a day gets no plan (regio plan says
// why). Plans saved by an earlier run (named checkin-demo/...) are kept.
//
//   node tools/demo_plans.mjs --db regio-sample.db --regio build/regio [--live sample-live]
import { execFileSync, spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
function opt(name, dflt) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
const db = opt('db', process.env.REGIO_DB || 'regio-sample.db');
const bin = opt('regio', 'build/regio');
const live = opt('live', 'sample-live');
const PREFIX = 'checkin-demo/';

const regio = argv => execFileSync(bin, [...argv, '--db', db], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });

if (regio(['audit', 'list']).includes(`"name":"${PREFIX}`)) {
  console.log(`   call plans for the check-in page: saved by an earlier run (${PREFIX}...)`);
  process.exit(0);
}
const monday = new Date();
monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
const start = monday.toISOString().slice(0, 10);
const gj = JSON.parse(regio(['export', 'territories', '--model', live, '--format', 'geojson', '--out', '-']));
const leaves = gj.features.filter(f => f.properties.rep).map(f => ({ id: f.id, rep: f.properties.rep }))
  .sort((a, b) => (a.id < b.id ? -1 : 1));
const saved = [], none = [];
for (const t of leaves) {
  const r = spawnSync(bin, ['plan', '--model', live, '--territory', t.id, '--start', start, '--time-limit', '1',
    '--name', `${PREFIX}${t.id}`, '--db', db], { encoding: 'utf8' });
  // Exit 3: saved, a best effort (some visits did not fit).
  if ((r.status === 0 || r.status === 3) && /saved as plan/.test(r.stdout + r.stderr)) saved.push(t.rep);
  else none.push(t.id);
}
console.log(`   call plans for the check-in page from ${start}: ${saved.length} reps (e.g. ${saved.slice(0, 3).join(', ')})` +
  (none.length ? `; none for ${none.join(', ')} (the rep lives too far)` : ''));

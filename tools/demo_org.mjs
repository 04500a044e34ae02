#!/usr/bin/env node
// The demo organisation of `make run`, built with Regio's own commands:
// regions above the sample design's territories (five, west to east by the
// territories' centres), a live model promoted from the design, a role
// hierarchy (VP Sales > Regional Manager > Sales Rep; Sales Ops beside it),
// users for the VP, the five regional managers, the rep of every territory
// and an ops analyst with manage_territories, memberships (each rep owns
// their territory, each manager manages their region) and one demo
// password. Prints the demo logins. Does nothing but print them when the
// live model exists already.
//
//   node tools/demo_org.mjs --db regio-sample.db --regio build/regio
//        [--design sample-design] [--live sample-live] [--password P]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opt, db, bin } from './demo_args.mjs';

const design = opt('design', 'sample-design');
const live = opt('live', 'sample-live');
const password = opt('password', 'regio-demo-2027');
const REGIONS = ['west', 'mountain', 'central', 'lakes', 'east'];
const REGION_NAMES = { west: 'West', mountain: 'Mountain', central: 'Central', lakes: 'Great Lakes', east: 'East' };

function regio(argv, input) {
  return execFileSync(bin, [...argv, '--db', db], {
    encoding: 'utf8', input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
}
function exists(model) {
  try { regio(['model', 'show', model]); return true; } catch { return false; }
}
function csv(rows) {
  const cell = (v) => (/[",\n]/.test(String(v ?? '')) ? `"${String(v).replace(/"/g, '""')}"` : String(v ?? ''));
  return rows.map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

function printLogins(reps) {
  console.log(`== Demo sign-ins (password for all: ${password})`);
  console.log('   vp            VP Sales: sees every territory (through the role hierarchy)');
  for (const r of REGIONS) console.log(`   mgr-${r.padEnd(9)} Manager ${REGION_NAMES[r]}: sees the region`);
  console.log(`   ${(reps[0] || 'REP-01').padEnd(13)} a rep (likewise every REP-xx with a territory): sees their own territory`);
  console.log('   ops           Sales Ops, manage_territories: edits models and the organisation');
}

const tmp = mkdtempSync(join(tmpdir(), 'regio-demo-'));
try {
  if (exists(live)) {
    const gj = JSON.parse(regio(['export', 'territories', '--model', live, '--format', 'geojson', '--out', '-']));
    printLogins(gj.features.map((f) => f.properties.rep).filter(Boolean).sort());
    process.exit(0);
  }
  // The design's territories, their reps and centres.
  const gj = JSON.parse(regio(['export', 'territories', '--model', design, '--format', 'geojson', '--out', '-']));
  const leaves = gj.features.filter((f) => f.geometry).map((f) => {
    let sx = 0, n = 0;
    const walk = (c) => (typeof c[0] === 'number' ? (sx += c[0], n++) : c.forEach(walk));
    walk(f.geometry.coordinates);
    return { id: f.id, rep: f.properties.rep, lon: sx / n };
  }).sort((a, b) => a.lon - b.lon || (a.id < b.id ? -1 : 1));
  const per = Math.ceil(leaves.length / REGIONS.length);
  leaves.forEach((t, i) => { t.region = `R-${REGIONS[Math.min(REGIONS.length - 1, Math.floor(i / per))].toUpperCase()}`; });

  // Regions above the territories, in the design (a planning model), then the live model.
  const terr = [['name', 'parent', 'account_access']];
  for (const r of REGIONS) terr.push([`R-${r.toUpperCase()}`, '', 'read']);
  for (const t of leaves) terr.push([t.id, t.region, 'edit']);
  writeFileSync(join(tmp, 'territories.csv'), csv(terr));
  regio(['import', 'territories', join(tmp, 'territories.csv'), '--model', design]);
  regio(['model', 'clone', design, live, '--description', 'the live alignment of the demo organisation']);
  regio(['model', 'promote', live, '--effective', '2026-01-01']);

  const roles = [['role', 'parent'], ['VP Sales', ''], ['Sales Ops', '']];
  for (const r of REGIONS) {
    roles.push([`Manager ${REGION_NAMES[r]}`, 'VP Sales']);
    roles.push([`Rep ${REGION_NAMES[r]}`, `Manager ${REGION_NAMES[r]}`]);
  }
  writeFileSync(join(tmp, 'roles.csv'), csv(roles));
  regio(['import', 'roles', join(tmp, 'roles.csv')]);

  // Rep users keep the names and e-mails of the reps file.
  const repRows = readFileSync(new URL('../data/sample/reps.csv', import.meta.url), 'utf8').trim().split('\n');
  const head = repRows[0].split(',');
  const col = (name) => head.indexOf(name);
  const repInfo = new Map(repRows.slice(1).map((l) => l.split(',')).map((c) => [c[col('id')], { name: c[col('name')], email: c[col('email')] }]));
  const users = [['username', 'name', 'email', 'role', 'permissions'],
    ['vp', 'Valerie Park', 'vp@example.com', 'VP Sales', ''],
    ['ops', 'Omar Sato', 'ops@example.com', 'Sales Ops', 'manage_territories']];
  for (const r of REGIONS) users.push([`mgr-${r}`, `${REGION_NAMES[r]} Manager`, `mgr-${r}@example.com`, `Manager ${REGION_NAMES[r]}`, '']);
  const regionName = (t) => REGION_NAMES[t.region.slice(2).toLowerCase()];
  const reps = leaves.map((t) => t.rep).filter(Boolean);
  for (const t of leaves) {
    if (t.rep) users.push([t.rep, repInfo.get(t.rep)?.name || t.rep, repInfo.get(t.rep)?.email || '', `Rep ${regionName(t)}`, '']);
  }
  writeFileSync(join(tmp, 'users.csv'), csv(users));
  regio(['import', 'users', join(tmp, 'users.csv')]);

  const members = [['user', 'territory', 'role', 'active', 'start', 'end']];
  for (const r of REGIONS) members.push([`mgr-${r}`, `R-${r.toUpperCase()}`, 'manager', '1', '', '']);
  for (const t of leaves) if (t.rep) members.push([t.rep, t.id, 'owner', '1', '', '']);
  writeFileSync(join(tmp, 'memberships.csv'), csv(members));
  regio(['import', 'memberships', join(tmp, 'memberships.csv'), '--model', live]);

  for (const u of users.slice(1)) regio(['user', 'passwd', u[0], '--password-stdin'], `${password}\n`);
  printLogins(reps.sort());
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

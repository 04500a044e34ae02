// The organisation panel (Org tab): the territory hierarchy of the model shown
// as a tree — drag a territory onto another to make it its child, or onto
// "top level" — and the members of the selected territory (add with user,
// role and dates, deactivate, remove). It is there for those who may
// administer territories (docs/ACCESS.md rule 10): users with
// manage_territories (session.manages), and managers or admins by membership,
// for the subtree of the territory they hold that membership in (only in the
// model in force). What they may not change is shown without controls; the
// server decides every change, and its error message is what is shown.
import { state, on, status, el, colorOf, repName } from './state.js';
import * as fmt from './format.js';
import { request } from './api.js';
import * as model from './model.js';
import * as auth from './auth.js';

const enc = encodeURIComponent;
const ROLES = ['owner', 'rep', 'overlay', 'manager', 'admin'];
const plural = (n, one, many = one + 's') => `${fmt.count(n)} ${n === 1 ? one : many}`;
const today = () => new Date().toISOString().slice(0, 10);

let memberships = [];      // every membership of the model shown that the caller may read
let users = new Map();     // username → {username, name, active} (GET /users for managers)
let selected = null;       // territory id whose members are shown
let loadedFor = null;      // model the memberships are of

const me = () => auth.session()?.user?.username || null;
const inForce = () => auth.session()?.model_in_force || null;

/** Whether a membership counts today (active, and its dates cover today: end exclusive). */
const current = m => m.active && (!m.start || m.start <= today()) && (!m.end || m.end > today());

/** Territories the caller holds a manager or admin membership in (in `list`, for the model in force). */
function adminRoots(list) {
  return new Set(list.filter(m => m.user === me() && (m.role === 'manager' || m.role === 'admin') && current(m)).map(m => m.territory));
}

/** Whether the panel is offered at all: managers, and users who manage or
 *  administer a territory of the model in force. */
export async function available() {
  const s = auth.session();
  if (!s) return false;
  if (s.manages) return true;
  if (!s.model_in_force || !me()) return false;
  try {
    const r = await request('GET', `/models/${enc(s.model_in_force)}/memberships`);
    return adminRoots(r.memberships || []).size > 0;
  } catch { return false; }
}

function parentOf(id) { return model.hierarchy().find(n => n.id === id)?.parent ?? null; }
function nodeOf(id) { return model.hierarchy().find(n => n.id === id) || null; }
/** `id` and every territory below it. */
function subtree(id) {
  const out = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of model.hierarchy()) if (n.parent && out.has(n.parent) && !out.has(n.id)) { out.add(n.id); grew = true; }
  }
  return out;
}
/** Rule 10 as far as the app can tell: manage_territories, or a manager /
 *  admin membership in the territory or above it (model in force only). */
export function canAdmin(id) {
  if (auth.manages()) return true;
  if (!id || model.name() !== inForce()) return false;
  const roots = adminRoots(memberships);
  for (let p = id, guard = 0; p && guard < 64; p = parentOf(p), guard++) if (roots.has(p)) return true;
  return false;
}

// ---- figures ----
function leafIds(id) { const s = subtree(id); return model.territories().filter(t => s.has(t.id)); }
function figures(id) {
  const leaves = leafIds(id);
  const units = leaves.reduce((a, t) => a + (t.units || 0), 0);
  const acc = leaves.reduce((a, t) => a + (t.totals?.accounts || 0), 0);
  const parts = [];
  if (leaves.length > 1 || (leaves.length === 1 && leaves[0].id !== id)) parts.push(plural(leaves.length, 'territory', 'territories'));
  parts.push(plural(units, 'unit'));
  if (leaves.some(t => t.totals && 'accounts' in t.totals)) parts.push(plural(Math.round(acc), 'account'));
  return parts.join(' · ');
}

// ---- loading ----
async function loadMemberships() {
  const name = model.name();
  if (!name) { memberships = []; return; }
  const r = await request('GET', `/models/${enc(name)}/memberships`);
  if (model.name() !== name) return;
  memberships = r.memberships || [];
  loadedFor = name;
}

async function loadUsers() {
  if (!auth.manages() || auth.session()?.mode !== 'users') return;
  try {
    const r = await request('GET', '/users');
    users = new Map((r.users || []).map(u => [u.username, u]));
  } catch { /* names are a nicety */ }
}

/** A user as people read them: their name (GET /users for managers; else the
 *  caller's own, or the rep of that login) and the login. */
function userLabel(u) {
  const s = auth.session();
  const name = users.get(u)?.name || (s?.user?.username === u ? s.user.name : null)
    || (state.reps || []).find(r => r.id === u)?.name;
  return name && name !== u ? `${name} (${u})` : u;
}
const dates = m => (m.start && m.end ? `${m.start} → ${m.end}` : m.start ? `from ${m.start}` : m.end ? `until ${m.end}` : '—');

// ---- rendering ----
function showOrgError(e, what) {
  const box = document.getElementById('org-error');
  const msg = e ? (e.message || String(e)) : '';
  box.textContent = msg;
  box.hidden = !msg;
  if (e) status(`${what}: ${msg}`, 'error');
}

function render() {
  const tree = document.getElementById('org-tree');
  if (!tree) return;
  const nodes = model.hierarchy();
  const root = document.getElementById('org-root-drop');
  root.hidden = !auth.manages() || !nodes.length;
  const kids = new Map();
  const ids = new Set(nodes.map(n => n.id));
  for (const n of nodes) {
    const p = n.parent && ids.has(n.parent) ? n.parent : null;
    if (!kids.has(p)) kids.set(p, []);
    kids.get(p).push(n);
  }
  const members = new Map();
  for (const m of memberships) members.set(m.territory, (members.get(m.territory) || 0) + (current(m) ? 1 : 0));
  const item = n => {
    const sub = kids.get(n.id) || [];
    const admin = canAdmin(n.id);
    const leaf = model.territory(n.id);
    const nm = members.get(n.id) || 0;
    const row = el('div', { class: 'org-node' + (admin ? ' can-admin' : '') + (n.id === selected ? ' selected' : ''), draggable: admin ? 'true' : null,
      dataset: { territory: n.id }, tabindex: '0', title: admin ? 'Drag onto another territory to move it there; click to see its members' : 'Click to see its members' },
    admin ? el('span', { class: 'org-handle', 'aria-hidden': 'true', text: '⠿' }) : null,
    leaf ? el('span', { class: 'swatch', style: `background:${colorOf(n.id)}` }) : el('span', { class: 'org-branch', text: sub.length ? '▾' : '·' }),
    el('span', { class: 'org-name', text: n.name || n.id }),
    n.name && n.name !== n.id ? el('span', { class: 'muted org-id', text: n.id }) : null,
    n.rep ? el('span', { class: 'org-rep', text: repName(n.rep) }) : null,
    el('span', { class: 'org-figures muted', text: figures(n.id) + (nm ? ` · ${plural(nm, 'member')}` : '') }));
    return el('li', { role: 'treeitem', 'aria-expanded': sub.length ? 'true' : null, dataset: { territory: n.id } }, row,
      sub.length ? el('ul', { role: 'group' }, sub.map(item)) : null);
  };
  tree.replaceChildren(...(nodes.length ? [el('ul', { role: 'tree', 'aria-label': 'Territory hierarchy' }, (kids.get(null) || []).map(item))]
    : [el('p', { class: 'muted', text: 'No territories in this model.' })]));
  document.getElementById('org-model').textContent = model.name() || '—';
  const admin = nodes.some(n => canAdmin(n.id));
  document.getElementById('org-hint').textContent = admin
    ? (auth.manages() ? 'Drag a territory onto another to move it under that one, or onto “top level”. '
      : 'You administer the territories with a handle (⠿): drag one onto another of them to move it there. ')
      + 'Click a territory for its members.'
    : 'Click a territory for its members.';
  renderDetail();
}

function renderDetail() {
  const box = document.getElementById('org-detail');
  const n = selected ? nodeOf(selected) : null;
  if (!n) { box.replaceChildren(el('p', { class: 'muted', text: 'Select a territory to see and change its members.' })); return; }
  const admin = canAdmin(n.id);
  const mine = memberships.filter(m => m.territory === n.id)
    .sort((a, b) => (b.active - a.active) || ROLES.indexOf(a.role) - ROLES.indexOf(b.role) || (a.user < b.user ? -1 : 1));
  // Members of the territories above also cover this one (rules 3 and 10).
  const above = [];
  for (let p = n.parent, guard = 0; p && guard < 64; p = parentOf(p), guard++)
    for (const m of memberships) if (m.territory === p && current(m)) above.push(m);
  const parentName = n.parent ? (nodeOf(n.parent)?.name || n.parent) : 'none (top level)';

  const head = el('div', { class: 'org-detail-head' },
    el('h4', {}, n.name || n.id, n.name && n.name !== n.id ? el('span', { class: 'muted', text: ` ${n.id}` }) : null),
    el('p', { class: 'muted', text: `Parent: ${parentName} · ${figures(n.id)}` + (n.rep ? ` · rep ${repName(n.rep)}` : '') }));

  let move = null;
  if (admin) {
    const inside = subtree(n.id);
    const opts = model.hierarchy().filter(x => !inside.has(x.id) && canAdmin(x.id));
    const sel = el('select', { id: 'org-parent', 'aria-label': 'New parent' },
      auth.manages() ? el('option', { value: '', text: '(top level)' }) : null,
      opts.map(x => el('option', { value: x.id, text: x.name && x.name !== x.id ? `${x.name} (${x.id})` : x.id })));
    sel.value = n.parent || '';
    move = el('form', { class: 'row org-move', onsubmit: e => { e.preventDefault(); reparent(n.id, sel.value || null); } },
      el('label', {}, 'Move under ', sel), el('button', { type: 'submit', id: 'org-move-button', text: 'Move' }));
  }

  const rows = mine.map(m => el('tr', { dataset: { user: m.user, role: m.role, active: String(m.active) }, class: current(m) ? '' : 'inactive' },
    el('td', { class: 'org-user', text: userLabel(m.user) }),
    el('td', { text: m.role }),
    el('td', { text: !m.active ? 'inactive' : current(m) ? 'active' : m.start && m.start > today() ? 'from ' + m.start : 'ended' }),
    el('td', { class: 'dates', text: dates(m), title: 'the end date is the first day without the membership' }),
    admin ? el('td', { class: 'actions' },
      el('button', { type: 'button', class: 'org-toggle', text: m.active ? 'Deactivate' : 'Activate',
        onclick: () => saveMembership({ ...m, active: !m.active }, m.active ? 'deactivated' : 'activated') }),
      el('button', { type: 'button', class: 'org-remove', text: 'Remove',
        onclick: () => saveMembership({ ...m, remove: true }, 'removed') })) : null));
  const table = el('table', { class: 'grid org-members', id: 'org-members' },
    el('thead', {}, el('tr', {}, el('th', { text: 'Member' }), el('th', { text: 'Role' }), el('th', { text: 'State' }), el('th', { text: 'Dates' }), admin ? el('th', {}) : null)),
    el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: admin ? 5 : 4, class: 'muted', text: 'No members.' }))));

  let add = null;
  if (admin) {
    const known = new Set([...users.keys(), ...memberships.map(m => m.user)]);
    const list = el('datalist', { id: 'org-user-list' }, [...known].sort().map(u => el('option', { value: u, text: userLabel(u) })));
    const user = el('input', { id: 'org-add-user', list: 'org-user-list', required: true, placeholder: 'username', autocomplete: 'off' });
    const role = el('select', { id: 'org-add-role' }, ROLES.map(r => el('option', { value: r, text: r })));
    role.value = 'rep';
    const start = el('input', { id: 'org-add-start', type: 'date', 'aria-label': 'Start date' });
    const end = el('input', { id: 'org-add-end', type: 'date', 'aria-label': 'End date (exclusive)' });
    add = el('form', { id: 'org-add-member', class: 'form compact org-add', 'data-testid': 'org-add-member',
      onsubmit: e => {
        e.preventDefault();
        const u = user.value.trim();
        if (!u) { user.focus(); return; }
        saveMembership({ user: u, territory: n.id, role: role.value, active: true, start: start.value || null, end: end.value || null }, 'added');
      } },
    el('label', {}, 'User', user), list,
    el('label', {}, 'Role', role),
    el('label', {}, 'Start', start),
    el('label', { title: 'the last day is the day before' }, 'End', end),
    el('button', { type: 'submit', id: 'org-add-button', class: 'primary', text: 'Add member' }));
  }

  box.replaceChildren(...[head, move, table,
    above.length ? el('p', { class: 'muted org-above' }, 'Also covered from above: ',
      above.map(m => `${userLabel(m.user)} (${m.role} of ${nodeOf(m.territory)?.name || m.territory})`).join(', ')) : null,
    add ? el('h4', { text: 'Add a member' }) : null, add,
    admin ? null : el('p', { class: 'hint', text: 'You may read this territory but not change it.' })].filter(Boolean));
}

// ---- changes ----
async function reparent(id, parent) {
  if (parent === id || (parent && subtree(id).has(parent))) { showOrgError(new Error(`${id} cannot move under itself or a territory below it`), 'Move'); return; }
  if ((parentOf(id) || null) === (parent || null)) return;
  const name = model.name();
  showOrgError(null);
  status(`Moving ${id} …`, 'busy');
  try {
    await request('POST', `/models/${enc(name)}/territories/${enc(id)}`, { body: { parent } });
  } catch (e) { showOrgError(e, 'Moving ' + id); return; }
  selected = id;
  // The hierarchy is model.js's: load it again (the balance panel groups by it).
  try { await model.reload(); } catch (e) { showOrgError(e, 'Reloading ' + name); return; }
  status(`${id} is now ${parent ? 'under ' + (nodeOf(parent)?.name || parent) : 'a top-level territory'}.`, 'ok');
}

async function saveMembership(m, what) {
  const name = model.name();
  showOrgError(null);
  const body = { user: m.user, territory: m.territory, role: m.role, active: m.active !== false, start: m.start || null, end: m.end || null };
  if (m.remove) body.remove = true;
  try {
    await request('POST', `/models/${enc(name)}/memberships`, { body });
  } catch (e) { showOrgError(e, 'Membership'); return; }
  try { await loadMemberships(); } catch (e) { showOrgError(e, 'Members'); }
  render();
  status(`${userLabel(m.user)} (${m.role}) ${what} in ${nodeOf(m.territory)?.name || m.territory}.`, 'ok');
}

// ---- drag and drop ----
let dragging = null;
function dropTarget(e) {
  const n = e.target.closest('.org-node, #org-root-drop');
  if (!n || !dragging) return null;
  const to = n.id === 'org-root-drop' ? null : n.dataset.territory;
  if (to === null ? !auth.manages() : (subtree(dragging).has(to) || !canAdmin(to))) return null;
  if ((parentOf(dragging) || null) === to) return null;
  return { el: n, to };
}

function initDrag(panel) {
  panel.addEventListener('dragstart', e => {
    const n = e.target.closest('.org-node[draggable="true"]');
    if (!n) return;
    dragging = n.dataset.territory;
    e.dataTransfer.setData('text/plain', dragging);
    e.dataTransfer.effectAllowed = 'move';
    n.classList.add('dragging');
  });
  panel.addEventListener('dragend', () => {
    dragging = null;
    for (const x of panel.querySelectorAll('.dragging, .drop-ok')) x.classList.remove('dragging', 'drop-ok');
  });
  panel.addEventListener('dragover', e => {
    const t = dropTarget(e);
    if (!t) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    for (const x of panel.querySelectorAll('.drop-ok')) if (x !== t.el) x.classList.remove('drop-ok');
    t.el.classList.add('drop-ok');
  });
  panel.addEventListener('dragleave', e => {
    const n = e.target.closest('.org-node, #org-root-drop');
    if (n && !n.contains(e.relatedTarget)) n.classList.remove('drop-ok');
  });
  panel.addEventListener('drop', e => {
    const t = dropTarget(e);
    const id = dragging;
    dragging = null;
    for (const x of panel.querySelectorAll('.dragging, .drop-ok')) x.classList.remove('dragging', 'drop-ok');
    if (!t || !id) return;
    e.preventDefault();
    reparent(id, t.to);
  });
}

export function initOrg() {
  const panel = document.getElementById('org-panel');
  if (!panel) return;
  panel.replaceChildren(
    el('p', { class: 'muted' }, 'Territories of ', el('b', { id: 'org-model', text: '—' }), '. ', el('span', { id: 'org-hint' })),
    el('div', { id: 'org-root-drop', class: 'org-root-drop', hidden: true, text: 'Top level — drop a territory here to give it no parent' }),
    el('p', { id: 'org-error', class: 'warnbox org-error', role: 'alert', hidden: true }),
    el('div', { id: 'org-tree', class: 'org-tree' }),
    el('div', { id: 'org-detail', class: 'org-detail', 'data-testid': 'org-detail' }));
  initDrag(panel);
  panel.addEventListener('click', e => {
    const n = e.target.closest('.org-node');
    if (!n) return;
    selected = n.dataset.territory;
    for (const x of panel.querySelectorAll('.org-node.selected')) x.classList.remove('selected');
    n.classList.add('selected');
    renderDetail();
  });
  panel.addEventListener('keydown', e => {
    const n = e.target.closest('.org-node');
    if (n && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); n.click(); }
  });
  on('model-loaded', async () => {
    if (selected && !nodeOf(selected)) selected = null;
    try {
      if (loadedFor !== model.name()) await Promise.all([loadMemberships(), users.size ? null : loadUsers()]);
    } catch (e) { showOrgError(e, 'Members'); }
    render();
  });
  on('metrics-changed', () => { if (document.getElementById('org-tree').childElementCount) render(); });
  on('reps', render);
}

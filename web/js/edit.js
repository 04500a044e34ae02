// Editing the alignment: target territory, click and lasso, moves with the
// model revision, undo/redo as inverse moves, locks; the accounts of a single
// selected unit with account-level moves (overrides of the unit's territory).
// Edits go to the server; its answers are handed to model.js, which owns the
// model's state (the map and the panel follow model.js's events). The undo /
// redo stacks (state.undo, state.redo) and the selection are the editor's.
import { state, emit, on, status, showError, el } from './state.js';
import * as fmt from './format.js';
import { api } from './api.js';
import { restyleUnits, setLasso, isLasso, zoomToUnits } from './map.js';
import * as model from './model.js';

let busy = Promise.resolve();

export function initEdit() {
  const sel = document.getElementById('target-territory');
  sel.addEventListener('change', () => setTarget(sel.value));
  document.getElementById('lasso-button').addEventListener('click', () => setLasso(!isLasso()));
  document.getElementById('undo').addEventListener('click', () => undo().catch(() => {}));
  document.getElementById('redo').addEventListener('click', () => redo().catch(() => {}));
  document.getElementById('lock').addEventListener('click', () => lockUnits(state.selection, true).catch(() => {}));
  document.getElementById('unlock').addEventListener('click', () => lockUnits(state.selection, false).catch(() => {}));
  document.getElementById('clear-selection').addEventListener('click', () => select([]));
  document.getElementById('move-selection').addEventListener('click', () => {
    if (!state.target) return status('Choose a target territory first.', 'warn');
    moveUnits(state.selection, state.target).catch(() => {});
  });
  on('unit-click', (id, ev) => {
    if (ev && (ev.shiftKey || ev.metaKey || ev.ctrlKey)) return toggleSelect([id]);
    if (state.compare) { select([id]); return; }
    if (state.target && !ev?.altKey) moveUnits([id], state.target).catch(() => {});
    else select([id]);
  });
  on('lasso', (ids, ev) => {
    if (!ids.length) return status('The lasso holds no unit centroid.', 'warn');
    if (ev && ev.shiftKey) return toggleSelect(ids, true);
    if (state.target && !state.compare) moveUnits(ids, state.target).catch(() => {});
    else select(ids);
  });
  on('territory-click', t => setTarget(t === state.target ? '' : t));
  on('target-changed', renderUnitAccounts);
  on('model-changed', ch => { renderUnitAccounts(); if (ch.locked.length) renderSelection(); else updateButtons(); });
  on('model-loaded', () => { renderTargetSelect(); updateButtons(); emit('target-changed', state.target); });
  document.getElementById('unit-accounts').addEventListener('click', e => {
    const b = e.target.closest('button.move-account');
    const tr = b && b.closest('tr[data-account]');
    if (!tr || b.disabled) return;
    if (!state.target) return status('Choose a target territory first.', 'warn');
    moveAccount(tr.dataset.account, state.target, tr.dataset.unit).catch(() => {});
  });
  document.getElementById('unit-search-form').addEventListener('submit', e => { e.preventDefault(); searchUnits().catch(() => {}); });
  document.getElementById('unit-search-results').addEventListener('click', e => {
    const li = e.target.closest('[data-unit]');
    if (!li) return;
    select([li.dataset.unit]);
    zoomToUnits([li.dataset.unit]);
  });
  document.addEventListener('keydown', e => {
    if (e.target.closest('input, select, textarea')) return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z') { e.preventDefault(); (e.shiftKey ? redo() : undo()).catch(() => {}); }
    else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'y') { e.preventDefault(); redo().catch(() => {}); }
    else if (e.key === 'Escape') { setLasso(false); select([]); }
    else if (e.key === 'l' && !e.ctrlKey && !e.metaKey) setLasso(!isLasso());
  });
  updateButtons();
}

export function renderTargetSelect() {
  const sel = document.getElementById('target-territory');
  sel.replaceChildren(el('option', { value: '', text: '— select units —' }),
    ...model.territories().map(t => el('option', { value: t.id, text: t.name && t.name !== t.id ? `${t.id} · ${t.name}` : t.id })));
  if (!model.territories().some(t => t.id === state.target)) state.target = '';
  sel.value = state.target;
}

export function setTarget(t) {
  state.target = t || '';
  document.getElementById('target-territory').value = state.target;
  emit('target-changed', state.target);
  if (state.target) status(`Move mode: click or lasso units to move them to ${state.target}.`, 'info');
}

export function select(ids) {
  const before = state.selection;
  state.selection = [...new Set(ids)];
  restyleUnits([...before, ...state.selection]);
  renderSelection();
}
function toggleSelect(ids, add) {
  const s = new Set(state.selection);
  for (const id of ids) { if (s.has(id) && !add) s.delete(id); else s.add(id); }
  select([...s]);
}
function renderSelection() {
  const box = document.getElementById('selection-info');
  const n = state.selection.length;
  const locked = state.selection.filter(model.isLocked).length;
  box.textContent = n ? `${fmt.count(n)} unit${n > 1 ? 's' : ''} selected${locked ? `, ${fmt.count(locked)} locked` : ''}: ` +
    state.selection.slice(0, 12).map(u => (state.units[u]?.name ? `${state.units[u].name} (${u})` : u)).join(', ') + (n > 12 ? ' …' : '') : 'No units selected.';
  updateButtons();
  loadUnitAccounts();
}

export function updateButtons() {
  const ed = model.isEditable() && !!model.name();
  document.getElementById('undo').disabled = !ed || !state.undo.length;
  document.getElementById('redo').disabled = !ed || !state.redo.length;
  document.getElementById('lock').disabled = !ed || !state.selection.length;
  document.getElementById('unlock').disabled = !ed || !state.selection.length;
  document.getElementById('move-selection').disabled = !ed || !state.selection.length;
  document.getElementById('undo').title = state.undo.length ? `Undo: ${describe(state.undo.at(-1))} (Ctrl+Z)` : 'Nothing to undo';
  document.getElementById('redo').title = state.redo.length ? `Redo: ${describe(state.redo.at(-1))} (Ctrl+Shift+Z)` : 'Nothing to redo';
  const ro = document.getElementById('readonly-note');
  if (ro) ro.hidden = ed || !model.name();
  const h = document.getElementById('history');
  if (h) h.replaceChildren(...state.undo.slice(-15).reverse().map(b => el('li', { text: describe(b) })));
}
const isAccount = m => m.account !== undefined && m.account !== null;
function describe(batch) {
  const to = [...new Set(batch.map(m => m.to))];
  if (batch.length === 1) {
    const m = batch[0];
    return isAccount(m) ? `account ${m.account}: ${m.from ?? '?'} → ${m.to}` : `${m.unit}: ${m.from} → ${m.to}`;
  }
  const na = batch.filter(isAccount).length, nu = batch.length - na;
  return [nu ? `${nu} unit${nu === 1 ? '' : 's'}` : '', na ? `${na} account${na === 1 ? '' : 's'}` : ''].filter(Boolean).join(' + ') + ` → ${to.join(', ')}`;
}

/** Moves units to one territory (window.regio.moveUnits). Resolves with the API answer. */
export function moveUnits(unitIds, territory) {
  const ids = [...new Set(typeof unitIds === 'string' ? [unitIds] : unitIds || [])];
  return applyMoves(ids.map(u => ({ unit: u, to: territory })), 'record');
}

/** Moves one account to a territory, overriding its unit's territory
 *  (window.regio.moveAccount). `unitId` (the account's unit) lets undo know
 *  where the account was; it defaults to the unit of the listed account. */
export function moveAccount(accountId, territory, unitId) {
  const unit = unitId || unitAccounts.list.find(a => a.id === accountId)?.unit || undefined;
  return applyMoves([{ account: accountId, unit, to: territory }], 'record');
}

// A history entry is {unit, from, to} or {account, unit, from, to, fromOverride,
// toOverride}: an account goes back to the override it had (null: none).
const moveTo = (m, to) => (isAccount(m) ? { account: m.account, unit: m.unit, to } : { unit: m.unit, to });

export async function undo() {
  const batch = state.undo.at(-1);
  if (!batch) return null;
  return applyMoves(batch.map(m => (isAccount(m) ? moveTo(m, m.fromOverride ?? null) : moveTo(m, m.from))), 'undo');
}
export async function redo() {
  const batch = state.redo.at(-1);
  if (!batch) return null;
  return applyMoves(batch.map(m => (isAccount(m) ? moveTo(m, m.toOverride ?? null) : moveTo(m, m.to))), 'redo');
}

function applyMoves(moves, kind) {
  const run = busy.then(() => doMoves(moves, kind));
  busy = run.catch(() => {});
  return run;
}

async function doMoves(moves, kind) {
  // Account moves always go to the server: it may know overrides this client does not.
  const real = moves.filter(m => isAccount(m) || model.territoryOf(m.unit) !== m.to);
  if (!real.length) {
    status('Nothing to move: the units are already in ' + [...new Set(moves.map(m => m.to))].join(', ') + '.', 'info');
    if (kind === 'record') select(moves.map(m => m.unit));
    else if (kind === 'undo') { state.redo.push(state.undo.pop()); updateButtons(); }
    else if (kind === 'redo') { state.undo.push(state.redo.pop()); updateButtons(); }
    return { revision: model.revision(), moved: [], territories: [], summary: model.summary() };
  }
  const modelName = model.name();
  const t0 = performance.now();
  // Where each account is before the move (the API answers only {account, to}).
  const accFrom = {};
  for (const m of real) if (isAccount(m)) accFrom[m.account] = { unit: m.unit, from: model.accountTerritory(m.account, m.unit), fromOverride: model.accountOverride(m.account) };
  const sent = real.map(m => (isAccount(m) ? { account: m.account, to: m.to } : { unit: m.unit, to: m.to }));
  let r;
  try {
    r = await api.moves(modelName, model.revision(), sent);
  } catch (e) {
    await handleEditError(e, 'Move');
    throw e;
  }
  if (modelName !== model.name()) return r;
  // The history entries, resolved before the model applies the answer.
  const moved = (r.moved || sent.map(m => (isAccount(m) ? m : { ...m, from: model.territoryOf(m.unit) })))
    .map(x => {
      if (!isAccount(x)) return x;
      const f = accFrom[x.account] || {};
      // to: null sends the account back to its unit's territory.
      return { account: x.account, unit: f.unit, from: f.from ?? null, to: x.to ?? (f.unit ? model.territoryOf(f.unit) : null),
               fromOverride: f.fromOverride ?? null, toOverride: x.to ?? null };
    });
  const movedUnits = moved.filter(m => !isAccount(m)), movedAccounts = moved.filter(isAccount);
  if (kind === 'record') { state.undo.push(moved); state.redo = []; }
  else if (kind === 'undo') { state.redo.push(state.undo.pop()); }
  else if (kind === 'redo') { state.undo.push(state.redo.pop()); }
  const t1 = performance.now();
  model.applyMoves(r, r.moved || sent);
  state.lastMoveRenderMs = performance.now() - t1;
  if (kind === 'record' && movedUnits.length) select(movedUnits.map(m => m.unit)); else updateButtons();
  state.lastMoveMs = performance.now() - t0;
  const verb = kind === 'undo' ? 'Undid' : kind === 'redo' ? 'Redid' : 'Moved';
  const what = [movedUnits.length ? `${movedUnits.length} unit${movedUnits.length === 1 ? '' : 's'}` : '',
    movedAccounts.length === 1 ? `account ${movedAccounts[0].account}` : movedAccounts.length ? `${movedAccounts.length} accounts` : ''].filter(Boolean).join(' and ');
  status(`${verb} ${what}${kind === 'record' ? ' to ' + [...new Set(moved.map(m => m.to))].join(', ') : ''} — revision ${model.revision()}.`, 'ok');
  return r;
}

async function handleEditError(e, what) {
  e.shown = true;
  if (e.code === 'stale_revision') {
    const cur = e.body && e.body.revision;
    try { await model.reload(); } catch (e2) { showError(e2, 'Reloading'); return; }
    state.undo = []; state.redo = [];
    updateButtons();
    status(`${what} refused: the model was changed elsewhere (now revision ${cur ?? model.revision()}). The map and panel were reloaded; please redo your edit. [stale_revision]`, 'error');
    document.getElementById('status').dataset.code = e.code;
  } else if (e.code === 'not_editable') {
    status(`${what} refused: ${e.message} [not_editable]`, 'error');
    document.getElementById('status').dataset.code = e.code;
  } else showError(e, what);
}

/** Locks or unlocks units (window.regio.lockUnits). */
export function lockUnits(ids, locked) {
  const run = busy.then(async () => {
    ids = [...new Set(typeof ids === 'string' ? [ids] : ids || [])];
    if (!ids.length) { status('Select units first (click, Shift+click or lasso with no target).', 'warn'); return null; }
    let r;
    const modelName = model.name();
    try { r = await api.locks(modelName, model.revision(), ids, locked); }
    catch (e) { await handleEditError(e, locked ? 'Lock' : 'Unlock'); throw e; }
    if (modelName !== model.name()) return r;
    model.applyLocks(r, ids, locked);
    status(`${locked ? 'Locked' : 'Unlocked'} ${ids.length} unit${ids.length === 1 ? '' : 's'} — revision ${model.revision()}.`, 'ok');
    return r;
  });
  busy = run.catch(() => {});
  return run;
}

async function searchUnits() {
  const q = document.getElementById('unit-search').value.trim();
  const box = document.getElementById('unit-search-results');
  if (!q) { box.replaceChildren(); return; }
  let r;
  try { r = await api.units({ q, limit: 20 }); } catch (e) { showError(e, 'Unit search'); throw e; }
  const us = r.units || [];
  box.replaceChildren(...(us.length ? us.map(u => el('li', { dataset: { unit: u.id }, title: 'select and zoom' },
    el('b', { text: u.name || u.id }), ` ${u.id} · ${model.territoryOf(u.id) || '—'}`)) : [el('li', { class: 'muted', text: 'No unit matches.' })]),
    ...(r.total > us.length ? [el('li', { class: 'muted', text: `… ${r.total - us.length} more` })] : []));
}

export function resetEdits() {
  state.undo = []; state.redo = []; state.selection = [];
  renderSelection();
}

// ---- accounts of the single selected unit ----
const unitAccounts = { unit: null, list: [], total: 0, abort: null };

async function loadUnitAccounts() {
  const unit = state.selection.length === 1 ? state.selection[0] : null;
  if (unit === unitAccounts.unit) return;
  if (unitAccounts.abort) unitAccounts.abort.abort();
  unitAccounts.unit = unit; unitAccounts.list = []; unitAccounts.total = 0; unitAccounts.abort = null;
  if (!unit) { renderUnitAccounts(); return; }
  const ac = unitAccounts.abort = new AbortController();
  unitAccounts.loading = true;
  renderUnitAccounts();
  try {
    const r = await api.accounts({ unit, limit: 200 }, ac.signal);
    if (unitAccounts.unit !== unit) return;
    unitAccounts.list = r.accounts || [];
    unitAccounts.total = r.total ?? unitAccounts.list.length;
  } catch (e) {
    if (e.name === 'AbortError' || unitAccounts.unit !== unit) return;
    showError(e, 'Accounts of ' + unit);
  } finally {
    if (unitAccounts.unit === unit) { unitAccounts.loading = false; unitAccounts.abort = null; renderUnitAccounts(); }
  }
}

function renderUnitAccounts() {
  const box = document.getElementById('unit-accounts');
  if (!box) return;
  const unit = unitAccounts.unit;
  box.hidden = !unit;
  box.dataset.unit = unit || '';
  const head = document.getElementById('unit-accounts-info');
  const body = document.getElementById('unit-accounts-body');
  if (!unit) { head.textContent = ''; body.replaceChildren(); return; }
  const uName = state.units[unit]?.name ? `${state.units[unit].name} (${unit})` : unit;
  const list = unitAccounts.list;
  head.textContent = unitAccounts.loading ? `Loading the accounts of ${uName} …`
    : list.length ? `${unitAccounts.total} account${unitAccounts.total === 1 ? '' : 's'} in ${uName} (unit territory ${model.territoryOf(unit) || '—'})` +
      (unitAccounts.total > list.length ? `, first ${list.length} shown` : '') + '.'
    : `No accounts in ${uName}.`;
  const ed = model.isEditable() && !!model.name();
  body.replaceChildren(...list.map(a => {
    const t = model.accountTerritory(a.id, a.unit || unit);
    const over = model.accountOverride(a.id) !== null;
    return el('tr', { dataset: { account: a.id, unit: a.unit || unit, territory: t || '' }, class: over ? 'override' : null },
      el('td', { class: 'acc-name', title: `${a.name || a.id} (${a.id})${a.city ? ', ' + a.city : ''}` },
        el('div', { class: 'acc-title', text: a.name || a.id }),
        el('small', { class: 'muted' }, el('span', { class: 'acc-id', text: a.id }), a.city ? el('span', { class: 'city', text: ' · ' + a.city }) : null)),
      el('td', { class: 'num revenue', text: fmt.money(a.annual_revenue) }),
      el('td', { class: 'num potential', text: fmt.money(a.potential) }),
      el('td', { class: 'owner', text: a.owner || '–' }),
      el('td', { class: 'territory', title: over ? 'moved here by hand (account override)' : 'the unit\'s territory' },
        (t || '—') + (over ? ' *' : '')),
      el('td', {}, el('button', { type: 'button', class: 'move-account', disabled: !ed || !state.target,
        title: state.target ? `Move ${a.id} to ${state.target}` : 'Choose a target territory first', text: 'Move to target' })));
  }));
}

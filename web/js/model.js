// Loading a model (alignment, metrics, outlines), the model picker and the
// clone / promote / archive actions.
import { state, emit, status, showError, el, debounce, today } from './state.js';
import { api } from './api.js';
import { renderTerritories, restyleUnits, renderLabels, colourTerritories, unitsGeojson } from './map.js';
import { renderPanel } from './panel.js';

export async function loadModels() {
  const r = await api.models();
  state.models = r.models || [];
  state.defaultModel = r.default || state.config?.default_model || (state.models[0] && state.models[0].name) || null;
  renderModelSelect();
  emit('models', state.models);
  return state.models;
}

export function renderModelSelect() {
  const sel = document.getElementById('model-select');
  sel.replaceChildren(...state.models.map(m => el('option', { value: m.name, text: `${m.name} (${m.state})` })));
  if (state.model) sel.value = state.model;
}

function setTerritories(t) {
  state.territories = t.territories || [];
  state.terrIds = state.territories.map(x => x.id);
  state.summary = t.summary || null;
  state.hierarchy = t.hierarchy || [];
  if (t.measures && t.measures.length && !state.measures.length) state.measures = t.measures;
  if (!state.balance.length) {
    state.balance = (t.balance_measures && t.balance_measures.length) ? t.balance_measures.slice()
      : Object.keys(state.territories[0]?.totals || {}).slice(0, 1);
  }
  if (typeof t.revision === 'number') state.revision = t.revision;
}

/** Fetches what a model needs (started early by the boot sequence). */
export function fetchModel(name) {
  const geo = api.territoriesGeojson(name);
  geo.catch(() => {});
  return { name, geo, data: Promise.all([api.model(name), api.alignment(name), api.territories(name, state.balance)]) };
}

/** Loads and renders everything of one model. `beforeRender(geo)` may draw the units first. */
export async function loadModel(name, pre, beforeRender) {
  if (!name) {
    const prev = state.lastError ? ` (${state.lastError})` : '';
    status('No territory model yet: import data and run a design (regio design) or create a model.' + prev, state.lastError ? 'error' : 'warn');
    return;
  }
  status(`Loading ${name} …`, 'busy');
  const f = pre && pre.name === name ? pre : fetchModel(name);
  const [info, al, terr] = await f.data;
  state.model = name;
  state.modelInfo = info;
  state.alignment = al.units || {};
  state.accountMoves = { ...(al.accounts || {}) };
  state.locked = {};
  for (const u of al.locked || []) state.locked[u] = true;
  state.revision = al.revision ?? info.revision;
  state.compare = null;
  setTerritories(terr);
  if (typeof al.revision === 'number') state.revision = Math.max(state.revision, al.revision);
  let drawn = false;
  if (beforeRender) drawn = await beforeRender();
  colourTerritories(unitsGeojson());
  document.getElementById('model-select').value = name;
  renderModelInfo();
  if (!drawn) restyleUnits();
  renderPanel();
  emit('model-loaded', name);
  const g = await f.geo.catch(e => { showError(e, 'Territory outlines'); return null; });
  if (g && state.model === name) renderTerritories(g); else renderLabels();
  status(`${name}: ${state.territories.length} territories, ${Object.keys(state.alignment).length} units, revision ${state.revision}.`, 'ok');
}

/** Reloads alignment and metrics of the current model (after a stale revision). */
export async function reloadState() {
  const name = state.model;
  const [info, al, terr] = await Promise.all([api.model(name), api.alignment(name), api.territories(name, state.balance)]);
  if (name !== state.model) return;
  state.modelInfo = info;
  state.alignment = al.units || {};
  state.accountMoves = { ...(al.accounts || {}) };
  state.locked = {};
  for (const u of al.locked || []) state.locked[u] = true;
  setTerritories(terr);
  state.revision = al.revision ?? info.revision;
  renderModelInfo();
  restyleUnits();
  renderPanel();
  emit('model-loaded', name);
  refreshOutlines();
}

/** Metrics for newly chosen balance measures. */
export async function refreshMetrics() {
  const name = state.model;
  const t = await api.territories(name, state.balance);
  if (name !== state.model) return;
  const rev = state.revision;
  setTerritories(t);
  if (typeof t.revision === 'number' && t.revision < rev) state.revision = rev;
  renderPanel();
}

export async function refreshOutlines() {
  const name = state.model, rev = state.revision;
  const g = await api.territoriesGeojson(name);
  if (name === state.model && rev === state.revision) renderTerritories(g);
}

let refreshSeq = 0;
/** After an edit: exact metrics and fresh outlines, in the background. */
export const scheduleRefresh = debounce(async () => {
  const seq = ++refreshSeq, rev = state.revision, name = state.model;
  try {
    const t = await api.territories(name, state.balance);
    if (seq !== refreshSeq || rev !== state.revision || name !== state.model) return;
    setTerritories(t);
    state.revision = rev;
    renderPanel();
    const g = await api.territoriesGeojson(name);
    if (seq !== refreshSeq || rev !== state.revision || name !== state.model) return;
    renderTerritories(g);
  } catch (e) { showError(e, 'Refreshing territories'); }
}, 250);

export function renderModelInfo() {
  const m = state.modelInfo || {};
  const st = document.getElementById('model-state');
  st.textContent = m.state || '';
  st.className = 'badge ' + (m.state || '');
  document.getElementById('model-rev').textContent = state.revision != null ? 'rev ' + state.revision : '';
  document.getElementById('model-rev').title = [m.description, m.parent ? 'from ' + m.parent : '', m.effective_from ? 'effective ' + m.effective_from : ''].filter(Boolean).join(' · ');
  document.getElementById('promote-button').disabled = m.state !== 'planning';
  document.getElementById('archive-button').disabled = m.state === 'archived' || !m.state;
}

export function initModelActions(onSwitch) {
  const sel = document.getElementById('model-select');
  sel.addEventListener('change', () => { onSwitch(sel.value).catch(() => {}); });
  const form = document.getElementById('model-form');
  const input = document.getElementById('model-form-input');
  const label = document.getElementById('model-form-label');
  let action = null;
  const open = (a, lab, type, value, okText) => {
    action = a;
    label.textContent = lab;
    input.type = type;
    input.value = value;
    document.getElementById('model-form-ok').textContent = okText;
    form.hidden = false;
    if (type !== 'hidden') { input.focus(); input.select?.(); }
  };
  document.getElementById('clone-button').addEventListener('click', () => open('clone', 'New scenario name', 'text', uniqueName(state.model + '-copy'), 'Clone'));
  document.getElementById('promote-button').addEventListener('click', () => open('promote', `Promote "${state.model}" to active, effective from`, 'date', today(), 'Promote'));
  document.getElementById('archive-button').addEventListener('click', () => open('archive', `Archive "${state.model}"? An archived model cannot be edited or activated again.`, 'hidden', state.model, 'Archive'));
  document.getElementById('model-form-cancel').addEventListener('click', () => { form.hidden = true; });
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const v = input.value.trim();
    const name = state.model;
    try {
      if (action === 'clone') {
        if (!v) return status('Give the new scenario a name.', 'warn');
        const m = await api.clone(name, { name: v, description: `clone of ${name}` });
        form.hidden = true;
        await loadModels();
        await onSwitch(m.name || v);
        status(`Cloned ${name} → ${m.name || v} (planning).`, 'ok');
      } else if (action === 'promote') {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return status('Effective date must be YYYY-MM-DD.', 'warn');
        await api.promote(name, v);
        form.hidden = true;
        await loadModels();
        await onSwitch(name);
        status(`${name} is now active from ${v}; the previously active model was archived.`, 'ok');
      } else if (action === 'archive') {
        await api.archive(name);
        form.hidden = true;
        await loadModels();
        await onSwitch(name);
        status(`${name} archived.`, 'ok');
      }
    } catch (err) { showError(err, action[0].toUpperCase() + action.slice(1)); }
  });
}

function uniqueName(base) {
  const names = new Set(state.models.map(m => m.name));
  if (!names.has(base)) return base;
  for (let i = 2; ; i++) if (!names.has(`${base}-${i}`)) return `${base}-${i}`;
}

// Boot: config, models, units, the default model; wires the tabs and exposes
// window.regio for tests and scripting.
import { state, on, emit, status, showError, el } from './state.js';
import { api, allUnits } from './api.js';
import { initMap, loadBasemap, renderUnits, setUnitShapes, unitsDrawn, fitToUnits, renderReps, loadAccounts, zoomToTerritory, zoomToUnits, colourTerritories, map } from './map.js';
import { initPanel, renderMeasurePicker } from './panel.js';
import { initEdit, moveUnits, moveAccount, undo, redo, lockUnits, select, setTarget, resetEdits } from './edit.js';
import * as model from './model.js';
import * as fmt from './format.js';
import { loadModels, initModelBar } from './modelbar.js';
import { initJobs, startJob, cancelJob } from './jobs.js';
import { initCompare, runCompare, clearCompare } from './compare.js';
import { initReasons } from './reasons.js';
import { initPlan, runPlan, showDay } from './plan.js';
import * as auth from './auth.js';
import { initAccounts } from './accounts.js';
import { initOrg, available as orgAvailable } from './org.js';
import { initRules } from './rules.js';
import { initChallenges } from './challenges.js';
import { initPerf } from './perf.js';
import { initQuota } from './quota.js';

// Errors already shown in the status bar are not reported twice.
window.addEventListener('unhandledrejection', e => { if (!(e.reason && e.reason.shown)) showError(e.reason, 'Unexpected error'); e.preventDefault(); });
window.addEventListener('error', e => { if (e.message) status('Script error: ' + e.message, 'error'); });

/* The panel's tabs are a sticky navigation over stacked sections: every
   control stays reachable (and visible to tests) while a tab scrolls its
   section to the top; the tab of the section in view is highlighted. */
function initTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const scroller = document.getElementById('side-scroll');
  const sectionOf = t => document.getElementById(t.getAttribute('aria-controls'));
  const mark = name => {
    for (const t of tabs) {
      const on = t.dataset.tab === name;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      sectionOf(t).classList.toggle('current', on);
    }
    state.tab = name;
  };
  let pinned = null;
  const show = (name, smooth) => {
    const t = tabs.find(x => x.dataset.tab === name);
    if (!t) return;
    pinned = name;
    mark(name);
    scroller.scrollTo({ top: sectionOf(t).offsetTop - scroller.offsetTop, behavior: smooth ? 'smooth' : 'auto' });
    setTimeout(() => { pinned = null; }, smooth ? 600 : 50);
  };
  scroller.addEventListener('scroll', () => {
    if (pinned) return;
    const top = scroller.scrollTop + 30;
    let cur = tabs[0].dataset.tab;
    for (const t of tabs) if (sectionOf(t).offsetTop - scroller.offsetTop <= top) cur = t.dataset.tab;
    if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2) {
      // at the bottom: the last section whose heading is in view
      for (const t of tabs) if (sectionOf(t).offsetTop - scroller.offsetTop < scroller.scrollTop + scroller.clientHeight - 40) cur = t.dataset.tab;
      if (state.tab && tabs.some(t => t.dataset.tab === state.tab) && sectionOf(tabs.find(t => t.dataset.tab === state.tab)).offsetTop - scroller.offsetTop >= scroller.scrollTop) cur = state.tab;
    }
    if (cur !== state.tab) mark(cur);
  }, { passive: true });
  for (const t of tabs) t.addEventListener('click', () => { show(t.dataset.tab, true); history.replaceState(null, '', '#' + t.dataset.tab); });
  const initial = location.hash.slice(1);
  mark('balance');
  if (tabs.some(t => t.dataset.tab === initial)) setTimeout(() => show(initial), 0);
  window.regio.showTab = name => show(name);
}

function renderExports() {
  const box = document.getElementById('export-links');
  const name = model.name();
  if (!name) { box.replaceChildren('No model.'); return; }
  box.replaceChildren(...[['csv', 'Alignment CSV (unit_id,territory)'], ['geojson', 'Territory polygons (GeoJSON)'], ['kml', 'Territory polygons (KML)']].map(([f, label]) =>
    el('li', {}, el('a', { id: 'export-' + f, href: api.exportUrl(name, f), download: `${name}.${f}`, text: label }))));
  document.getElementById('export-model').textContent = name;
}

/** Loads a model through model.js, with the status bar. */
async function openModel(name, pre) {
  if (!name) {
    const prev = state.lastError ? ` (${state.lastError})` : '';
    status('No territory model yet: import data and run a design (regio design) or create a model.' + prev, state.lastError ? 'error' : 'warn');
    return;
  }
  status(`Loading ${name} …`, 'busy');
  await model.load(name, pre);
  if (model.name() === name) status(`${name}: ${fmt.count(model.territories().length)} territories, ${fmt.count(Object.keys(model.alignment()).length)} units, revision ${model.revision()}.`, 'ok');
}

async function switchModel(name, reloadList) {
  if (reloadList) await loadModels();
  resetEdits();
  try { await openModel(name); }
  catch (e) { showError(e, 'Loading ' + name); throw e; }
}

/* window.regio.state: the UI state of state.js plus, read-only, the fields
   model.js owns (assigning one of them throws). */
const MODEL_FIELDS = {
  model: model.name, modelInfo: model.info, revision: model.revision, alignment: model.alignment,
  locked: model.locked, accountMoves: model.accountOverrides, territories: model.territories,
  terrIds: model.territoryIds, summary: model.summary, hierarchy: model.hierarchy,
};
const owned = k => typeof k === 'string' && Object.hasOwn(MODEL_FIELDS, k);
const stateView = new Proxy(state, {
  get: (t, k) => (owned(k) ? MODEL_FIELDS[k]() : Reflect.get(t, k)),
  set: (t, k, v) => { if (owned(k)) throw new TypeError(`state.${k} is owned by model.js`); return Reflect.set(t, k, v); },
  has: (t, k) => owned(k) || Reflect.has(t, k),
  ownKeys: t => [...Reflect.ownKeys(t), ...Object.keys(MODEL_FIELDS).filter(k => !Object.hasOwn(t, k))],
  getOwnPropertyDescriptor: (t, k) => (owned(k) ? { value: MODEL_FIELDS[k](), writable: false, enumerable: true, configurable: true }
    : Reflect.getOwnPropertyDescriptor(t, k)),
});

let readyResolve;
window.regio = {
  state: stateView,
  ready: new Promise(r => { readyResolve = r; }),
  moveUnits, moveAccount, undo, redo, lockUnits, select, setTarget,
  loadModel: n => switchModel(n, true),
  compare: runCompare, clearCompare, plan: runPlan, showDay, startJob, cancelJob,
  get map() { return map; },
  get session() { return auth.session(); },
  signOut: auth.signOut,
};

/** Whom the app serves decides what it offers: the Org tab only to those
 *  who may administer territories (it leaves the page before the tabs are
 *  wired), and a user who sees part of the market starts on their part. */
async function fitToCaller() {
  if (!(await orgAvailable())) for (const id of ['tab-org', 'org-tab']) document.getElementById(id)?.remove();
  const s = auth.session();
  if (s && s.mode === 'users' && !s.manages)
    document.getElementById('readonly-note').textContent = 'You may look at the territories, not change them: edits need the manage_territories permission.';
  if (s && s.mode === 'users' && !s.reads_all) {
    let first = true;
    on('model-loaded', () => {
      if (!first) return;
      first = false;
      zoomToUnits(Object.keys(model.alignment()));
    });
  }
}

async function boot() {
  await fitToCaller();
  initTabs();
  initMap();
  initPanel();
  initEdit();
  initModelBar(n => switchModel(n));
  initJobs((n, reload) => switchModel(n, reload));
  initCompare();
  initReasons();
  initPlan();
  initAccounts();
  initOrg();
  initRules();
  initChallenges();
  initPerf();
  initQuota();
  on('model-loaded', renderExports);
  on('balance-changed', async ms => {
    state.balance = ms;
    try { await model.refreshMetrics(); } catch (e) { showError(e, 'Balance measures'); }
  });
  on('territory-zoom', zoomToTerritory);
  status('Loading …', 'busy');
  const T0 = performance.now(), mark = k => { state.timings[k] = Math.round(performance.now() - T0); };
  state.timings = {};

  let cfg = {};
  try { cfg = await api.config(); } catch (e) { showError(e, 'Config'); }
  state.config = cfg;
  state.measures = cfg.measures || [];
  const base = loadBasemap(cfg.tile_url).catch(e => showError(e, 'Base map'));

  mark('config');
  const unitsP = allUnits(), geoP = api.unitsGeojson();
  unitsP.catch(() => {}); geoP.catch(() => {});
  try { await loadModels(); } catch (e) { showError(e, 'Models'); }
  const pre = state.defaultModel ? model.prefetch(state.defaultModel) : null;
  const [units, geo] = await Promise.allSettled([unitsP, geoP]);
  mark('fetched');
  if (units.status === 'fulfilled') for (const u of units.value) state.units[u.id] = u;
  else showError(units.reason, 'Units');
  if (geo.status === 'rejected') showError(geo.reason, 'Unit boundaries');
  // The map draws the unit layer when the first model is loaded, so every
  // path is styled once by its alignment; without a model, here.
  if (geo.status === 'fulfilled') {
    setUnitShapes(geo.value);
    if (units.status === 'fulfilled') fitToUnits();
  }
  let drawn = false;
  const drawUnits = () => {
    if (geo.status !== 'fulfilled' || drawn) return;
    drawn = true;
    if (!unitsDrawn()) { colourTerritories(geo.value); renderUnits(geo.value); }
    if (units.status === 'rejected') {
      // No centroids from /units: derive them from the boundaries for the lasso and labels.
      for (const [id, l] of Object.entries(state.unitLayers)) { const c = l.getBounds().getCenter(); state.units[id] = { id, name: l.feature.properties.name, lat: c.lat, lon: c.lng, measures: {} }; }
    }
    if (units.status !== 'fulfilled') fitToUnits();
    mark('units');
  };
  try {
    if (state.defaultModel) await openModel(state.defaultModel, pre);
    else { drawUnits(); await openModel(null); }
    drawUnits();
    if (state.measures.length && !state.balance.length) state.balance = [state.measures[0]];
  } catch (e) {
    showError(e, 'Loading model ' + state.defaultModel);
    drawUnits();
  }
  mark('model');
  renderMeasurePicker();
  emit('measures', state.measures);

  const reps = api.reps().then(r => { state.reps = r.reps || []; renderReps(state.reps); emit('reps', state.reps); }).catch(e => showError(e, 'Reps'));
  await Promise.all([base, reps, loadAccounts()]);
  mark('base');
  state.loaded = true;
  document.body.dataset.ready = 'true';
  readyResolve(true);
}

auth.start().then(boot).catch(e => { showError(e, 'Start-up'); readyResolve(false); });

// Boot: config, models, units, the default model; wires the tabs and exposes
// window.regio for tests and scripting.
import { state, on, emit, status, showError, el } from './state.js';
import { api, allUnits } from './api.js';
import { initMap, loadBasemap, renderUnits, fitToUnits, renderReps, loadAccounts, zoomToTerritory, colourTerritories, map } from './map.js';
import { initPanel, renderMeasurePicker } from './panel.js';
import { initEdit, renderTargetSelect, moveUnits, moveAccount, undo, redo, lockUnits, select, setTarget, resetEdits, updateButtons } from './edit.js';
import { loadModels, loadModel, fetchModel, initModelActions, refreshMetrics } from './model.js';
import { initJobs, startJob, cancelJob } from './jobs.js';
import { initCompare, runCompare, clearCompare } from './compare.js';
import { initPlan, runPlan, showDay } from './plan.js';

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
  if (!state.model) { box.replaceChildren('No model.'); return; }
  box.replaceChildren(...[['csv', 'Alignment CSV (unit_id,territory)'], ['geojson', 'Territory polygons (GeoJSON)'], ['kml', 'Territory polygons (KML)']].map(([f, label]) =>
    el('li', {}, el('a', { id: 'export-' + f, href: api.exportUrl(state.model, f), download: `${state.model}.${f}`, text: label }))));
  document.getElementById('export-model').textContent = state.model;
}

async function switchModel(name, reloadList) {
  if (reloadList) await loadModels();
  resetEdits();
  try { await loadModel(name); }
  catch (e) { showError(e, 'Loading ' + name); throw e; }
}

let readyResolve;
window.regio = {
  state,
  ready: new Promise(r => { readyResolve = r; }),
  moveUnits, moveAccount, undo, redo, lockUnits, select, setTarget,
  loadModel: n => switchModel(n, true),
  compare: runCompare, clearCompare, plan: runPlan, showDay, startJob, cancelJob,
  get map() { return map; },
};

async function boot() {
  initTabs();
  initMap();
  initPanel();
  initEdit();
  initModelActions(n => switchModel(n));
  initJobs((n, reload) => switchModel(n, reload));
  initCompare();
  initPlan();
  on('model-loaded', () => { renderTargetSelect(); renderExports(); updateButtons(); emit('target-changed', state.target); });
  on('revision', () => { const r = document.getElementById('model-rev'); if (r) r.textContent = 'rev ' + state.revision; });
  on('balance-changed', async ms => {
    state.balance = ms;
    try { await refreshMetrics(); } catch (e) { showError(e, 'Balance measures'); }
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
  const pre = state.defaultModel ? fetchModel(state.defaultModel) : null;
  const [units, geo] = await Promise.allSettled([unitsP, geoP]);
  mark('fetched');
  if (units.status === 'fulfilled') for (const u of units.value) state.units[u.id] = u;
  else showError(units.reason, 'Units');
  if (geo.status === 'rejected') showError(geo.reason, 'Unit boundaries');
  // Draw the unit layer once the alignment is known, so every path is styled once.
  const drawUnits = () => {
    if (geo.status !== 'fulfilled') return false;
    colourTerritories(geo.value);
    if (units.status === 'fulfilled') fitToUnits();
    renderUnits(geo.value);
    if (units.status === 'rejected') {
      // No centroids from /units: derive them from the boundaries for the lasso and labels.
      for (const [id, l] of Object.entries(state.unitLayers)) { const c = l.getBounds().getCenter(); state.units[id] = { id, name: l.feature.properties.name, lat: c.lat, lon: c.lng, measures: {} }; }
    }
    if (units.status !== 'fulfilled') fitToUnits();
    mark('units');
    return true;
  };
  try {
    if (state.defaultModel) await loadModel(state.defaultModel, pre, drawUnits);
    else { drawUnits(); await loadModel(null); }
    if (state.measures.length && !state.balance.length) state.balance = [state.measures[0]];
  } catch (e) {
    showError(e, 'Loading model ' + state.defaultModel);
    if (!Object.keys(state.unitLayers).length) drawUnits();
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

boot().catch(e => { showError(e, 'Start-up'); readyResolve(false); });

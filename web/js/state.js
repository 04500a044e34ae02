// Shared UI state, a tiny event bus, the status bar and formatting.
// The loaded model's state (name, revision, alignment, locks, account
// overrides, territories, summary, hierarchy) is not here: model.js owns it.

export const state = {
  config: null,
  measures: [],          // every measure the server knows
  balance: [],           // measures chosen in the balance panel
  models: [],            // model objects from GET /models
  defaultModel: null,
  colors: {},            // territory id → colour
  units: {},             // unit id → {id, name, lat, lon, measures} (the same for every model)
  selection: [],         // selected unit ids
  target: '',            // territory units are moved to ('' = select mode)
  undo: [],              // the editor's batches of {unit, from, to} or {account, unit, from, to, …}
  redo: [],
  compare: null,         // last compare answer while the compare colouring is on
  reps: [],
  plan: null,
  job: null,
  reasons: {},           // unit id → why it moved, of the model shown (reasons.js)
  lastError: null,
  loaded: false,
};
// Leaflet layers are not serialisable: keep them off the enumerable state.
Object.defineProperty(state, 'unitLayers', { value: {}, writable: true, enumerable: false });

const listeners = {};
export function on(ev, fn) { (listeners[ev] = listeners[ev] || []).push(fn); }
export function emit(ev, ...args) { for (const fn of listeners[ev] || []) fn(...args); }

// ---- status bar ----
let statusTimer = null;
export function status(msg, level = 'info') {
  const el = document.getElementById('status');
  if (!el) return;
  clearTimeout(statusTimer);
  el.textContent = msg;
  el.dataset.level = level;
  el.className = 'status-' + level;
  if (level === 'error') state.lastError = msg;
  el.dataset.code = '';
  if (level === 'busy') return;
  if (level === 'info' || level === 'ok') statusTimer = setTimeout(() => { if (el.textContent === msg) { el.textContent = 'Ready'; el.dataset.level = 'idle'; el.className = 'status-idle'; } }, 8000);
}
export function showError(e, what) {
  if (e && e.name === 'AbortError') return;
  if (e && typeof e === 'object') e.shown = true;
  const code = e && e.code ? ` [${e.code}]` : '';
  status(`${what ? what + ': ' : ''}${e && e.message ? e.message : e}${code}`, 'error');
  const bar = document.getElementById('status');
  if (bar && e && e.code) bar.dataset.code = e.code;
}

/** A territory's rep as people read it: the rep's name (state.reps), else
 *  its id; '' for a territory without one. */
export function repName(id) {
  if (!id) return '';
  const r = (state.reps || []).find(x => x.id === id);
  return r && r.name ? r.name : id;
}
export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    // Through the CSSOM: the Content-Security-Policy refuses style attributes.
    else if (k === 'style') e.style.cssText = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k);
  return e;
}

// ---- colours ----
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948',
  '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#b6992d', '#d4a6c8'];
export function colorOf(tid) {
  if (state.colors[tid]) return state.colors[tid];
  let h = 0;
  for (const c of String(tid)) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}
/** Greedy colouring of territories over an adjacency {t: Set(t)} so neighbours differ. */
export function assignColors(terrIds, adj) {
  const colors = {};
  const order = [...terrIds].sort((a, b) => (adj[b]?.size || 0) - (adj[a]?.size || 0) || (a < b ? -1 : 1));
  const used = new Array(PALETTE.length).fill(0);
  for (const t of order) {
    const taken = new Set([...(adj[t] || [])].map(n => colors[n]).filter(Boolean));
    let best = -1;
    for (let i = 0; i < PALETTE.length; i++) {
      if (taken.has(PALETTE[i])) continue;
      if (best < 0 || used[i] < used[best]) best = i;
    }
    if (best < 0) best = terrIds.indexOf(t) % PALETTE.length;
    used[best]++;
    colors[t] = PALETTE[best];
  }
  return colors;
}

export function debounce(fn, ms) {
  let t = null;
  return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
}
export const today = () => new Date().toISOString().slice(0, 10);

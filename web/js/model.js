// The loaded territory model: this module is the one owner of its state.
//
// Ownership rule. Everything that describes the model shown — its name and
// model object (state, parent, …), its revision, the unit alignment, the
// locks, the manual account moves (overrides), the territory metrics and the
// summary, the territory hierarchy — lives here, and changes only through the
// operations below: load(), reload(), applyMoves() and applyLocks() (a
// server's answer to an edit), refreshMetrics(), and the background refresh
// they schedule. Other modules read it with the accessors and listen to the
// events; none assigns it. The accessors that return objects (alignment(),
// locked(), accountOverrides(), territories(), …) hand out this module's own
// data for reading: never modify what they return.
//
// What stays outside, as UI state in state.js: the list of models and the
// default model (modelbar.js), the server's measures and the measures chosen
// in the balance panel (panel.js), the unit catalogue (names, centroids, unit
// measures: the same for every model), the selection, the move target, the
// territory colours, the undo / redo stacks (the editor's history of its own
// requests, edit.js), compare, plan, job. window.regio.state (main.js) shows
// both: the fields owned here read through, read-only.
//
// Events (on / emit of state.js), in this order when several fire:
//   'model-loaded'    (name, {reload})  a model was loaded, or the one shown
//                     was reloaded (reload: true, after a stale revision):
//                     every field above was replaced.
//   'metrics-changed' ()  territory metrics and summary were replaced or
//                     merged (an edit's answer, the refresh after an edit,
//                     other balance measures).
//   'model-changed'   ({units, accounts, locked, revision})  the server
//                     accepted an edit and it was applied: the units whose
//                     territory changed, the accounts whose override changed,
//                     the units whose lock changed, the new revision.
//   'outlines'        (geojson | null)  territory outlines of the current
//                     revision (null: they could not be fetched).
import { state, emit, showError, debounce } from './state.js';
import { api } from './api.js';

const blank = () => ({
  name: null,            // name of the model shown
  info: null,            // its model object (GET /models/{m}), revision kept current
  revision: null,        // revision of the alignment this client holds
  alignment: {},         // unit id → territory id
  locked: {},            // unit id → true
  accounts: {},          // account id → territory: the model's manual account moves
  territories: [],       // territory metrics {id, name, parent, units, totals, target, dev, …}
  ids: [],               // territory ids, in the server's order
  summary: null,
  hierarchy: [],         // every territory of the model {id, name, parent}, parents included
  measures: [],          // the measures the territories answer lists
  balanceMeasures: [],   // the measures its balance figures were asked for
});
let m = blank();

// ---- reading ----
export const name = () => m.name;
export const info = () => m.info;
export const revision = () => m.revision;
/** True when the model may be edited (a planning scenario; true before any model is known). */
export const isEditable = () => !m.info || m.info.state === 'planning';
export const alignment = () => m.alignment;
export const territoryOf = unit => m.alignment[unit] ?? null;
export const hasUnit = unit => Object.hasOwn(m.alignment, unit);
export const unitsIn = t => Object.keys(m.alignment).filter(u => m.alignment[u] === t);
export const locked = () => m.locked;
export const isLocked = unit => !!m.locked[unit];
export const accountOverrides = () => m.accounts;
/** The override an account has (null: it follows its unit). */
export const accountOverride = account => m.accounts[account] ?? null;
/** The territory of an account: its override, else its unit's territory. */
export const accountTerritory = (account, unit) => m.accounts[account] ?? (unit ? m.alignment[unit] : undefined) ?? null;
export const territories = () => m.territories;
export const territoryIds = () => m.ids;
export const territory = id => m.territories.find(t => t.id === id) || null;
export const summary = () => m.summary;
export const hierarchy = () => m.hierarchy;
export const measures = () => m.measures;
export const balanceMeasures = () => m.balanceMeasures;

// ---- changing (the only writers) ----
function setMetrics(t) {
  m.territories = t.territories || [];
  m.ids = m.territories.map(x => x.id);
  m.summary = t.summary || null;
  m.hierarchy = t.hierarchy || [];
  if (t.measures && t.measures.length) m.measures = t.measures.slice();
  m.balanceMeasures = (t.balance_measures && t.balance_measures.length) ? t.balance_measures.slice()
    : Object.keys(m.territories[0]?.totals || {}).slice(0, 1);
}

function setRevision(rev) {
  if (typeof rev !== 'number') return;
  m.revision = rev;
  if (m.info) m.info.revision = rev;
}

/** Replaces the whole model from the three answers. The revision is the
 *  alignment's: an edit is checked against the alignment this client holds. */
function replace(modelName, inf, al, terr) {
  const next = blank();
  next.name = modelName;
  next.info = { ...(inf || {}) };
  next.alignment = al.units || {};
  next.accounts = { ...(al.accounts || {}) };
  for (const u of al.locked || []) next.locked[u] = true;
  m = next;
  setMetrics(terr);
  setRevision(al.revision ?? inf?.revision ?? terr.revision ?? null);
}

/** Starts the requests a model needs (the boot sequence starts them early). */
export function prefetch(modelName) {
  const geo = api.territoriesGeojson(modelName);
  geo.catch(() => {});
  return { name: modelName, geo, data: Promise.all([api.model(modelName), api.alignment(modelName), api.territories(modelName, state.balance)]) };
}

let loadSeq = 0;
/** Loads a model (`pre`: a prefetch() of it). Emits 'model-loaded', then
 *  'outlines'; resolves once the outlines are there (or failed). Rejects with
 *  the ApiError when the model cannot be read. */
export async function load(modelName, pre) {
  const seq = ++loadSeq;
  const f = pre && pre.name === modelName ? pre : prefetch(modelName);
  const [inf, al, terr] = await f.data;
  if (seq !== loadSeq) return;              // another model was asked for meanwhile
  replace(modelName, inf, al, terr);
  emit('model-loaded', modelName, { reload: false });
  const g = await f.geo.catch(e => { showError(e, 'Territory outlines'); return null; });
  if (seq === loadSeq && m.name === modelName) emit('outlines', g);
}

/** Reloads the model shown (after a stale revision: edited elsewhere). */
export async function reload() {
  const modelName = m.name, seq = loadSeq;
  const [inf, al, terr] = await Promise.all([api.model(modelName), api.alignment(modelName), api.territories(modelName, state.balance)]);
  if (modelName !== m.name || seq !== loadSeq) return;
  replace(modelName, inf, al, terr);
  emit('model-loaded', modelName, { reload: true });
  refreshOutlines().catch(e => showError(e, 'Territory outlines'));
}

/** Applies the server's answer to POST …/moves: the moves ({unit, to} or
 *  {account, to}, `to: null` = the override removed; by default the answer's
 *  `moved`), the revision, and the server's figures of the territories it
 *  lists — the panel shows what the server counts, overrides included; the
 *  other territories follow with the background refresh. */
export function applyMoves(r, moved = r.moved || []) {
  const units = [], accounts = [];
  for (const x of moved) {
    if (x.account !== undefined && x.account !== null) {
      if (x.to === null || x.to === undefined) delete m.accounts[x.account];
      else m.accounts[x.account] = x.to;
      accounts.push(x.account);
    } else if (x.unit && x.to) {
      m.alignment[x.unit] = x.to;
      units.push(x.unit);
    }
  }
  setRevision(r.revision);
  mergeMetrics(r.territories, r.summary);
  emit('metrics-changed');
  emit('model-changed', { units, accounts, locked: [], revision: m.revision });
  scheduleRefresh();
}

/** Applies the server's answer to POST …/locks for `units`. */
export function applyLocks(r, units, lock) {
  setRevision(r.revision);
  for (const u of units) { if (lock) m.locked[u] = true; else delete m.locked[u]; }
  emit('model-changed', { units: [], accounts: [], locked: units.slice(), revision: m.revision });
  scheduleRefresh();
}

function mergeMetrics(terrs, sum) {
  if (terrs && terrs.length) {
    const fresh = new Map(terrs.map(t => [t.id, t]));
    m.territories = m.territories.map(t => (fresh.has(t.id) ? { ...t, ...fresh.get(t.id) } : t));
  }
  if (sum) m.summary = { ...(m.summary || {}), ...sum };
}

/** Metrics for newly chosen balance measures (state.balance). The revision
 *  stays the alignment's. */
export async function refreshMetrics() {
  const modelName = m.name, rev = m.revision;
  if (!modelName) return;
  const t = await api.territories(modelName, state.balance);
  if (modelName !== m.name || rev !== m.revision) return;   // an edit's refresh brings them
  setMetrics(t);
  emit('metrics-changed');
}

async function refreshOutlines() {
  const modelName = m.name, rev = m.revision;
  const g = await api.territoriesGeojson(modelName);
  if (modelName === m.name && rev === m.revision) emit('outlines', g);
}

let refreshSeq = 0;
/** After an edit: exact metrics and fresh outlines, in the background. */
const scheduleRefresh = debounce(async () => {
  const seq = ++refreshSeq, rev = m.revision, modelName = m.name;
  const current = () => seq === refreshSeq && rev === m.revision && modelName === m.name;
  try {
    const t = await api.territories(modelName, state.balance);
    if (!current()) return;
    setMetrics(t);
    emit('metrics-changed');
    const g = await api.territoriesGeojson(modelName);
    if (current()) emit('outlines', g);
  } catch (e) { showError(e, 'Refreshing territories'); }
}, 250);

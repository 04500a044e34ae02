// Why units moved: the reasons stored with the model shown
// (GET /models/{m}/reasons), for the unit tooltip and the change table.
import { state, on } from './state.js';
import { api } from './api.js';

const cache = {};           // model name → {unit: reason} (a promise while loading)

/** The reasons of a model ({} when it has none or the caller may not read them). */
export function reasonsOf(name) {
  if (!name) return Promise.resolve({});
  if (!cache[name]) cache[name] = api.reasons(name).then(r => r.reasons || {}).catch(() => ({}));
  return cache[name];
}

/** The reason of unit id in the model shown, when the unit is still where
 *  the design or realign put it; else null. */
export function reasonFor(id, territory) {
  const r = state.reasons && state.reasons[id];
  return r && (!territory || r.to === territory) ? r : null;
}

export function initReasons() {
  on('model-loaded', (name, opts) => {
    if (opts && opts.reload) delete cache[name]; // a reload may follow a new save
    state.reasons = {};
    reasonsOf(name).then(r => { state.reasons = r; });
  });
}

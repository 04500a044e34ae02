// Thin client for the Regio HTTP API (docs/API.md). Every call resolves with
// the parsed JSON body or rejects with an ApiError carrying the API's
// {"error": {"code", "message"}} (plus HTTP status and the whole body).

export const API = '/api/v1';

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message || code || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code || 'http_' + status;
    this.body = body || null;
  }
}

const enc = encodeURIComponent;

// Sign-in (auth.js): the session's CSRF token goes with every write, and a
// 401 is handed to the sign-in form. Both live here, so every request of the
// app gets them.
let csrfToken = null;
let unauthorized = null;
/** The CSRF token of the signed-in session (null: none, e.g. single-user). */
export function setCsrfToken(token) { csrfToken = token || null; }
/** `fn(error)` is called on every 401 answer (not for requests made with `{ quiet401: true }`). */
export function onUnauthorized(fn) { unauthorized = fn; }

function qs(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    parts.push(enc(k) + '=' + (Array.isArray(v) ? v.map(enc).join(',') : enc(v)));
  }
  return parts.length ? '?' + parts.join('&') : '';
}

export async function request(method, path, { query, body, signal, quiet401 = false } = {}) {
  const opts = { method, headers: { Accept: 'application/json' }, signal };
  if (csrfToken && method !== 'GET' && method !== 'HEAD') opts.headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(API + path + qs(query), opts);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', `Cannot reach the Regio server (${method} ${path}): ${e.message}`);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : {};
    const e = new ApiError(res.status, err.code, err.message || `${method} ${path} failed: HTTP ${res.status}`, data);
    const wait = Number(res.headers.get('Retry-After'));
    if (wait > 0) e.retryAfter = wait;
    if (res.status === 401 && unauthorized && !quiet401) unauthorized(e);
    throw e;
  }
  if (text && data === null) throw new ApiError(res.status, 'bad_response', `${method} ${path}: the answer is not JSON`);
  return data;
}

const get = (p, query, signal) => request('GET', p, { query, signal });
const post = (p, body, query) => request('POST', p, { body: body === undefined ? {} : body, query });
const m = name => '/models/' + enc(name);

export const api = {
  health: () => get('/health'),
  config: () => get('/config'),
  models: () => get('/models'),
  model: name => get(m(name)),
  createModel: body => post('/models', body),
  clone: (name, body) => post(m(name) + '/clone', body),
  promote: (name, effective_from) => post(m(name) + '/promote', { effective_from }),
  archive: name => post(m(name) + '/archive'),
  compare: (a, b) => get('/compare', { a, b }),
  territories: (name, balance) => get(m(name) + '/territories', { balance }),
  territoriesGeojson: name => get(m(name) + '/territories.geojson'),
  alignment: name => get(m(name) + '/alignment'),
  reasons: name => get(m(name) + '/reasons'),
  moves: (name, revision, moves) => post(m(name) + '/moves', { revision, moves }),
  locks: (name, revision, units, locked) => post(m(name) + '/locks', { revision, units, locked }),
  units: params => get('/units', params),
  unit: id => get('/units/' + enc(id)),
  unitsGeojson: bbox => get('/units.geojson', { bbox }),
  accounts: (params, signal) => get('/accounts', params, signal),
  reps: () => get('/reps'),
  startJob: body => post('/jobs', body),
  jobs: () => get('/jobs'),
  job: id => get('/jobs/' + enc(id)),
  cancelJob: id => post('/jobs/' + enc(id) + '/cancel'),
  plan: (name, territory, params) => post(m(name) + '/territories/' + enc(territory) + '/plan', {}, params),
  exportUrl: (name, format) => API + m(name) + '/export' + qs({ format }),
};

/** All units (id, name, lat, lon, measures), paged 5000 at a time. */
export async function allUnits() {
  const out = [];
  let offset = 0;
  for (;;) {
    const page = await api.units({ limit: 5000, offset });
    const got = page.units || [];
    out.push(...got);
    offset += got.length;
    if (!got.length || offset >= (page.total ?? 0)) break;
  }
  return out;
}

// The Accounts tab: the accounts the caller may read (GET /accounts answers
// only those, each with the caller's access level: read, edit or owner), with
// a text search, their territory in the model shown, and paging. A click on
// a row shows the account on the map.
import { on, el, showError, debounce } from './state.js';
import * as fmt from './format.js';
import { api } from './api.js';
import * as model from './model.js';
import * as auth from './auth.js';
import { map } from './map.js';

const PAGE = 100;
const list = { q: '', rows: [], total: 0, abort: null, loading: false };

async function load(more = false) {
  if (list.abort) list.abort.abort();
  const ac = list.abort = new AbortController();
  if (!more) { list.rows = []; list.total = 0; }
  list.loading = true;
  render();
  try {
    const r = await api.accounts({ q: list.q, limit: PAGE, offset: list.rows.length }, ac.signal);
    if (ac.signal.aborted) return;
    list.rows = list.rows.concat(r.accounts || []);
    list.total = r.total ?? list.rows.length;
  } catch (e) {
    if (e.name !== 'AbortError') showError(e, 'Accounts');
  } finally {
    if (list.abort === ac) { list.abort = null; list.loading = false; render(); }
  }
}

function render() {
  const info = document.getElementById('accounts-total');
  const body = document.getElementById('accounts-body');
  const more = document.getElementById('accounts-more');
  if (!info) return;
  const s = auth.session();
  const whose = s && s.mode === 'users' && !s.reads_all ? ' you can read' : '';
  const n = list.total;
  info.dataset.total = String(n);
  info.dataset.loading = String(list.loading);   // the tests' "answered" signal
  info.textContent = list.loading && !list.rows.length ? 'Loading accounts …'
    : `${fmt.count(n)} account${n === 1 ? '' : 's'}${whose}${list.q ? ` matching “${list.q}”` : ''}` +
      (n > list.rows.length ? ` · first ${fmt.count(list.rows.length)} shown` : '') + '.';
  body.replaceChildren(...list.rows.map(a => {
    const t = model.accountTerritory(a.id, a.unit);
    return el('tr', { dataset: { account: a.id, access: a.access || '', territory: t || '' }, title: 'Show on the map' },
      el('td', { class: 'acc-name' }, el('div', { class: 'acc-title', text: a.name || a.id }),
        el('small', { class: 'muted', text: [a.id, a.city, a.region].filter(Boolean).join(' · ') })),
      el('td', { class: 'territory', text: t || '—' }),
      el('td', { class: 'num revenue', text: fmt.money(a.annual_revenue) }),
      el('td', { class: 'num potential', text: fmt.money(a.potential) }),
      el('td', {}, a.access ? el('span', { class: 'access ' + a.access, text: a.access }) : null));
  }));
  more.hidden = list.loading || list.rows.length >= n;
}

export function initAccounts() {
  const form = document.getElementById('accounts-search-form');
  if (!form) return;
  const input = document.getElementById('accounts-search');
  const search = () => { const q = input.value.trim(); if (q !== list.q) { list.q = q; load(); } };
  form.addEventListener('submit', e => { e.preventDefault(); list.q = input.value.trim(); load(); });
  input.addEventListener('input', debounce(search, 300));
  document.getElementById('accounts-more').addEventListener('click', () => load(true));
  document.getElementById('accounts-body').addEventListener('click', e => {
    const tr = e.target.closest('tr[data-account]');
    const a = tr && list.rows.find(x => x.id === tr.dataset.account);
    if (a && a.lat != null && map) map.setView([a.lat, a.lon], Math.max(map.getZoom(), 10));
  });
  let started = false;
  on('model-loaded', () => { if (!started) { started = true; load(); } else render(); });
  on('model-changed', render);
}

// Assignment rules in the Org tab: the rules of the territory selected in
// the tree (its own, and those it inherits from above, read-only), and for
// those who may administer it (docs/ACCESS.md rule 10) a small editor —
// name, inherit, logic, up to 10 criteria — with a live count of the
// accounts the rule would match, asked of the server as the rule is typed
// (POST …/rules/count), plus a dry run and a run of the territory's rules.
// Every check is the server's: its message is what is shown.
import { on, status, el } from './state.js';
import * as fmt from './format.js';
import { request } from './api.js';
import * as model from './model.js';

const enc = encodeURIComponent;
const OPERATORS = ['equals', 'not_equals', 'starts_with', 'contains', 'not_contains', 'in',
  'less_than', 'greater_than', 'less_or_equal', 'greater_or_equal'];
const FIELDS = ['name', 'city', 'region', 'postal_code', 'country', 'owner', 'industry', 'type',
  'segment', 'unit', 'annual_revenue', 'employees', 'potential', 'lat', 'lon'];
const MAX_CRITERIA = 10;

let territory = null;  // the territory whose rules are shown
let listing = null;    // GET …/rules answer
let editing = null;    // the rule being edited ({id?, name, logic, inherit, active, criteria})
let countTimer = null;
let countSeq = 0;

const base = () => `/models/${enc(model.name())}`;

function box() { return document.getElementById('rules-panel'); }

async function load(t) {
  territory = t;
  editing = null;
  listing = null;
  render();
  if (!t) return;
  try {
    listing = await request('GET', `${base()}/territories/${enc(t)}/rules`);
  } catch (e) {
    listing = { error: e.message };
  }
  if (territory === t) render();
}

function criterionText(c) {
  return `${c.field} ${c.operator} '${c.value ?? ''}'`;
}

function ruleRow(r, own) {
  const admin = own && listing.can_manage;
  return el('li', { class: 'rule', dataset: { rule: String(r.id) } },
    el('b', { text: r.name }),
    own ? null : el('span', { class: 'muted', text: ` from ${r.territory}` }),
    r.inherit ? el('span', { class: 'muted', text: ' · inherited by descendants' }) : null,
    r.active ? null : el('span', { class: 'muted', text: ' · inactive' }),
    el('div', { class: 'muted', text: `logic: ${r.logic || 'all criteria (AND)'}` }),
    el('ol', {}, r.criteria.map(c => el('li', { text: criterionText(c) }))),
    admin ? el('div', { class: 'row' },
      el('button', { type: 'button', class: 'rule-edit', text: 'Edit', onclick: () => edit(r) }),
      el('button', { type: 'button', class: 'rule-delete', text: 'Delete', onclick: () => remove(r) })) : null);
}

function render() {
  const b = box();
  if (!b) return;
  if (!territory) {
    b.replaceChildren(el('p', { class: 'muted', text: 'Select a territory to see its assignment rules.' }));
    return;
  }
  if (!listing) { b.replaceChildren(el('p', { class: 'muted', text: 'Loading rules …' })); return; }
  if (listing.error) { b.replaceChildren(el('p', { class: 'warnbox', text: listing.error })); return; }
  const kids = [el('h4', { text: `Assignment rules of ${territory}` })];
  kids.push(listing.rules.length
    ? el('ul', { class: 'rules', id: 'rules-own' }, listing.rules.map(r => ruleRow(r, true)))
    : el('p', { class: 'muted', text: 'No rules of its own.' }));
  if (listing.inherited.length)
    kids.push(el('p', { class: 'muted', text: 'It also needs every rule it inherits:' }),
      el('ul', { class: 'rules', id: 'rules-inherited' }, listing.inherited.map(r => ruleRow(r, false))));
  if (listing.can_manage) {
    kids.push(el('div', { class: 'row' },
      editing ? null : el('button', { type: 'button', id: 'rule-new', class: 'primary', text: 'New rule',
        onclick: () => edit({ name: '', logic: '', inherit: false, active: true, criteria: [{ field: 'industry', operator: 'equals', value: '' }] }) }),
      el('button', { type: 'button', id: 'rules-dry-run', text: 'Dry run', onclick: () => runRules(true) }),
      el('button', { type: 'button', id: 'rules-run', text: 'Run rules', onclick: () => runRules(false) })));
    kids.push(el('p', { id: 'rules-run-result', class: 'muted' }));
  }
  if (editing) kids.push(editor());
  b.replaceChildren(...kids.filter(Boolean));
}

// ---- the editor ----
function edit(r) {
  editing = JSON.parse(JSON.stringify({ id: r.id, name: r.name, logic: r.logic || '', inherit: r.inherit,
    active: r.active, criteria: r.criteria }));
  render();
  scheduleCount();
}

function body() {
  const b = { name: editing.name, logic: editing.logic || null, inherit: editing.inherit,
    active: editing.active, criteria: editing.criteria.map(c => ({ field: c.field, operator: c.operator, value: c.value })) };
  if (editing.id) b.id = editing.id;
  return b;
}

function scheduleCount() {
  clearTimeout(countTimer);
  countTimer = setTimeout(liveCount, 300);
}

async function liveCount() {
  const out = document.getElementById('rule-count');
  if (!out || !editing) return;
  const seq = ++countSeq;
  out.textContent = 'Counting …';
  try {
    const r = await request('POST', `${base()}/territories/${enc(territory)}/rules/count`,
      { body: { ...body(), name: editing.name || 'draft' } });
    if (seq !== countSeq) return;
    out.className = 'rule-count';
    out.textContent = `${fmt.count(r.satisfying)} of ${fmt.count(r.accounts)} accounts satisfy this rule; `
      + `${fmt.count(r.matching)} would match ${territory}.`;
    out.dataset.matching = String(r.matching);
  } catch (e) {
    if (seq !== countSeq) return;
    out.className = 'rule-count warn';
    out.textContent = e.message;
    delete out.dataset.matching;
  }
}

function editor() {
  const e = editing;
  const input = (attrs, get, set) => el('input', { ...attrs, value: get() ?? '',
    oninput: ev => { set(ev.target.value); scheduleCount(); } });
  const rows = e.criteria.map((c, i) => el('tr', { dataset: { criterion: String(i + 1) } },
    el('td', { text: String(i + 1) }),
    el('td', {}, input({ class: 'rule-field', list: 'rule-fields', 'aria-label': `Field of criterion ${i + 1}` }, () => c.field, v => { c.field = v; })),
    el('td', {}, (() => {
      const s = el('select', { class: 'rule-operator', 'aria-label': `Operator of criterion ${i + 1}`,
        onchange: ev => { c.operator = ev.target.value; scheduleCount(); } },
      OPERATORS.map(o => el('option', { value: o, text: o })));
      s.value = c.operator;
      return s;
    })()),
    el('td', {}, input({ class: 'rule-value', 'aria-label': `Value of criterion ${i + 1}` }, () => c.value, v => { c.value = v; })),
    el('td', {}, e.criteria.length > 1 ? el('button', { type: 'button', text: '×', title: 'Remove this criterion',
      onclick: () => { e.criteria.splice(i, 1); render(); scheduleCount(); } }) : null)));
  const inherit = el('input', { type: 'checkbox', id: 'rule-inherit', onchange: ev => { e.inherit = ev.target.checked; scheduleCount(); } });
  inherit.checked = !!e.inherit;
  const active = el('input', { type: 'checkbox', id: 'rule-active', onchange: ev => { e.active = ev.target.checked; } });
  active.checked = e.active !== false;
  return el('form', { id: 'rule-editor', class: 'form compact', onsubmit: ev => { ev.preventDefault(); save(); } },
    el('h4', { text: e.id ? `Edit rule ${e.name}` : 'New rule' }),
    el('label', {}, 'Name ', input({ id: 'rule-name', required: true }, () => e.name, v => { e.name = v; })),
    el('label', { class: 'check' }, inherit, 'inherited by the descendants'),
    el('label', { class: 'check' }, active, 'active'),
    el('label', { title: 'criterion numbers with AND, OR, NOT and parentheses; empty: all criteria' }, 'Logic ',
      input({ id: 'rule-logic', placeholder: 'all criteria (AND)' }, () => e.logic, v => { e.logic = v; })),
    el('datalist', { id: 'rule-fields' }, FIELDS.map(f => el('option', { value: f }))),
    el('table', { class: 'grid rule-criteria' },
      el('thead', {}, el('tr', {}, ['#', 'Field', 'Operator', 'Value', ''].map(h => el('th', { text: h })))),
      el('tbody', {}, rows)),
    e.criteria.length < MAX_CRITERIA ? el('button', { type: 'button', id: 'rule-add-criterion', text: 'Add a criterion',
      onclick: () => { e.criteria.push({ field: '', operator: 'equals', value: '' }); render(); scheduleCount(); } }) : null,
    el('p', { id: 'rule-count', class: 'rule-count', 'aria-live': 'polite', text: ' ' }),
    el('p', { id: 'rule-error', class: 'warnbox', role: 'alert', hidden: true }),
    el('div', { class: 'row' },
      el('button', { type: 'submit', id: 'rule-save', class: 'primary', text: 'Save' }),
      el('button', { type: 'button', id: 'rule-cancel', text: 'Cancel', onclick: () => { editing = null; render(); } })));
}

async function save() {
  const err = document.getElementById('rule-error');
  try {
    if (editing.id) await request('POST', `${base()}/rules/${editing.id}`, { body: body() });
    else await request('POST', `${base()}/territories/${enc(territory)}/rules`, { body: body() });
  } catch (e) {
    err.textContent = e.message;
    err.hidden = false;
    return;
  }
  status(`Rule ${editing.name} saved in ${territory}; run the rules to apply it.`, 'ok');
  await load(territory);
}

async function remove(r) {
  try {
    await request('DELETE', `${base()}/rules/${r.id}`);
  } catch (e) { status(e.message, 'error'); return; }
  status(`Rule ${r.name} deleted; its associations stay until the next run.`, 'ok');
  await load(territory);
}

async function runRules(dry) {
  const out = document.getElementById('rules-run-result');
  try {
    const r = await request('POST', `${base()}/rules/run`, { body: { territory, dry_run: dry } });
    out.textContent = `${dry ? 'Would add' : 'Added'} ${fmt.count(r.added)}, ${dry ? 'remove' : 'removed'} `
      + `${fmt.count(r.removed)}, kept ${fmt.count(r.kept)} rule associations in ${territory} and below `
      + `(${fmt.count(r.matched)} after the run).`;
    out.dataset.added = String(r.added);
  } catch (e) {
    out.textContent = e.message;
  }
}

export function initRules() {
  const panel = document.getElementById('org-panel');
  if (!panel || document.getElementById('rules-panel')) return;
  panel.after(el('div', { id: 'rules-panel', class: 'rules-panel', 'data-testid': 'rules-panel' }));
  // The tree is org.js's: follow its selection.
  panel.addEventListener('click', e => {
    const n = e.target.closest('.org-node');
    if (n && n.dataset.territory !== territory) load(n.dataset.territory);
  });
  panel.addEventListener('keydown', e => {
    const n = e.target.closest('.org-node');
    if (n && (e.key === 'Enter' || e.key === ' ') && n.dataset.territory !== territory) load(n.dataset.territory);
  });
  on('model-loaded', () => load(null));
  render();
}

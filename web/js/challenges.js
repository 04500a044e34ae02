// The Changes tab: reps challenge, managers decide (docs/ACCESS.md). A member
// of the model in force sees what each planning model changes for their
// territories (GET /changes, GET /models/{m}/changes: units and accounts
// joining or leaving them, with what they carry) and challenges a change with
// a reason; below, the challenges the caller sees (GET /challenges) with what
// they may do — approve or reject with a comment (the managers of the
// territory, manage_territories), withdraw (the author). The server decides
// every step; its message is what is shown.
import { el, status, on } from './state.js';
import * as fmt from './format.js';
import { request } from './api.js';
import * as model from './model.js';

const enc = encodeURIComponent;
const STATUS_TEXT = { open: 'open', approved: 'approved', rejected: 'rejected', withdrawn: 'withdrawn' };

let plans = [];        // [{model, revision, changes, challenged}] from GET /changes
let shown = null;      // the planning model whose changes are listed
let changes = null;    // GET /models/{shown}/changes
let challenges = [];   // GET /challenges
let busy = false;

function showChallengeError(e, what) {
  const box = document.getElementById('challenges-error');
  const msg = e ? (e.message || String(e)) : '';
  if (box) { box.textContent = msg; box.hidden = !msg; }
  if (e) status(`${what}: ${msg}`, 'error');
}

/** Loads the planning models that change something for the caller, the
 *  changes of the one shown and the challenges the caller sees. */
export async function refresh() {
  try {
    const [p, c] = await Promise.all([request('GET', '/changes'), request('GET', '/challenges')]);
    plans = p.models || [];
    challenges = c.challenges || [];
    if (!plans.some(x => x.model === shown)) shown = plans.length ? plans[0].model : null;
    changes = shown ? await request('GET', `/models/${enc(shown)}/changes`) : null;
  } catch (e) {
    showChallengeError(e, 'Changes');
  }
  render();
}

const where = (id, name) => (name && name !== id ? `${name} (${id})` : id || '(none)');
const money = v => (v === undefined || v === null ? null : fmt.money(v));

/** One change: what moves where, what it carries, and the challenge form (or
 *  the caller's open challenge of it). */
function changeCard(c) {
  const verb = c.direction === 'out' ? `leaves ${c.territory}` : c.direction === 'in' ? `joins ${c.territory}` : 'moves between yours';
  const m = c.measures || {};
  const figures = [`${where(c.from, c.from_name)} → ${where(c.to, c.to_name)}`,
    m.accounts !== undefined ? `${fmt.count(m.accounts)} account${m.accounts === 1 ? '' : 's'}` : null,
    m.revenue !== undefined ? `revenue ${money(m.revenue)}` : null,
    m.potential !== undefined ? `potential ${money(m.potential)}` : null].filter(Boolean).join(' · ');
  const ch = c.challenge;
  let act;
  if (ch && ch.status === 'open') {
    act = el('div', { class: 'challenged', text: `You challenge this change (#${ch.id}, open).` });
  } else {
    const reason = el('input', { class: 'challenge-reason', type: 'text', placeholder: 'why it should stay as it is', 'aria-label': `Reason to challenge ${c.kind} ${c.id}` });
    act = el('form', { class: 'row challenge-form', onsubmit: ev => { ev.preventDefault(); raise(c, reason.value); } },
      reason, el('button', { type: 'submit', class: 'challenge-raise', text: 'Challenge' }),
      ch ? el('small', { class: 'muted', text: `your last challenge was ${STATUS_TEXT[ch.status] || ch.status}` }) : null);
  }
  return el('div', { class: 'change', dataset: { change: c.id, kind: c.kind, direction: c.direction, territory: c.territory } },
    el('div', { class: 'change-head' }, el('b', { text: c.name || c.id }), el('small', { class: 'muted', text: `${c.kind} ${c.id}` }),
      el('span', { class: 'direction ' + c.direction, text: verb })),
    el('div', { class: 'figures', text: figures }), act);
}

/** One challenge: the change, who raised it and why, where it stands, and
 *  what the caller may do (approve or reject with a comment, withdraw). */
function challengeCard(c) {
  const acts = [];
  if (c.may_decide) {
    const note = el('input', { class: 'challenge-note', type: 'text', placeholder: 'comment (required to reject)', 'aria-label': `Comment on challenge ${c.id}` });
    acts.push(note,
      el('button', { type: 'button', class: 'challenge-approve primary', text: 'Approve', title: `moves ${c.kind} ${c.item} back to ${c.from} in ${c.model}`, onclick: () => decide(c, 'approve', note.value) }),
      el('button', { type: 'button', class: 'challenge-reject', text: 'Reject', onclick: () => decide(c, 'reject', note.value) }));
  }
  if (c.may_withdraw) acts.push(el('button', { type: 'button', class: 'challenge-withdraw', text: 'Withdraw', onclick: () => decide(c, 'withdraw', '') }));
  const outcome = c.status === 'open' ? 'open: waiting for a manager of ' + c.territory
    : `${c.status}${c.auto_approved ? ' automatically' : c.decided_by ? ` by ${c.decided_by}` : ''}${c.note ? `: “${c.note}”` : ''}`;
  return el('div', { class: 'challenge', dataset: { challenge: String(c.id), status: c.status, model: c.model, item: c.item } },
    el('div', { class: 'challenge-head' }, el('b', { text: `#${c.id} ${c.kind} ${c.item}` }),
      el('span', { class: 'figures', text: `${c.from || '(none)'} → ${c.to || '(none)'} in ${c.model}` })),
    el('div', {}, `${c.raised_by}: `, el('span', { class: 'reason', text: `“${c.reason}”` })),
    el('div', { class: 'outcome', text: outcome }),
    acts.length ? el('div', { class: 'row challenge-actions' }, acts) : null);
}

function render() {
  const box = document.getElementById('challenges-panel');
  if (!box) return;
  const parts = [el('p', { id: 'challenges-error', class: 'warnbox', hidden: true })];
  parts.push(el('h4', { text: 'What the plans change for you' }));
  if (!plans.length) {
    parts.push(el('p', { class: 'muted', id: 'changes-none', text: 'No planning model moves a unit or an account into or out of your territories.' }));
  } else {
    if (plans.length > 1) {
      const sel = el('select', { id: 'changes-model', 'aria-label': 'Planning model', onchange: () => { shown = sel.value; refresh(); } },
        plans.map(p => el('option', { value: p.model, text: `${p.model} (${p.changes})` })));
      sel.value = shown;
      parts.push(el('label', { class: 'row' }, 'Planning model ', sel));
    }
    if (changes) {
      const n = changes.changes.length;
      parts.push(el('p', { class: 'muted', id: 'changes-summary', dataset: { model: changes.model, revision: String(changes.revision) },
        text: `${changes.model} (revision ${changes.revision}) against ${changes.in_force}: ${n} change${n === 1 ? '' : 's'} for ` +
          changes.territories.filter(t => t.units_in + t.units_out + t.accounts_in + t.accounts_out > 0)
            .map(t => `${t.id} (accounts ${fmt.measure('accounts', t.before.accounts)} → ${fmt.measure('accounts', t.after.accounts)})`).join(', ') +
          (changes.auto_approval?.enabled ? `. A challenge is approved at once when moving back keeps every territory within ${Math.round(changes.auto_approval.tolerance * 1000) / 10} % of its target.` : '.') }));
      parts.push(el('div', { id: 'changes-list' }, changes.changes.map(changeCard)));
    }
  }
  parts.push(el('h4', { text: 'Challenges' }));
  if (!challenges.length) parts.push(el('p', { class: 'muted', id: 'challenges-none', text: 'No challenges you raised or decide.' }));
  else {
    const order = [...challenges].sort((a, b) => (a.status === 'open' ? 0 : 1) - (b.status === 'open' ? 0 : 1) || b.id - a.id);
    parts.push(el('div', { id: 'challenges-list' }, order.map(challengeCard)));
  }
  box.replaceChildren(...parts);
}

async function raise(c, reason) {
  if (busy) return;
  busy = true;
  try {
    const body = { model: changes.model, reason };
    body[c.kind] = c.id;
    const r = await request('POST', '/challenges', { body });
    status(r.auto_approved ? `Challenge #${r.challenge.id}: approved automatically, ${c.kind} ${c.id} moved back.`
      : `Challenge #${r.challenge.id} raised: ${c.kind} ${c.id}.`, 'ok');
    showChallengeError(null);
    if (r.auto_approved) reloadShown(changes.model);
  } catch (e) {
    showChallengeError(e, 'Challenge');
  } finally { busy = false; }
  await refresh();
}

async function decide(c, verb, note) {
  if (busy) return;
  busy = true;
  try {
    const body = { note: note || null };
    if (verb === 'approve') body.revision = c.model_revision;
    await request('POST', `/challenges/${enc(c.id)}/${verb}`, { body });
    status(`Challenge #${c.id} ${verb === 'approve' ? 'approved' : verb === 'reject' ? 'rejected' : 'withdrawn'}.`, 'ok');
    showChallengeError(null);
    if (verb === 'approve') reloadShown(c.model);
  } catch (e) {
    showChallengeError(e, 'Challenge ' + c.id);
  } finally { busy = false; }
  await refresh();
}

/** The model the app shows follows an approved counter-move. */
function reloadShown(name) {
  if (model.name() === name) model.reload().catch(e => showChallengeError(e, 'Reloading ' + name));
}

export function initChallenges() {
  if (!document.getElementById('challenges-panel')) return;
  let started = false;
  on('model-loaded', () => { if (!started) { started = true; refresh(); } });
  // The changes are against the plans as they are now: after an edit of one, again.
  on('model-changed', () => { if (started && plans.some(p => p.model === model.name())) refresh(); });
  window.regio.refreshChallenges = refresh;
}

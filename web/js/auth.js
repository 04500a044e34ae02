// Sign-in: who is using the app. The app starts with GET /session; without a
// session (401) it shows the sign-in form and waits. The session's CSRF token
// is kept in memory only and goes with every write (api.js); any later 401
// (the session ended or was revoked) brings the form back. In single-user
// mode (a store without users, served on loopback) there is no sign-in: a
// small banner says so.
import { request, setCsrfToken, onUnauthorized } from './api.js';
import { el } from './state.js';

/** The session as GET /session answers it ({mode, user, csrf, model_in_force, manages, reads_all}); null before. */
let current = null;
export const session = () => current;
export const signedIn = () => !!(current && current.mode === 'users' && current.user);

/** Whether the caller holds manage_territories (or is the single local user). */
export const manages = () => !!(current && current.manages);

function adopt(s) {
  current = s;
  setCsrfToken(s && s.csrf);
  document.body.classList.toggle('can-manage', manages());
  document.body.classList.toggle('signed-in', signedIn());
  document.body.dataset.mode = s ? s.mode : '';
}

// ---- the sign-in form ----
let overlay = null, waitTimer = null, pending = null;

function form() {
  if (overlay) return overlay;
  const user = el('input', { id: 'signin-username', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const pass = el('input', { id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = el('button', { type: 'submit', id: 'signin-submit', class: 'primary', text: 'Sign in' });
  const note = el('p', { id: 'signin-note', class: 'signin-note', hidden: true });
  const error = el('p', { id: 'signin-error', class: 'signin-error', role: 'alert', hidden: true });
  const f = el('form', { id: 'signin-form', class: 'signin-card', 'aria-labelledby': 'signin-title', novalidate: true },
    el('h1', { id: 'signin-title' }, el('img', { src: '/app/favicon.svg', alt: '', width: 22, height: 22 }), ' Regio'),
    el('p', { class: 'muted', text: 'Sign in to see your territories and accounts.' }),
    note,
    el('label', {}, 'Username', user),
    el('label', {}, 'Password', pass),
    error,
    el('div', { class: 'signin-actions' }, submit));
  f.addEventListener('submit', e => { e.preventDefault(); attempt(); });
  overlay = el('div', { id: 'signin', class: 'signin', 'data-testid': 'signin' }, f);
  overlay.hidden = true;
  document.body.append(overlay);
  return overlay;
}

function showError(msg) {
  const e = document.getElementById('signin-error');
  e.textContent = msg;
  e.hidden = !msg;
}

/** Counts a 429's Retry-After down on the button; the form may be sent again at 0. */
function wait(seconds, message) {
  const b = document.getElementById('signin-submit');
  clearInterval(waitTimer);
  let left = Math.ceil(seconds);
  const tick = () => {
    if (left <= 0) {
      clearInterval(waitTimer);
      b.disabled = false;
      b.textContent = 'Sign in';
      showError('');
      return;
    }
    b.disabled = true;
    b.textContent = `Sign in (${left} s)`;
    showError(`${message} Wait ${left} s before trying again.`);
    left--;
  };
  tick();
  waitTimer = setInterval(tick, 1000);
}

async function attempt() {
  const u = document.getElementById('signin-username'), p = document.getElementById('signin-password');
  const b = document.getElementById('signin-submit');
  const username = u.value.trim();
  if (!username || !p.value) { showError('Enter your username and password.'); (username ? p : u).focus(); return; }
  b.disabled = true;
  showError('');
  try {
    await request('POST', '/login', { body: { username, password: p.value }, quiet401: true });
    // The answer's csrf is the session's; GET /session gives it again with the rest.
    const s = await request('GET', '/session', { quiet401: true });
    p.value = '';
    b.disabled = false;
    finish(s);
  } catch (e) {
    b.disabled = false;
    p.value = '';
    if (e.status === 429) wait(e.retryAfter || 1, 'Too many failed sign-ins.');
    else showError(e.status === 401 ? (e.message || 'wrong username or password') : `Cannot sign in: ${e.message}`);
    p.focus();
  }
}

function open(note) {
  const o = form();
  const n = document.getElementById('signin-note');
  n.textContent = note || '';
  n.hidden = !note;
  o.hidden = false;
  for (const x of document.querySelectorAll('body > header, body > main, body > footer')) x.inert = true;
  document.body.classList.add('signing-in');
  const u = document.getElementById('signin-username');
  (u.value ? document.getElementById('signin-password') : u).focus();
}

function close() {
  if (overlay) overlay.hidden = true;
  for (const x of document.querySelectorAll('body > header, body > main, body > footer')) x.inert = false;
  document.body.classList.remove('signing-in');
}

function finish(s) {
  const before = current && current.user ? current.user.username : null;
  adopt(s);
  close();
  renderUserBox();
  const p = pending;
  pending = null;
  if (p) p(s);
  // Another person signed in over an expired session: start afresh, so
  // nothing the previous user could read stays on the page.
  else if (before && s.user && s.user.username !== before) location.reload();
}

// ---- the top bar: who is signed in, sign out ----
function renderUserBox() {
  const bar = document.querySelector('.topbar');
  if (!bar) return;
  let box = document.getElementById('user-box');
  if (!box) { box = el('span', { id: 'user-box', class: 'user-box', 'data-testid': 'user-box' }); bar.append(box); }
  if (!current) { box.replaceChildren(); return; }
  if (current.mode === 'single-user') {
    box.replaceChildren(el('span', { id: 'single-user-banner', class: 'single-user', title: 'Anyone who can reach this server on this machine has every right.' },
      'Single-user mode: no sign-in (add users with ', el('code', { text: 'regio user add' }), ')'));
    return;
  }
  const u = current.user || {};
  box.replaceChildren(
    el('span', { id: 'signed-in-as', class: 'who', title: [u.email, u.permissions && 'permissions: ' + u.permissions.replace(/;/g, ', ')].filter(Boolean).join(' · ') },
      'Signed in as ', el('b', { text: u.name || u.username }),
      u.name && u.name !== u.username ? el('span', { class: 'muted', text: ` ${u.username}` }) : null,
      u.role ? el('span', { class: 'role', text: u.role }) : null),
    el('button', { type: 'button', id: 'signout-button', 'data-testid': 'signout', text: 'Sign out', onclick: signOut }));
}

/** Ends the session and starts the app afresh at the sign-in form. */
export async function signOut() {
  try { await request('POST', '/logout', { quiet401: true }); } catch { /* the form comes back either way */ }
  setCsrfToken(null);
  location.reload();
}

/**
 * Resolves with the session once there is one: at once when the browser
 * still holds a session or the server is in single-user mode, else after the
 * user signed in with the form. Afterwards every 401 shows the form again.
 */
export async function start() {
  onUnauthorized(() => {
    if (overlay && !overlay.hidden) return;
    open('Your session has ended. Sign in again to go on.');
  });
  let s = null;
  try {
    s = await request('GET', '/session', { quiet401: true });
  } catch (e) {
    if (e.status !== 401) throw e;
  }
  if (s) {
    adopt(s);
    renderUserBox();
    return s;
  }
  return new Promise(resolve => { pending = resolve; open(''); });
}

// The top bar: the model picker (the list of models), the shown model's state
// badge and revision, and the clone / promote / archive actions. It reads the
// shown model from model.js and follows its events.
import { state, emit, on, status, showError, el, today } from './state.js';
import { api } from './api.js';
import * as model from './model.js';

export async function loadModels() {
  const r = await api.models();
  state.models = r.models || [];
  state.defaultModel = r.default || state.config?.default_model || (state.models[0] && state.models[0].name) || null;
  renderModelSelect();
  emit('models', state.models);
  return state.models;
}

export function renderModelSelect() {
  const sel = document.getElementById('model-select');
  sel.replaceChildren(...state.models.map(m => el('option', { value: m.name, text: `${m.name} (${m.state})` })));
  if (model.name()) sel.value = model.name();
}

export function renderModelInfo() {
  const m = model.info() || {};
  const st = document.getElementById('model-state');
  st.textContent = m.state || '';
  st.className = 'badge ' + (m.state || '');
  const rev = model.revision();
  document.getElementById('model-rev').textContent = rev != null ? 'rev ' + rev : '';
  document.getElementById('model-rev').title = [m.description, m.parent ? 'from ' + m.parent : '', m.effective_from ? (m.state === 'scheduled' ? 'active from ' : 'effective ') + m.effective_from : ''].filter(Boolean).join(' · ');
  document.getElementById('promote-button').disabled = m.state !== 'planning';
  document.getElementById('archive-button').disabled = m.state === 'archived' || !m.state;
}

/** `onSwitch(name)` opens another model (or the same one again). */
export function initModelBar(onSwitch) {
  on('model-loaded', name => { document.getElementById('model-select').value = name; renderModelInfo(); });
  on('model-changed', renderModelInfo);
  const sel = document.getElementById('model-select');
  sel.addEventListener('change', () => { onSwitch(sel.value).catch(() => {}); });
  const form = document.getElementById('model-form');
  const input = document.getElementById('model-form-input');
  const label = document.getElementById('model-form-label');
  let action = null;
  const open = (a, lab, type, value, okText) => {
    action = a;
    label.textContent = lab;
    input.type = type;
    input.value = value;
    document.getElementById('model-form-ok').textContent = okText;
    form.hidden = false;
    if (type !== 'hidden') { input.focus(); input.select?.(); }
  };
  document.getElementById('clone-button').addEventListener('click', () => open('clone', 'New scenario name', 'text', uniqueName(model.name() + '-copy'), 'Clone'));
  document.getElementById('promote-button').addEventListener('click', () => open('promote', `Promote "${model.name()}" to active, effective from`, 'date', today(), 'Promote'));
  document.getElementById('archive-button').addEventListener('click', () => open('archive', `Archive "${model.name()}"? An archived model cannot be edited or activated again.`, 'hidden', model.name(), 'Archive'));
  document.getElementById('model-form-cancel').addEventListener('click', () => { form.hidden = true; });
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const v = input.value.trim();
    const name = model.name();
    try {
      if (action === 'clone') {
        if (!v) return status('Give the new scenario a name.', 'warn');
        const m = await api.clone(name, { name: v, description: `clone of ${name}` });
        form.hidden = true;
        await loadModels();
        await onSwitch(m.name || v);
        status(`Cloned ${name} → ${m.name || v} (planning).`, 'ok');
      } else if (action === 'promote') {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return status('Effective date must be YYYY-MM-DD.', 'warn');
        const p = await api.promote(name, v);
        form.hidden = true;
        await loadModels();
        await onSwitch(name);
        // A date ahead schedules the model: the one in force stays until then.
        status(p && p.state === 'scheduled'
          ? `${name} is scheduled: it becomes the active model on ${v}; the model in force stays until then.`
          : `${name} is now active from ${v}; the previously active model was archived.`, 'ok');
      } else if (action === 'archive') {
        await api.archive(name);
        form.hidden = true;
        await loadModels();
        await onSwitch(name);
        status(`${name} archived.`, 'ok');
      }
    } catch (err) { showError(err, action[0].toUpperCase() + action.slice(1)); }
  });
}

function uniqueName(base) {
  const names = new Set(state.models.map(m => m.name));
  if (!names.has(base)) return base;
  for (let i = 2; ; i++) if (!names.has(`${base}-${i}`)) return `${base}-${i}`;
}

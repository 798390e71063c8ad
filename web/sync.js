// Sync page (issue 16): send this computer's work to a server (the button, when the browser is
// online), the user's machine tokens for `assess sync`, and the conflicts a sync found — both values
// with who and when, and a "keep this one" choice that the server records in the audit.
// Plain DOM, text only.

import { t, tx } from './i18n.js';
import { h, clear, api, session } from './util.js';

export function canSync() {
  return !!session.user && session.user.role !== 'bureau';
}

function errorText(e) {
  return e && e.network ? t('error_network', { msg: e.message }) : t('error_generic', { msg: e && e.message ? e.message : String(e) });
}

// An answer as a person reads it: its value (an answer with evidence or a note keeps it in "value").
function valueText(v) {
  if (v === null || v === undefined) return t('sy_value_none');
  if (typeof v === 'object' && !Array.isArray(v)) {
    const parts = [];
    if ('value' in v) parts.push(valueText(v.value));
    if (v.na) parts.push(t('sy_value_na'));
    if (Array.isArray(v.evidence) && v.evidence.length) parts.push(t('sy_value_evidence', { n: v.evidence.length }));
    if (v.note) parts.push(`“${v.note}”`);
    return parts.length ? parts.join(' · ') : JSON.stringify(v);
  }
  if (Array.isArray(v)) return v.map((x) => valueText(x)).join(', ');
  return String(v);
}

function syncPanel() {
  const status = h('p', { role: 'status', id: 'sync-status', class: 'muted' });
  const server = h('input', { id: 'sync-server', type: 'url', autocomplete: 'url', placeholder: 'http://127.0.0.1:8080' });
  const token = h('input', { id: 'sync-token', type: 'password', autocomplete: 'current-password' });
  const run = h('button', { type: 'button', class: 'btn primary', id: 'sync-run' }, t('sy_run'));
  const offline = h('p', { class: 'muted', id: 'sync-offline' }, t('sy_offline'));
  function online() {
    run.disabled = !navigator.onLine;
    offline.hidden = navigator.onLine;
  }
  online();
  window.addEventListener('online', online);
  window.addEventListener('offline', online);
  run.addEventListener('click', async () => {
    if (!server.value.trim() || !token.value.trim()) {
      status.textContent = t('sy_need_server');
      return;
    }
    run.disabled = true;
    status.textContent = t('sy_running');
    try {
      const r = await api('POST', '/api/sync/run', { server: server.value.trim(), token: token.value.trim() });
      const p = r.pushed || {};
      const q = r.pulled || {};
      status.textContent = t('sy_done', {
        pushed: p.changes || 0,
        pulled: q.changes || 0,
        sent: r.files_sent,
        received: r.files_received,
        conflicts: r.conflicts_open,
      });
    } catch (e) {
      status.textContent = errorText(e);
    }
    online();
  });
  return h('section', { class: 'card', 'aria-labelledby': 'sync-run-title' },
    h('h2', { id: 'sync-run-title' }, t('sy_run_title')),
    h('p', { class: 'muted' }, t('sy_run_help')),
    h('label', { for: 'sync-server' }, t('sy_server')), server,
    h('label', { for: 'sync-token' }, t('sy_token')), token,
    h('div', { class: 'actions' }, run), offline, status);
}

function tokensPanel() {
  const list = h('ul', { id: 'token-list' });
  const shown = h('p', { id: 'token-new', role: 'status' });
  const name = h('input', { id: 'token-name', type: 'text', maxlength: '100' });
  const add = h('button', { type: 'button', class: 'btn', id: 'token-add' }, t('sy_token_add'));
  async function reload() {
    clear(list);
    for (const tk of await api('GET', '/api/machine-tokens')) {
      const li = h('li', null, `${tk.name} · ${t('sy_token_created', { at: tk.created_at })}`);
      if (tk.revoked_at) li.append(` · ${t('sy_token_revoked', { at: tk.revoked_at })}`);
      else {
        const revoke = h('button', { type: 'button', class: 'btn ghost', id: `token-revoke-${tk.id}` }, t('sy_token_revoke'));
        revoke.addEventListener('click', async () => {
          await api('DELETE', `/api/machine-tokens/${tk.id}`);
          await reload();
        });
        li.append(' ', revoke);
      }
      list.append(li);
    }
  }
  add.addEventListener('click', async () => {
    try {
      const r = await api('POST', '/api/machine-tokens', { name: name.value.trim() || t('sy_token_default_name') });
      clear(shown).append(t('sy_token_shown'), ' ', h('code', { id: 'token-new-value' }, r.token));
      await reload();
    } catch (e) {
      shown.textContent = errorText(e);
    }
  });
  const section = h('section', { class: 'card', 'aria-labelledby': 'tokens-title' },
    h('h2', { id: 'tokens-title' }, t('sy_tokens_title')),
    h('p', { class: 'muted' }, t('sy_tokens_help')),
    h('label', { for: 'token-name' }, t('sy_token_name')), name,
    h('div', { class: 'actions' }, add), shown, list);
  return { section, reload };
}

function conflictsPanel() {
  const box = h('div', { id: 'conflicts' });
  const status = h('p', { role: 'status', id: 'conflicts-status' });
  async function reload(message) {
    const list = await api('GET', '/api/sync/conflicts');
    clear(box);
    status.textContent = message || '';
    if (!list.length) {
      box.append(h('p', { class: 'muted', id: 'conflicts-none' }, t('sy_conflicts_none')));
      return;
    }
    for (const c of list) {
      const title = c.title ? tx(c.title) : c.question;
      const side = (which, label) => {
        const v = c[which];
        const keep = h('button', { type: 'button', class: 'btn', id: `keep-${which}-${c.id}` }, t('sy_keep'));
        keep.addEventListener('click', async () => {
          try {
            await api('POST', `/api/sync/conflicts/${c.id}/resolve`, { keep: which });
            await reload(t('sy_resolved', { question: title, value: valueText(v.value) }));
          } catch (e) {
            status.textContent = errorText(e);
          }
        });
        return h('div', { class: 'conflict-side', dataset: { side: which } },
          h('h4', null, label),
          h('p', { class: 'conflict-value' }, valueText(v.value)),
          h('p', { class: 'muted' }, t('sy_by_at', { by: v.by || t('sy_unknown'), at: v.at })),
          keep);
      };
      box.append(h('article', { class: 'card conflict', id: `conflict-${c.id}` },
        h('h3', null, title),
        h('p', { class: 'muted' },
          h('a', { href: `#/assessment/${c.assessment_id}` }, `${c.enterprise} · ${t('a_title', { id: c.assessment_id })}`),
          ` · ${c.module} · ${c.question}`),
        h('div', { class: 'conflict-sides' }, side('server', t('sy_side_server')), side('incoming', t('sy_side_incoming')))));
    }
  }
  const section = h('section', { 'aria-labelledby': 'conflicts-title' },
    h('h2', { id: 'conflicts-title' }, t('sy_conflicts_title')),
    h('p', { class: 'muted' }, t('sy_conflicts_help')), status, box);
  return { section, reload };
}

export async function viewSync(main, { pageTitle }) {
  pageTitle(t('sy_title'));
  const conflicts = conflictsPanel();
  const tokens = tokensPanel();
  main.append(h('h1', null, t('sy_title')), conflicts.section, syncPanel(), tokens.section);
  await Promise.all([conflicts.reload(), tokens.reload()]);
}

// The admin's user page: add a user (with a first password to be replaced at the first login),
// change a role, disable or enable an account, reset a password. Plain DOM, text only.

import { t } from './i18n.js';
import { h, clear, api, session } from './util.js';

const ROLES = ['admin', 'consultant', 'enterprise', 'bureau'];

function roleSelect(id, value, label) {
  const sel = h('select', { id, 'aria-label': label });
  for (const r of ROLES) sel.append(h('option', { value: r, selected: r === value }, t(`role_${r}`)));
  return sel;
}

function enterpriseSelect(id, enterprises, value, label) {
  const sel = h('select', { id, 'aria-label': label });
  sel.append(h('option', { value: '' }, t('u_pick_enterprise')));
  for (const e of enterprises) sel.append(h('option', { value: String(e.id), selected: e.id === value }, e.name));
  return sel;
}

export async function viewUsers(main, { pageTitle }) {
  pageTitle(t('u_title'));
  const [users, enterprises] = await Promise.all([api('GET', '/api/users'), api('GET', '/api/enterprises?limit=500')]);
  const entName = new Map(enterprises.map((e) => [e.id, e.name]));
  const status = h('p', { role: 'status', class: 'muted', id: 'users-status' });
  const tbody = h('tbody');

  function rerender(list) {
    clear(tbody);
    for (const u of list) tbody.append(row(u));
  }
  async function reload(message) {
    rerender(await api('GET', '/api/users'));
    status.textContent = message || '';
  }

  function row(u) {
    const self = u.id === session.user.id;
    const msg = h('p', { class: 'form-error', role: 'alert' });
    // role
    const rsel = roleSelect(`u-role-${u.id}`, u.role, t('u_role_of', { name: u.name }));
    const esel = enterpriseSelect(`u-ent-${u.id}`, enterprises, u.enterprise_id, t('u_enterprise_of', { name: u.name }));
    esel.hidden = rsel.value !== 'enterprise';
    rsel.addEventListener('change', () => {
      esel.hidden = rsel.value !== 'enterprise';
    });
    const saveRole = h('button', { type: 'button', class: 'btn', id: `u-save-role-${u.id}` }, t('u_save_role'));
    saveRole.addEventListener('click', async () => {
      msg.textContent = '';
      const body = { role: rsel.value };
      if (rsel.value === 'enterprise') {
        if (!esel.value) {
          msg.textContent = t('u_need_enterprise');
          esel.focus();
          return;
        }
        body.enterprise_id = Number(esel.value);
      }
      try {
        await api('POST', `/api/users/${u.id}/role`, body);
        await reload(t('u_role_saved', { name: u.name, role: t(`role_${body.role}`) }));
      } catch (e) {
        msg.textContent = e.message;
      }
    });
    const roleCell = self
      ? h('td', null, t(`role_${u.role}`))
      : h('td', null, h('div', { class: 'inline-form' }, rsel, esel, saveRole));

    // state
    const state = [u.disabled ? t('u_disabled') : t('u_active')];
    if (u.must_change_password) state.push(t('u_must_change'));

    // actions
    const actions = h('div', { class: 'inline-form' });
    if (!self) {
      const toggle = h('button', { type: 'button', class: `btn${u.disabled ? '' : ' danger'}`, id: `u-toggle-${u.id}` },
        u.disabled ? t('u_enable') : t('u_disable'), h('span', { class: 'sr-only' }, ` ${u.name}`));
      toggle.addEventListener('click', async () => {
        msg.textContent = '';
        try {
          await api('POST', `/api/users/${u.id}/${u.disabled ? 'enable' : 'disable'}`);
          await reload(t(u.disabled ? 'u_enabled_msg' : 'u_disabled_msg', { name: u.name }));
        } catch (e) {
          msg.textContent = e.message;
        }
      });
      const reset = h('button', { type: 'button', class: 'btn', id: `u-reset-${u.id}`, 'aria-expanded': 'false', 'aria-controls': `u-reset-form-${u.id}` },
        t('u_reset'), h('span', { class: 'sr-only' }, ` ${u.name}`));
      const pw = h('input', { type: 'password', id: `u-reset-pw-${u.id}`, autocomplete: 'new-password' });
      const ok = h('button', { type: 'submit', class: 'btn primary' }, t('u_reset_submit'));
      const form = h('form', { class: 'inline-form', id: `u-reset-form-${u.id}`, hidden: true, novalidate: true },
        h('label', { for: `u-reset-pw-${u.id}` }, t('u_reset_pw', { name: u.name })), pw, ok);
      reset.addEventListener('click', () => {
        form.hidden = !form.hidden;
        reset.setAttribute('aria-expanded', String(!form.hidden));
        if (!form.hidden) pw.focus();
      });
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        msg.textContent = '';
        if (pw.value.length < 10) {
          msg.textContent = t('pw_short');
          pw.focus();
          return;
        }
        ok.disabled = true;
        try {
          await api('POST', `/api/users/${u.id}/password`, { password: pw.value });
          await reload(t('u_reset_done', { name: u.name }));
        } catch (e) {
          ok.disabled = false;
          msg.textContent = e.message;
        }
      });
      actions.append(toggle, reset, form);
    } else {
      actions.append(h('a', { href: '#/password' }, t('pw_link')));
    }
    return h('tr', { dataset: { user: u.name } },
      h('td', null, h('strong', null, u.name)),
      roleCell,
      h('td', null, u.enterprise_id ? entName.get(u.enterprise_id) || `#${u.enterprise_id}` : '–'),
      h('td', { class: 'u-state' }, state.join(' · ')),
      h('td', null, actions, msg));
  }

  // add a user
  const name = h('input', { id: 'nu-name', autocomplete: 'off', maxlength: '64', required: true });
  const role = roleSelect('nu-role', 'consultant', null);
  role.removeAttribute('aria-label');
  const ent = enterpriseSelect('nu-enterprise', enterprises, null, null);
  ent.removeAttribute('aria-label');
  const entField = h('div', { class: 'field', hidden: true }, h('label', { for: 'nu-enterprise' }, t('u_enterprise')), ent);
  role.addEventListener('change', () => {
    entField.hidden = role.value !== 'enterprise';
  });
  const pw = h('input', { id: 'nu-password', type: 'password', autocomplete: 'new-password', required: true, 'aria-describedby': 'nu-password-help' });
  const must = h('input', { type: 'checkbox', id: 'nu-must', checked: true });
  const addMsg = h('p', { class: 'form-error', role: 'alert', id: 'nu-error' });
  const add = h('button', { type: 'submit', class: 'btn primary', id: 'nu-submit' }, t('u_add_submit'));
  const addForm = h('form', { class: 'card', novalidate: true },
    h('h2', null, t('u_add')),
    h('div', { class: 'field' }, h('label', { for: 'nu-name' }, t('login_name')), name, h('p', { class: 'help' }, t('u_name_help'))),
    h('div', { class: 'field' }, h('label', { for: 'nu-role' }, t('u_role')), role),
    entField,
    h('div', { class: 'field' }, h('label', { for: 'nu-password' }, t('u_first_password')), pw,
      h('p', { class: 'help', id: 'nu-password-help' }, t('u_first_password_help'))),
    h('label', { class: 'opt', for: 'nu-must' }, must, h('span', null, t('u_must'))),
    addMsg, add);
  addForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    addMsg.textContent = '';
    if (!name.value.trim()) {
      addMsg.textContent = t('required_field');
      name.focus();
      return;
    }
    if (pw.value.length < 10) {
      addMsg.textContent = t('pw_short');
      pw.focus();
      return;
    }
    const body = { name: name.value.trim(), role: role.value, password: pw.value, must_change_password: must.checked };
    if (role.value === 'enterprise') {
      if (!ent.value) {
        addMsg.textContent = t('u_need_enterprise');
        ent.focus();
        return;
      }
      body.enterprise_id = Number(ent.value);
    }
    add.disabled = true;
    try {
      await api('POST', '/api/users', body);
      name.value = '';
      pw.value = '';
      await reload(t('u_added', { name: body.name }));
    } catch (e) {
      addMsg.textContent = e.message;
    } finally {
      add.disabled = false;
    }
  });

  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'list users' },
    h('caption', { class: 'sr-only' }, t('u_title')),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, t('login_name')), h('th', { scope: 'col' }, t('u_role')),
      h('th', { scope: 'col' }, t('u_enterprise')), h('th', { scope: 'col' }, t('u_state')),
      h('th', { scope: 'col' }, t('u_actions')))),
    tbody));
  main.append(h('div', { class: 'page' }, h('h1', null, t('u_title')), status, table, addForm));
  rerender(users);
}

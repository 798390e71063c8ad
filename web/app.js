// assess web UI: login, enterprises, assessments (form, live level, evidence), results, report.
// Plain ES modules, no build step. Every piece of data reaches the page through textContent.

import { t, tx, lang, setLang, nextLang, languageList } from './i18n.js';
import { h, clear, api, session, fmt, debounce } from './util.js';
import { indexDefinition, AnswerStore, renderModule, showUscc, unansweredQuestions } from './form.js';
import { renderModuleResult, renderRewards, renderSummary } from './results.js';
import { viewBureau, canUseBureau } from './bureau.js';
import { viewUsers } from './users.js';
import { viewSync, canSync } from './sync.js';
import { renderProjects, factInWords } from './projects.js';
import { rollYears, renderComparison, loadPrevious } from './compare.js';
import { codeList, codeName, regionPicker, industryPicker } from './codes.js';

const PAGE = 50;

const app = {
  questionnaires: null, // [{id, titles, short_titles, …}]
  defs: new Map(), // id → {def, index}
  assess: null, // the open assessment: {id, assessment, enterprise, store, live, …}
  pendingFocus: null,
  searchQuery: '',
};

const top = document.getElementById('top');
const main = document.getElementById('main');

// ---------------------------------------------------------------------------------------------
// helpers

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

// Modules in the order their definitions give ("order", then id); unknown ids last.
function sortModules(mods) {
  const orderOf = (id) => {
    const q = (app.questionnaires || []).find((x) => x.id === id);
    return q && typeof q.order === 'number' ? q.order : 1e9;
  };
  return [...mods].sort((a, b) => orderOf(a) - orderOf(b) || a.localeCompare(b));
}

function moduleTitle(id) {
  const q = (app.questionnaires || []).find((x) => x.id === id);
  if (!q) return id;
  return tx(q.titles) || id;
}

// A tab's label: the definition's short_title (its title when it has none).
function moduleShort(id) {
  const q = (app.questionnaires || []).find((x) => x.id === id);
  if (!q) return id;
  return tx(q.short_titles) || id;
}

function roleName(role) {
  return t(`role_${role}`);
}

function canWriteRole() {
  return session.user && session.user.role !== 'bureau';
}

function canCreateEnterprise() {
  return session.user && (session.user.role === 'admin' || session.user.role === 'consultant');
}

// Where a user starts: an enterprise user on its own assessment, everyone else on the list.
function homeHash() {
  return session.user && session.user.role === 'enterprise' ? '#/home' : '#/enterprises';
}

// Dates for people: "2026-12-20 14:13" in local time instead of a raw UTC stamp.
function localTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

// A one-time notice for the next page ("password changed"), read once.
function flashBox() {
  if (!app.flash) return null;
  const box = h('p', { class: 'notice', role: 'status', id: 'flash' }, app.flash);
  app.flash = null;
  return box;
}

function errorBox(e) {
  const msg = e && e.network ? t('error_network', { msg: e.message }) : t('error_generic', { msg: e && e.message ? e.message : String(e) });
  return h('p', { class: 'alert', role: 'alert' }, msg);
}

function pageTitle(text) {
  document.title = text ? `${text} · ${t('app_title')}` : t('app_title');
}

function focusHeading() {
  const h1 = main.querySelector('h1');
  if (h1) {
    h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: true });
  }
}

async function loadQuestionnaires() {
  if (!app.questionnaires) app.questionnaires = await api('GET', '/api/questionnaires');
  return app.questionnaires;
}

async function loadDef(id) {
  if (!app.defs.has(id)) {
    // Immutable per version: under its versioned URL the browser keeps the definition (issue 14 item 12).
    const meta = (app.questionnaires || []).find((q) => q.id === id);
    const v = meta && meta.definition_hash ? `?v=${encodeURIComponent(meta.definition_hash)}` : '';
    const def = await api('GET', `/api/questionnaires/${encodeURIComponent(id)}${v}`, undefined, { cache: 'default' });
    app.defs.set(id, { def, index: indexDefinition(def) });
  }
  return app.defs.get(id);
}

// ---------------------------------------------------------------------------------------------
// header

function renderHeader() {
  clear(top);
  const skip = h('a', { class: 'skip', href: '#main' }, t('skip'));
  skip.addEventListener('click', (ev) => {
    ev.preventDefault();
    main.focus();
  });
  const brand = h('a', { class: 'brand', href: '#/enterprises' }, t('app_title'));
  const right = h('div', { class: 'top-right' });
  // The language switch: one button to the other language when there are two catalogues, a list when
  // there are more (web/i18n/<tag>.json; the server lists them).
  const next = nextLang();
  let langBtn;
  if (languageList().length > 2) {
    langBtn = h('select', { id: 'lang-select', class: 'lang-select', 'aria-label': t('lang_choose') });
    for (const l of languageList()) langBtn.append(h('option', { value: l.tag, lang: l.tag, selected: l.tag === lang() }, l.name));
    langBtn.addEventListener('change', async () => {
      await setLang(langBtn.value);
      renderHeader();
      route({ keepFocus: true });
      document.getElementById('lang-select')?.focus();
    });
  } else {
    langBtn = h('button', { type: 'button', class: 'btn ghost', id: 'lang-toggle', lang: next.tag, 'aria-label': next.switch_to || next.name }, next.name);
  }
  if (langBtn.id === 'lang-toggle') langBtn.addEventListener('click', async () => {
    await setLang(next.tag);
    renderHeader();
    route({ keepFocus: true });
    document.getElementById('lang-toggle')?.focus();
  });
  const nav = h('nav', { class: 'top-nav', 'aria-label': t('app_title') });
  if (session.user) {
    const here = (location.hash || '').startsWith('#/bureau');
    if (session.user.role === 'enterprise') nav.append(h('a', { href: '#/home', id: 'nav-home' }, t('nav_home')));
    else nav.append(h('a', { href: '#/enterprises' }, t('nav_enterprises')));
    if (canUseBureau()) nav.append(h('a', { href: '#/bureau', id: 'nav-bureau', 'aria-current': here ? 'page' : undefined }, t('nav_bureau')));
    if (canSync()) nav.append(h('a', { href: '#/sync', id: 'nav-sync', 'aria-current': (location.hash || '').startsWith('#/sync') ? 'page' : undefined }, t('nav_sync')));
    if (session.user.role === 'admin') {
      nav.append(h('a', { href: '#/users', id: 'nav-users', 'aria-current': (location.hash || '').startsWith('#/users') ? 'page' : undefined }, t('nav_users')));
    }
    right.append(h('span', { class: 'who' }, `${session.user.name} · ${roleName(session.user.role)}`));
    right.append(h('a', { class: 'btn ghost', href: '#/password', id: 'change-password' }, t('pw_link')));
  }
  right.append(langBtn);
  if (session.user) {
    const out = h('button', { type: 'button', class: 'btn ghost' }, t('logout'));
    out.addEventListener('click', async () => {
      if (app.assess) await app.assess.store.flushAll();
      try {
        await api('POST', '/api/logout');
      } catch {
        // the session may already be gone
      }
      session.user = null;
      session.csrf = '';
      app.assess = null;
      app.loggedOut = true;
      renderHeader();
      go('#/login');
    });
    right.append(out);
  }
  top.append(h('div', { class: 'top-inner' }, skip, brand, nav, right));
}

// ---------------------------------------------------------------------------------------------
// login

function viewLogin() {
  pageTitle(t('login_title'));
  const name = h('input', { id: 'login-name', name: 'username', autocomplete: 'username', required: true });
  const pw = h('input', { id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const msg = h('p', { class: 'form-error', role: 'alert', id: 'login-error' });
  const btn = h('button', { type: 'submit', class: 'btn primary' }, t('login_submit'));
  const form = h('form', { class: 'card login', novalidate: true },
    h('h1', null, t('login_title')),
    h('p', { class: 'muted' }, t('login_intro')),
    h('div', { class: 'field' }, h('label', { for: 'login-name' }, t('login_name')), name),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, t('login_password')), pw),
    msg, btn);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    if (!name.value.trim() || !pw.value) {
      msg.textContent = t('required_field');
      (name.value.trim() ? pw : name).focus();
      return;
    }
    btn.disabled = true;
    btn.textContent = t('login_busy');
    try {
      const r = await api('POST', '/api/login', { name: name.value.trim(), password: pw.value });
      session.user = r.user;
      session.csrf = r.csrf;
      session.mustChange = !!r.must_change_password;
      app.loggedOut = false;
      renderHeader();
      if (session.mustChange) {
        go('#/password');
        return;
      }
      const target = app.afterLogin || homeHash();
      app.afterLogin = null;
      go(target);
    } catch (e) {
      msg.textContent = e.status === 401 ? t('login_failed') : e.network ? t('error_network', { msg: e.message }) : e.message;
      btn.disabled = false;
      btn.textContent = t('login_submit');
      pw.focus();
    }
  });
  main.append(h('div', { class: 'narrow' }, form));
  name.focus();
}

// ---------------------------------------------------------------------------------------------
// password change (required after the first start's one-time password)

function viewPassword() {
  pageTitle(t('pw_title'));
  const field = (id, label, autocomplete) => {
    const input = h('input', { id, type: 'password', autocomplete, required: true });
    return [input, h('div', { class: 'field' }, h('label', { for: id }, label), input)];
  };
  const [current, currentField] = field('pw-current', t('pw_current'), 'current-password');
  const [next, nextField] = field('pw-new', t('pw_new'), 'new-password');
  const [repeat, repeatField] = field('pw-repeat', t('pw_repeat'), 'new-password');
  const msg = h('p', { class: 'form-error', role: 'alert', id: 'pw-error' });
  const btn = h('button', { type: 'submit', class: 'btn primary' }, t('pw_submit'));
  const form = h('form', { class: 'card login', novalidate: true },
    h('h1', null, t('pw_title')),
    h('p', { class: 'muted' }, session.mustChange ? t('pw_intro_first') : t('pw_intro')),
    currentField, nextField, repeatField, msg, btn);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    if (next.value.length < 10) {
      msg.textContent = t('pw_short');
      next.focus();
      return;
    }
    if (next.value !== repeat.value) {
      msg.textContent = t('pw_mismatch');
      repeat.focus();
      return;
    }
    btn.disabled = true;
    try {
      await api('POST', '/api/password', { current_password: current.value, new_password: next.value });
      session.mustChange = false;
      app.flash = t('pw_changed');
      const target = app.afterLogin || homeHash();
      app.afterLogin = null;
      go(target);
    } catch (e) {
      msg.textContent = e.pointer === '/current_password' ? t('pw_wrong') : e.message;
      btn.disabled = false;
    }
  });
  main.append(h('div', { class: 'narrow' }, form));
  current.focus();
}

// ---------------------------------------------------------------------------------------------
// invite link: the enterprise chooses its user name and password, then continues its assessment

async function viewInvite(token) {
  pageTitle(t('inv_title'));
  let info;
  try {
    info = await api('GET', `/api/invites/${encodeURIComponent(token)}`);
  } catch (e) {
    if (e.status !== 404) throw e;
    main.append(h('div', { class: 'narrow' }, h('div', { class: 'card' },
      h('h1', null, t('inv_title')), h('p', { class: 'alert', role: 'alert' }, t('inv_gone')),
      h('p', null, h('a', { href: '#/login' }, t('login_title'))))));
    return;
  }
  const name = h('input', { id: 'inv-name', autocomplete: 'username', maxlength: '64', required: true, 'aria-describedby': 'inv-name-help inv-name-msg' });
  const nameMsg = h('p', { class: 'field-msg bad', id: 'inv-name-msg', 'aria-live': 'polite' });
  const pw = h('input', { id: 'inv-password', type: 'password', autocomplete: 'new-password', required: true, 'aria-describedby': 'inv-password-help' });
  const repeat = h('input', { id: 'inv-repeat', type: 'password', autocomplete: 'new-password', required: true });
  const msg = h('p', { class: 'form-error', role: 'alert', id: 'inv-error' });
  const btn = h('button', { type: 'submit', class: 'btn primary' }, t('inv_submit'));
  const form = h('form', { class: 'card login', novalidate: true },
    h('h1', null, t('inv_title')),
    h('p', null, t('inv_intro', { name: info.enterprise })),
    info.expires_at ? h('p', { class: 'muted small' }, t('inv_expires', { at: localTime(info.expires_at) })) : null,
    h('div', { class: 'field' }, h('label', { for: 'inv-name' }, t('login_name')), name,
      h('p', { class: 'help', id: 'inv-name-help' }, t('u_name_help')), nameMsg),
    h('div', { class: 'field' }, h('label', { for: 'inv-password' }, t('pw_new')), pw,
      h('p', { class: 'help', id: 'inv-password-help' }, t('pw_rules'))),
    h('div', { class: 'field' }, h('label', { for: 'inv-repeat' }, t('pw_repeat')), repeat),
    msg, btn);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    nameMsg.textContent = '';
    name.removeAttribute('aria-invalid');
    if (!name.value.trim()) {
      nameMsg.textContent = t('required_field');
      name.setAttribute('aria-invalid', 'true');
      name.focus();
      return;
    }
    if (pw.value.length < 10) {
      msg.textContent = t('pw_short');
      pw.focus();
      return;
    }
    if (pw.value !== repeat.value) {
      msg.textContent = t('pw_mismatch');
      repeat.focus();
      return;
    }
    btn.disabled = true;
    try {
      const r = await api('POST', `/api/invites/${encodeURIComponent(token)}/accept`, { name: name.value.trim(), password: pw.value });
      session.user = r.user;
      session.csrf = r.csrf;
      session.mustChange = false;
      app.loggedOut = false;
      app.assess = null;
      renderHeader();
      go('#/home');
    } catch (e) {
      btn.disabled = false;
      if (e.pointer === '/name') {
        nameMsg.textContent = e.status === 400 && e.key === 'err_name_taken' ? t('inv_name_taken') : e.message;
        name.setAttribute('aria-invalid', 'true');
        name.focus();
      } else {
        msg.textContent = e.status === 404 ? t('inv_gone') : e.message;
      }
    }
  });
  main.append(h('div', { class: 'narrow' }, form));
  name.focus();
}

// An enterprise user's start: its open assessment, one click from where it stopped.
async function viewHome() {
  const id = session.user.enterprise_id;
  if (!id) {
    await viewEnterprises();
    return;
  }
  const e = await api('GET', `/api/enterprises/${id}`);
  await loadQuestionnaires();
  pageTitle(t('home_title'));
  const assessments = [...(e.assessments || [])].sort((a, b) => b.id - a.id);
  const open = assessments.filter((a) => a.status === 'open');
  const page = h('div', { class: 'page' }, flashBox(), h('h1', null, t('home_title')), h('p', { class: 'muted' }, e.name));
  if (open.length) {
    for (const a of open) {
      page.append(h('div', { class: 'card home-card' },
        h('h2', null, t('a_title', { id: a.id }), ' ', h('span', { class: `badge st-${a.status}` }, t(`status_${a.status}`))),
        h('p', { class: 'muted small' }, [a.date, sortModules(a.modules).map(moduleShort).join(t('sep_list'))].filter(Boolean).join(' · ')),
        h('p', null, h('a', { class: 'btn primary', href: `#/assessment/${a.id}/continue`, id: `continue-${a.id}` }, t('home_continue')))));
    }
  } else {
    page.append(h('p', null, t('home_none_open')));
  }
  const done = assessments.filter((a) => a.status !== 'open');
  if (done.length) {
    const ul = h('ul', null);
    for (const a of done) {
      ul.append(h('li', null, h('a', { href: `#/assessment/${a.id}/results` }, t('a_title', { id: a.id })), ` · ${a.date || ''} · `,
        h('span', { class: `badge st-${a.status}` }, t(`status_${a.status}`))));
    }
    page.append(h('h2', null, t('home_done')), ul);
  }
  page.append(h('p', null, h('a', { href: `#/enterprise/${e.id}` }, t('home_enterprise_page'))));
  main.append(page);
}

// ---------------------------------------------------------------------------------------------
// enterprises

async function viewEnterprises() {
  pageTitle(t('ent_title'));
  const [regionList, industryList] = await Promise.all([codeList('region'), codeList('industry')]);
  const search = h('input', { type: 'search', id: 'ent-search', placeholder: t('ent_search_placeholder'), value: app.searchQuery, autocomplete: 'off' });
  const count = h('p', { class: 'muted', role: 'status', id: 'ent-count' });
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'btn', hidden: true }, t('ent_more'));
  const table = h('table', { class: 'list' },
    h('caption', { class: 'sr-only' }, t('ent_title')),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, t('ent_name')), h('th', { scope: 'col' }, t('ent_uscc')),
      h('th', { scope: 'col' }, t('ent_region')), h('th', { scope: 'col' }, t('ent_industry')),
      h('th', { scope: 'col' }, t('ent_created')))),
    tbody);
  const head = h('div', { class: 'page-head' }, h('h1', null, t('ent_title')));
  if (canCreateEnterprise()) head.append(h('a', { class: 'btn primary', href: '#/enterprises/new', id: 'new-enterprise' }, t('ent_new')));
  main.append(h('div', { class: 'page' }, flashBox(), head,
    h('div', { class: 'field search' }, h('label', { for: 'ent-search' }, t('ent_search')), search),
    count, table, more));

  let offset = 0;
  let shown = 0;
  let seq = 0;
  async function load(reset) {
    const mine = ++seq;
    if (reset) offset = 0;
    try {
      const q = search.value.trim();
      // One more than a page: "show more" appears only when there is more to show.
      const list = await api('GET', `/api/enterprises?q=${encodeURIComponent(q)}&limit=${PAGE + 1}&offset=${offset}`);
      const hasMore = list.length > PAGE;
      if (hasMore) list.length = PAGE;
      if (mine !== seq) return;
      if (reset) {
        clear(tbody);
        shown = 0;
      }
      for (const e of list) {
        tbody.append(h('tr', null,
          h('td', null, h('a', { href: `#/enterprise/${e.id}`, class: 'ent-link' }, e.name)),
          h('td', { class: 'mono' }, e.uscc || ''),
          h('td', null, e.region ? codeName(regionList, e.region) : ''),
          h('td', null, e.industry ? codeName(industryList, e.industry) : ''),
          h('td', null, e.created_at ? h('time', { datetime: e.created_at }, localTime(e.created_at)) : '')));
      }
      shown += list.length;
      offset += list.length;
      count.textContent = shown ? t('ent_count', { n: shown }) : t('ent_none');
      more.hidden = !hasMore;
    } catch (e) {
      if (mine === seq) count.textContent = e.message;
    }
  }
  search.addEventListener('input', debounce(() => {
    app.searchQuery = search.value;
    load(true);
  }, 250));
  more.addEventListener('click', () => load(false));
  await load(true);
}

async function viewNewEnterprise() {
  pageTitle(t('new_title'));
  // Region and industry are picked by name (issue 14 item 9); a code may still be typed.
  const [regionP, industryP] = await Promise.all([
    regionPicker({ id: 'ne-region', help: t('cd_region_help') }),
    industryPicker({ id: 'ne-industry', help: t('cd_industry_help') }),
  ]);
  const fields = {};
  function field(key, label, help, attrs = {}) {
    const id = `ne-${key}`;
    const input = h('input', { id, name: key, autocomplete: 'off', 'aria-describedby': `${id}-help ${id}-msg`, ...attrs });
    const msg = h('p', { class: 'field-msg', id: `${id}-msg`, 'aria-live': 'polite' });
    fields[key] = { input, msg };
    return h('div', { class: 'field' },
      h('label', { for: id }, label, attrs.required ? h('span', { class: 'req-star', 'aria-hidden': 'true' }, ' *') : null),
      input, h('p', { class: 'help', id: `${id}-help` }, help), msg);
  }
  const general = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, t('new_submit'));
  const form = h('form', { class: 'card', novalidate: true },
    h('h1', null, t('new_title')),
    field('name', t('ent_name'), t('new_name_help'), { required: true, maxlength: '200' }),
    field('uscc', t('ent_uscc'), t('new_uscc_help'), { maxlength: '100', spellcheck: 'false' }),
    regionP ? regionP.el : field('region', t('ent_region'), t('new_region_help'), { maxlength: '6', inputmode: 'numeric', pattern: '[0-9]{6}' }),
    industryP ? industryP.el : field('industry', t('ent_industry'), t('new_industry_help'), { maxlength: '10' }),
    general,
    h('div', { class: 'actions' }, submit, h('a', { class: 'btn', href: '#/enterprises' }, t('new_cancel'))));

  // Live USCC check while typing.
  let seq = 0;
  let last = null;
  const uscc = fields.uscc;
  const check = debounce(async () => {
    const code = uscc.input.value.trim();
    if (!code) {
      uscc.msg.textContent = '';
      uscc.msg.className = 'field-msg';
      uscc.input.removeAttribute('aria-invalid');
      return;
    }
    const mine = ++seq;
    try {
      const r = await api('GET', `/api/uscc?code=${encodeURIComponent(code)}`);
      if (mine !== seq) return;
      last = r;
      showUscc(uscc.msg, r);
      uscc.msg.className = `field-msg ${r.valid ? 'ok' : 'bad'}`;
      if (r.valid) uscc.input.removeAttribute('aria-invalid');
      else uscc.input.setAttribute('aria-invalid', 'true');
    } catch (e) {
      if (mine === seq) uscc.msg.textContent = e.message;
    }
  }, 250);
  uscc.input.addEventListener('input', () => {
    uscc.msg.textContent = t('uscc_checking');
    uscc.msg.className = 'field-msg';
    check();
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    general.textContent = '';
    for (const f of Object.values(fields)) f.input.removeAttribute('aria-invalid');
    const body = {};
    for (const [k, f] of Object.entries(fields)) {
      const v = f.input.value.trim();
      if (v) body[k] = v;
    }
    if (regionP && regionP.value()) body.region = regionP.value();
    if (industryP && industryP.value()) body.industry = industryP.value();
    if (!body.name) {
      fields.name.msg.textContent = t('required_field');
      fields.name.input.setAttribute('aria-invalid', 'true');
      fields.name.input.focus();
      return;
    }
    submit.disabled = true;
    try {
      const e = await api('POST', '/api/enterprises', body);
      go(`#/enterprise/${e.id}`);
    } catch (e) {
      submit.disabled = false;
      const key = (e.pointer || '').replace(/^\//, '');
      const picked = key === 'region' ? regionP : key === 'industry' ? industryP : null;
      if (picked) {
        const m = picked.el.querySelector('.field-msg');
        m.textContent = e.message;
        m.className = 'field-msg bad';
        picked.el.querySelector('select').focus();
      } else if (fields[key]) {
        // the server's message is English; for the USCC the live check has the Chinese text
        if (key === 'uscc' && last && !last.valid) showUscc(fields.uscc.msg, last);
        else fields[key].msg.textContent = e.message;
        fields[key].msg.className = 'field-msg bad';
        fields[key].input.setAttribute('aria-invalid', 'true');
        fields[key].input.focus();
      } else {
        general.textContent = t('create_failed', { msg: e.message });
      }
    }
  });
  main.append(h('div', { class: 'narrow' }, h('p', null, h('a', { href: '#/enterprises' }, `← ${t('ent_title')}`)), form));
}

// ---------------------------------------------------------------------------------------------
// enterprise page

async function viewEnterprise(id) {
  const [e, , regions, industries] = await Promise.all([api('GET', `/api/enterprises/${id}`), loadQuestionnaires(), codeList('region'), codeList('industry')]);
  pageTitle(e.name);
  const assessments = [...(e.assessments || [])].sort((a, b) => b.id - a.id);
  const latest = assessments[0];
  const dl = h('dl', { class: 'facts' },
    h('dt', null, t('ent_uscc')), h('dd', { class: 'mono' }, e.uscc || '–'),
    h('dt', null, t('ent_region')), h('dd', { id: 'ent-region' }, codeName(regions, e.region, { path: true })),
    h('dt', null, t('ent_industry')), h('dd', { id: 'ent-industry' }, codeName(industries, e.industry, { path: true })));

  const list = h('div', null);
  if (!assessments.length) list.append(h('p', { class: 'muted' }, t('ep_no_assessments')));
  else {
    const tbody = h('tbody');
    for (const a of assessments) {
      tbody.append(h('tr', null,
        h('td', null, h('a', { href: `#/assessment/${a.id}`, class: 'as-link' }, `#${a.id}`)),
        h('td', null, a.date || ''),
        h('td', null, sortModules(a.modules).map(moduleTitle).join(t('sep_strong'))),
        h('td', null, h('span', { class: `badge st-${a.status}` }, t(`status_${a.status}`))),
        h('td', null, a.assessor || ''),
        h('td', null, a.previous_id ? t('a_previous', { id: a.previous_id }) : '')));
    }
    list.append(h('table', { class: 'list' },
      h('caption', { class: 'sr-only' }, t('ep_assessments')),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, t('as_id')), h('th', { scope: 'col' }, t('as_date')),
        h('th', { scope: 'col' }, t('as_modules')), h('th', { scope: 'col' }, t('as_status')),
        h('th', { scope: 'col' }, t('as_assessor')), h('th', { scope: 'col' }, t('as_based_on')))),
      tbody));
  }

  const page = h('div', { class: 'page' },
    h('p', null, h('a', { href: '#/enterprises' }, `← ${t('ent_title')}`)),
    h('h1', null, e.name), dl,
    h('h2', null, t('ep_assessments')), list);

  if (canWriteRole()) {
    // start a new assessment
    const msg = h('p', { class: 'form-error', role: 'alert' });
    const boxes = [];
    const fs = h('fieldset', { class: 'modules' }, h('legend', null, t('ep_start_legend')));
    for (const q of sortModules(app.questionnaires.map((x) => x.id))) {
      const bid = `mod-${q}`;
      const box = h('input', { type: 'checkbox', id: bid, value: q, checked: q === 'profile' });
      boxes.push(box);
      fs.append(h('label', { class: 'opt', for: bid }, box, h('span', null, moduleTitle(q))));
    }
    const today = new Date().toISOString().slice(0, 10);
    const date = h('input', { type: 'date', id: 'start-date', value: today, required: true, 'aria-describedby': 'start-date-help' });
    const dateField = h('div', { class: 'field' }, h('label', { for: 'start-date' }, t('ep_date')), date,
      h('p', { class: 'help', id: 'start-date-help' }, t('ep_date_help')));
    const start = h('button', { type: 'submit', class: 'btn primary', id: 'start-assessment' }, t('ep_start_submit'));
    const form = h('form', { class: 'card start', novalidate: true }, h('h2', null, t('ep_start')), fs, dateField, msg, start);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const modules = boxes.filter((b) => b.checked).map((b) => b.value);
      if (!modules.length) {
        msg.textContent = t('ep_choose_one');
        boxes[0].focus();
        return;
      }
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date.value)) {
        msg.textContent = t('ep_date_bad');
        date.focus();
        return;
      }
      start.disabled = true;
      try {
        const a = await api('POST', `/api/enterprises/${e.id}/assessments`, { modules, date: date.value });
        if (modules.includes('profile')) await prefillProfile(a.id, e);
        go(`#/assessment/${a.id}`);
      } catch (err) {
        start.disabled = false;
        msg.textContent = err.message;
      }
    });
    page.append(form);

    if (latest) {
      const rmsg = h('p', { class: 'form-error', role: 'alert' });
      const re = h('button', { type: 'button', class: 'btn', id: 'reassess' }, t('ep_reassess'));
      // A year after the latest assessment by default: its year-bound figures move one year.
      const t0 = latest.date || new Date().toISOString().slice(0, 10);
      const t1 = `${Number(t0.slice(0, 4)) + 1}${t0.slice(4)}`;
      const reDate = h('input', { type: 'date', id: 'reassess-date', value: t1, 'aria-describedby': 'reassess-date-help' });
      re.addEventListener('click', async () => {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(reDate.value)) {
          rmsg.textContent = t('ep_date_bad');
          reDate.focus();
          return;
        }
        re.disabled = true;
        try {
          const before = await api('GET', `/api/assessments/${latest.id}`);
          const a = await api('POST', `/api/enterprises/${e.id}/assessments`, { modules: latest.modules, copy_from: latest.id, date: reDate.value });
          const years = Number(reDate.value.slice(0, 4)) - Number(t0.slice(0, 4));
          // Which answers are year-bound is the definitions' "next_year" (questionnaires/README.md).
          await loadQuestionnaires();
          for (const m of a.modules) await loadDef(m);
          const rolled = await rollYears(a, before.answers, years, (m) => app.defs.get(m).def);
          if (rolled.length) app.flash = t('ep_rolled', { n: rolled.length, y: years });
          go(`#/assessment/${a.id}`);
        } catch (err) {
          re.disabled = false;
          rmsg.textContent = err.message;
        }
      });
      page.append(h('div', { class: 'card' }, h('h2', null, t('ep_reassess')), h('p', { class: 'muted' }, t('ep_reassess_help', { id: latest.id })),
        h('div', { class: 'field' }, h('label', { for: 'reassess-date' }, t('ep_date')), reDate,
          h('p', { class: 'help', id: 'reassess-date-help' }, t('ep_reassess_date_help'))),
        rmsg, re));
    }
  }
  if (canCreateEnterprise()) page.append(await invitesCard(e));
  main.append(page);
}

// Invite links of an enterprise: create one (expiry chosen), copy it, revoke it.
async function invitesCard(e) {
  const list = h('ul', { class: 'invites', id: 'invite-list' });
  const msg = h('p', { class: 'form-error', role: 'alert' });
  const status = h('p', { role: 'status', class: 'small ok-text', id: 'invite-status' });
  const days = h('select', { id: 'invite-days' });
  for (const d of [7, 14, 30]) days.append(h('option', { value: String(d), selected: d === 14 }, t('inv_days', { n: d })));
  const create = h('button', { type: 'button', class: 'btn primary', id: 'create-invite' }, t('inv_create'));

  async function copy(url, input) {
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      input.select();
      document.execCommand('copy');
    }
    status.textContent = t('inv_copied');
  }
  async function load() {
    const invites = await api('GET', `/api/enterprises/${e.id}/invites`);
    clear(list);
    if (!invites.length) list.append(h('li', { class: 'muted' }, t('inv_none')));
    invites.forEach((inv, i) => {
      const url = new URL(inv.path, location.href).href;
      const input = h('input', { readonly: true, value: url, class: 'invite-url mono', id: `invite-url-${i}`, 'aria-label': t('inv_link_n', { n: i + 1 }) });
      const copyBtn = h('button', { type: 'button', class: 'btn', id: `invite-copy-${i}` }, t('inv_copy'), h('span', { class: 'sr-only' }, ` ${i + 1}`));
      copyBtn.addEventListener('click', () => copy(url, input));
      const revoke = h('button', { type: 'button', class: 'btn', id: `invite-revoke-${i}` }, t('inv_revoke'), h('span', { class: 'sr-only' }, ` ${i + 1}`));
      revoke.addEventListener('click', async () => {
        msg.textContent = '';
        try {
          await api('DELETE', `/api/enterprises/${e.id}/invites/${encodeURIComponent(inv.token)}`);
          await load();
          status.textContent = t('inv_revoked');
        } catch (err) {
          msg.textContent = err.message;
        }
      });
      list.append(h('li', { class: 'invite' }, input,
        h('span', { class: 'small muted invite-exp' }, t('inv_expires', { at: localTime(inv.expires_at) })),
        h('span', { class: 'invite-actions' }, copyBtn, revoke)));
    });
  }
  create.addEventListener('click', async () => {
    msg.textContent = '';
    create.disabled = true;
    try {
      await api('POST', `/api/enterprises/${e.id}/invites?days=${days.value}`);
      await load();
      status.textContent = t('inv_created');
      document.getElementById('invite-url-0')?.focus();
    } catch (err) {
      msg.textContent = err.message;
    } finally {
      create.disabled = false;
    }
  });
  await load();
  return h('section', { class: 'card', 'aria-labelledby': 'invites-h' },
    h('h2', { id: 'invites-h' }, t('inv_heading')),
    h('p', { class: 'muted small' }, t('inv_help')),
    h('div', { class: 'inline-form' }, h('label', { for: 'invite-days' }, t('inv_valid_for')), days, create),
    msg, status, list);
}

// The enterprise record already holds name, code, region and industry: fill them into the
// profile module so they are asked once. A value the profile rejects is simply left to the user.
async function prefillProfile(assessmentId, e) {
  const facts = { name: e.name, uscc: e.uscc, region: e.region, industry: e.industry };
  for (const [q, v] of Object.entries(facts)) {
    if (!v) continue;
    try {
      await api('PUT', `/api/assessments/${assessmentId}/answers/profile/${q}`, v);
    } catch {
      // left unanswered
    }
  }
}

// ---------------------------------------------------------------------------------------------
// assessment

async function openAssessment(id) {
  // Reuse the open assessment while moving between its tabs (and while saves are pending);
  // coming back from another page reads the answers afresh.
  if (app.assess && app.assess.id === id) {
    const c = app.assess.store.counts();
    if (!app.assess.stale || c.busy || c.failed) {
      app.assess.stale = false;
      return app.assess;
    }
  }
  if (app.assess) await app.assess.store.flushAll();
  const [assessment] = await Promise.all([api('GET', `/api/assessments/${id}`), loadQuestionnaires()]);
  const enterprise = await api('GET', `/api/enterprises/${assessment.enterprise_id}`);
  await Promise.all(assessment.modules.map((m) => loadDef(m)));
  const ctx = {
    id,
    assessment,
    enterprise,
    modules: sortModules(assessment.modules),
    live: null,
    ui: {},
  };
  ctx.store = new AnswerStore(assessment, {
    onLive: (live) => updateLive(ctx, live),
    onStatus: (c) => updateSaveStatus(ctx, c),
  });
  app.assess = ctx;
  return ctx;
}

// The live panel starts from the stored answers (later every save brings a fresh one), and the
// crosswalk's filled answers come with the same request.
function refreshScore(ctx, mod) {
  api('GET', `/api/assessments/${ctx.id}/score?lang=${lang()}`).then((r) => {
    if (!r) return;
    if (r.live && !ctx.live) updateLive(ctx, r.live);
    ctx.store.setLinked(r);
    if (r.live) ctx.store.setComputed(r.live);
    if (mod && mod.refreshAll && ctx.ui.mod === mod) mod.refreshAll();
  }).catch(() => {});
}

function updateSaveStatus(ctx, c) {
  const el = ctx.ui.saveStatus;
  if (!el) return;
  let text;
  let cls;
  if (c.failed) {
    text = c.expired ? t('q_session') : c.retrying ? t('a_retrying') : t('a_unsaved', { n: c.failed });
    cls = 'error';
  } else if (c.busy) {
    text = t('a_saving');
    cls = 'saving';
  } else {
    text = `✓ ${t('a_all_saved')}`;
    cls = 'saved';
  }
  if (el.textContent !== text) el.textContent = text;
  el.className = `save-status ${cls}`;
  el.dataset.state = cls;
}

function updateLive(ctx, live) {
  const before = ctx.live;
  ctx.live = live;
  renderLive(ctx);
  // Announce a change of level, not every save.
  if (before && ctx.ui.liveAnnounce) {
    for (const m of ctx.modules) {
      const a = before[m];
      const b = live[m];
      if (a && b && b.has_levels && a.level !== b.level) {
        ctx.ui.liveAnnounce.textContent = t('live_level_now', { module: moduleTitle(m), level: tx(b.level_names) });
      }
    }
  }
}

function renderLive(ctx) {
  const box = ctx.ui.liveList;
  if (!box) return;
  clear(box);
  if (!ctx.live) {
    box.append(h('p', { class: 'muted' }, t('live_pending')));
    return;
  }
  for (const m of ctx.modules) {
    const l = ctx.live[m];
    if (!l) continue;
    const current = m === ctx.ui.module;
    const item = h('div', { class: `live-item${current ? ' current' : ''}`, dataset: { module: m } });
    item.append(h('p', { class: 'live-mod', title: moduleTitle(m) }, moduleShort(m)));
    if (l.has_levels) {
      item.append(h('p', { class: 'live-level' },
        h('span', { class: 'sr-only' }, `${t('live_level')}: `),
        h('strong', { class: 'level-name' }, tx(l.level_names)),
        h('span', { class: 'live-score' }, `${fmt(l.total)} / ${fmt(l.max)}`)));
    } else {
      item.append(h('p', { class: 'muted small' }, t('live_no_levels')));
    }
    if (l.missing_required) item.append(h('p', { class: 'small warn-text' }, t('live_missing', { n: l.missing_required })));
    box.append(item);
  }
}

function assessmentHeader(ctx, tab) {
  const a = ctx.assessment;
  // The report names its generation time in the reader's local time (minutes east of UTC).
  const reportBase = `/api/assessments/${a.id}/report?lang=${lang()}&tz=${-new Date().getTimezoneOffset()}`;
  // The report's own print button would need a script in the report; the opener prints it instead
  // (the browser's print dialog also saves a PDF).
  const print = h('button', { type: 'button', class: 'btn', id: 'print-report' }, t('a_print'));
  print.addEventListener('click', () => {
    const w = window.open(reportBase, '_blank');
    if (!w) return;
    let tries = 0;
    const timer = setInterval(() => {
      tries += 1;
      let ready = false;
      try {
        ready = w.location.href !== 'about:blank' && w.document.readyState === 'complete';
      } catch {
        ready = false;
      }
      if (ready || tries > 150 || w.closed) clearInterval(timer);
      if (ready) {
        w.focus();
        w.print();
      }
    }, 200);
  });
  const actions = h('div', { class: 'a-actions' },
    h('a', { class: 'btn', href: reportBase, target: '_blank', rel: 'noopener', id: 'open-report' },
      t('a_report'), h('span', { class: 'sr-only' }, t('a_report_hint')), h('span', { 'aria-hidden': 'true' }, ' ↗')),
    print,
    h('a', { class: 'btn', href: `${reportBase}&download=1`, download: `assessment-${a.id}.html`, id: 'download-report' }, t('a_download')));
  const missingBox = h('div', { class: 'missing-box', id: 'submit-missing', hidden: true, tabindex: '-1' });
  if (canWriteRole()) {
    const confirmBox = h('span', { class: 'confirm', hidden: true });
    if (a.status === 'open') {
      const submit = h('button', { type: 'button', class: 'btn primary', id: 'submit-assessment' }, t('a_submit'));
      const yes = h('button', { type: 'button', class: 'btn danger', id: 'confirm-submit' }, t('a_submit'));
      const no = h('button', { type: 'button', class: 'btn' }, t('new_cancel'));
      const question = h('span', { class: 'small' }, t('a_confirm_submit'));
      confirmBox.append(question, yes, no);
      submit.addEventListener('click', async () => {
        submit.disabled = true;
        const missing = await missingRequired(ctx);
        submit.disabled = false;
        renderMissing(ctx, missingBox, missing);
        question.textContent = missing.length ? t('a_confirm_submit_missing', { n: missing.length }) : t('a_confirm_submit');
        yes.textContent = missing.length ? t('a_submit_anyway') : t('a_submit');
        confirmBox.hidden = false;
        submit.hidden = true;
        if (missing.length) missingBox.focus();
        else yes.focus();
      });
      no.addEventListener('click', () => {
        confirmBox.hidden = true;
        missingBox.hidden = true;
        submit.hidden = false;
        submit.focus();
      });
      yes.addEventListener('click', () => setStatus(ctx, 'submit'));
      actions.append(submit, confirmBox);
    } else {
      const reopen = h('button', { type: 'button', class: 'btn', id: 'reopen-assessment' }, t('a_reopen'));
      reopen.addEventListener('click', () => setStatus(ctx, 'reopen'));
      actions.append(reopen);
    }
  }
  const meta = [a.date, a.assessor, a.previous_id ? t('a_previous', { id: a.previous_id }) : ''].filter(Boolean).join(' · ');
  const head = h('div', { class: 'a-head' },
    h('div', { class: 'a-title' },
      h('p', { class: 'crumb' }, h('a', { href: `#/enterprise/${ctx.enterprise.id}` }, ctx.enterprise.name)),
      h('h1', null, t('a_title', { id: a.id }), ' ', h('span', { class: `badge st-${a.status}` }, t(`status_${a.status}`))),
      h('p', { class: 'muted small' }, meta)),
    actions, missingBox);

  const tabs = h('ul', { class: 'tabs' });
  for (const m of ctx.modules) {
    const link = h('a', { href: `#/assessment/${a.id}/${m}`, 'aria-current': tab === m ? 'page' : undefined, title: moduleTitle(m), dataset: { module: m } }, moduleShort(m));
    tabs.append(h('li', null, link));
  }
  tabs.append(h('li', { class: 'tab-projects' }, h('a', { href: `#/assessment/${a.id}/projects`, 'aria-current': tab === 'projects' ? 'page' : undefined, id: 'projects-tab' }, t('pj_tab'))));
  tabs.append(h('li', { class: 'tab-results' }, h('a', { href: `#/assessment/${a.id}/results`, 'aria-current': tab === 'results' ? 'page' : undefined, id: 'results-tab' }, t('a_results'))));
  return { head, tabs: h('nav', { class: 'tabs-nav', 'aria-label': t('a_modules_nav') }, tabs) };
}

// The required questions still empty, module by module, as the server scores them.
async function missingRequired(ctx) {
  await ctx.store.flushAll();
  let r;
  try {
    r = await api('GET', `/api/assessments/${ctx.id}/score?lang=${lang()}`);
  } catch {
    return [];
  }
  const out = [];
  for (const m of ctx.modules) {
    const d = app.defs.get(m);
    for (const qid of (r.modules && r.modules[m] && r.modules[m].missing_required) || []) {
      const item = d && d.index.byId.get(qid);
      out.push({ module: m, qid, title: item ? tx(item.def.title) : qid });
    }
  }
  return out;
}

function renderMissing(ctx, box, missing) {
  clear(box);
  box.hidden = !missing.length;
  if (!missing.length) return;
  box.append(h('h2', null, t('a_missing_title', { n: missing.length })), h('p', { class: 'small' }, t('a_missing_help')));
  for (const m of ctx.modules) {
    const mine = missing.filter((x) => x.module === m);
    if (!mine.length) continue;
    const ul = h('ul', { class: 'missing' });
    for (const x of mine) {
      const a = h('a', { href: `#/assessment/${ctx.id}/${m}`, class: 'missing-link', dataset: { qid: x.qid } }, x.title);
      a.addEventListener('click', (ev) => {
        ev.preventDefault();
        app.pendingFocus = { module: m, qid: x.qid };
        go(`#/assessment/${ctx.id}/${m}`);
      });
      ul.append(h('li', null, a));
    }
    box.append(h('h3', null, t('count_of', { what: moduleShort(m), n: mine.length })), ul);
  }
}

// Shows one question: opens the sections around it, scrolls it to the middle, focuses its input.
function revealQuestion(card) {
  for (let el = card.parentElement; el; el = el.parentElement) {
    if (el.classList && el.classList.contains('sec-body') && el.hidden) {
      el.hidden = false;
      const toggle = document.querySelector(`[aria-controls="${el.id}"]`);
      if (toggle) toggle.setAttribute('aria-expanded', 'true');
    }
  }
  card.scrollIntoView({ block: 'center' });
  const input = card.querySelector('input:not([disabled]), textarea:not([disabled]), select:not([disabled])');
  if (input) input.focus({ preventScroll: true });
  else {
    card.setAttribute('tabindex', '-1');
    card.focus({ preventScroll: true });
  }
}

// The first unanswered question after `after` (module, qid) in the order of the modules and forms.
function nextUnanswered(ctx, after) {
  const startAt = after ? Math.max(0, ctx.modules.indexOf(after.module)) : 0;
  for (let i = 0; i < ctx.modules.length; ++i) {
    const m = ctx.modules[(startAt + i) % ctx.modules.length];
    const d = app.defs.get(m);
    if (!d) continue;
    let list = unansweredQuestions(d.index, ctx.store, m);
    if (i === 0 && after && after.qid) {
      const order = d.index.questions.map((q) => q.id);
      const pos = order.indexOf(after.qid);
      const later = list.filter((x) => order.indexOf(x.qid) > pos);
      list = later.length ? later : list;
    }
    if (list.length) return { module: m, qid: list[0].qid };
  }
  return null;
}

async function setStatus(ctx, action) {
  await ctx.store.flushAll();
  try {
    const a = await api('POST', `/api/assessments/${ctx.id}/${action}`);
    ctx.assessment.status = a.status;
    route({ keepFocus: false });
  } catch (e) {
    main.prepend(errorBox(e));
  }
}

async function viewAssessment(id, tab) {
  const ctx = await openAssessment(id);
  const a = ctx.assessment;
  if (tab === 'continue') {
    // "Continue your assessment": the first question still unanswered, with the crosswalk's
    // carried answers counted as given.
    try {
      ctx.store.setLinked(await api('GET', `/api/assessments/${ctx.id}/score?lang=${lang()}`));
    } catch {
      // without the crosswalk a carried answer simply counts as open
    }
    const next = a.status === 'open' ? nextUnanswered(ctx, null) : null;
    if (next) {
      app.pendingFocus = next;
      tab = next.module;
    } else tab = 'results';
    history.replaceState(null, '', `#/assessment/${ctx.id}/${tab}`);
  }
  if (!tab || (tab !== 'results' && tab !== 'projects' && !ctx.modules.includes(tab))) tab = ctx.modules.find((m) => m !== 'profile') || ctx.modules[0];
  if (tab === 'profile' && !ctx.modules.includes('profile')) tab = ctx.modules[0];
  ctx.ui = { module: tab };
  const { head, tabs } = assessmentHeader(ctx, tab);
  const tabTitle = tab === 'results' ? t('a_results') : tab === 'projects' ? t('pj_title') : moduleTitle(tab);
  pageTitle(`${ctx.enterprise.name} · ${tabTitle}`);

  const saveStatus = h('p', { class: 'save-status saved', id: 'save-status', 'aria-live': 'polite', 'aria-atomic': 'true' });
  ctx.ui.saveStatus = saveStatus;
  const bar = h('div', { class: 'a-bar' }, tabs, saveStatus);
  main.append(h('div', { class: 'a-page' }, flashBox(), head, bar));
  updateSaveStatus(ctx, ctx.store.counts());

  if (tab === 'results') {
    await viewResults(ctx);
    return;
  }
  if (tab === 'projects') {
    await loadDef('profile').catch(() => null);
    main.querySelector('.a-page').append(renderProjects(ctx, {
      canWrite: canWriteRole() && a.status === 'open',
      factWords,
    }));
    return;
  }

  const { index } = app.defs.get(tab);
  const canWrite = canWriteRole() && a.status === 'open';
  const canVerify = session.user.role === 'admin' || session.user.role === 'consultant';
  const progress = h('progress', { id: 'progress', max: '1', value: '0', 'aria-labelledby': 'progress-label' });
  const progressText = h('span', { id: 'progress-text' });
  const nextBtn = h('button', { type: 'button', class: 'btn next-btn', id: 'next-unanswered' }, t('a_next_unanswered'));
  const nextMsg = h('p', { class: 'small', role: 'status', id: 'next-msg' });
  nextBtn.addEventListener('click', () => {
    nextMsg.textContent = '';
    const after = { module: tab, qid: ctx.ui.lastQ || null };
    const next = nextUnanswered(ctx, after);
    if (!next) {
      nextMsg.textContent = t('a_all_answered');
      return;
    }
    if (next.module === tab) {
      mod.renderAll();
      const card = document.getElementById(`q-${tab}-${next.qid}`);
      if (card) revealQuestion(card);
    } else {
      app.pendingFocus = next;
      go(`#/assessment/${ctx.id}/${next.module}`);
    }
  });
  const progressBox = h('div', { class: 'progress' },
    h('p', { id: 'progress-label', class: 'small' }, t('a_progress_label'), ': ', progressText), progress,
    canWrite ? nextBtn : null, nextMsg);
  const mod = renderModule({
    store: ctx.store,
    module: tab,
    index,
    canWrite,
    canVerify,
    sourceTitle: moduleTitle,
    goToSource: (m, qid) => {
      app.pendingFocus = { module: m, qid };
      go(`#/assessment/${ctx.id}/${m}`);
    },
    onProgress: (done, visible) => {
      progress.max = Math.max(visible, 1);
      progress.value = done;
      progressText.textContent = t('a_progress', { a: done, v: visible });
      progress.dataset.answered = String(done);
      progress.dataset.visible = String(visible);
    },
  });

  ctx.ui.mod = mod;
  // "Next unanswered" starts after the question last worked on.
  mod.form.addEventListener('focusin', (ev) => {
    const card = ev.target.closest ? ev.target.closest('.q') : null;
    if (card) ctx.ui.lastQ = card.dataset.qid;
  });
  refreshScore(ctx, mod);
  const liveList = h('div', { class: 'live-list', id: 'live-panel' });
  const liveAnnounce = h('p', { class: 'sr-only', 'aria-live': 'polite' });
  ctx.ui.liveList = liveList;
  ctx.ui.liveAnnounce = liveAnnounce;
  const side = h('aside', { class: 'a-side', 'aria-label': t('live_title') },
    progressBox,
    h('section', { class: 'live', 'aria-labelledby': 'live-h' }, h('h2', { id: 'live-h' }, t('live_title')), liveList, liveAnnounce),
    h('nav', { class: 'sections', 'aria-labelledby': 'sections-h' }, h('h2', { id: 'sections-h' }, t('a_sections')), mod.nav));
  renderLive(ctx);

  const banners = [];
  if (a.status !== 'open') banners.push(h('p', { class: 'banner' }, t('a_submitted_banner')));
  else if (!canWriteRole()) banners.push(h('p', { class: 'banner' }, t('a_readonly_banner')));
  const def = app.defs.get(tab).def;
  const intro = h('div', { class: 'module-intro' },
    h('h2', { class: 'module-title' }, tx(def.title)),
    def.description ? h('p', { class: 'muted small' }, tx(def.description)) : null);
  const content = h('div', { class: 'a-main' }, banners, intro, mod.form);
  main.querySelector('.a-page').append(h('div', { class: 'a-body' }, side, content));

  if (app.pendingFocus && app.pendingFocus.module === tab) {
    mod.renderAll();
    const card = document.getElementById(`q-${tab}-${app.pendingFocus.qid}`);
    app.pendingFocus = null;
    if (card) {
      revealQuestion(card);
      return 'focused';
    }
  }
  return undefined;
}

// A reward rule's missing fact in words: project facts by their label, profile facts by their question.
function factWords(path) {
  return factInWords(path, {
    profileTitle: (id) => {
      const d = app.defs.get('profile');
      const item = d && d.index.byId.get(id);
      return item ? tx(item.def.title) : null;
    },
    moduleTitle,
  });
}

async function viewResults(ctx) {
  await loadDef('profile').catch(() => null);
  const box = h('div', { class: 'results', id: 'results' }, h('p', { class: 'muted' }, t('loading')));
  const refresh = h('button', { type: 'button', class: 'btn' }, t('r_refresh'));
  const wrap = h('div', { class: 'a-results' },
    h('div', { class: 'page-head' }, h('h2', null, t('r_title')), refresh), box);
  main.querySelector('.a-page').append(wrap);
  async function load() {
    await ctx.store.flushAll();
    let r;
    try {
      r = await api('GET', `/api/assessments/${ctx.id}/score?lang=${lang()}`);
    } catch (e) {
      clear(box).append(errorBox(e));
      return;
    }
    if (r.live) ctx.live = r.live;
    ctx.store.setLinked(r);
    clear(box);
    if (Array.isArray(r.errors) && r.errors.length) {
      const ul = h('ul', null);
      for (const e of r.errors) ul.append(h('li', null, `${e.pointer || ''} ${e.message}`));
      box.append(h('div', { class: 'alert' }, h('h3', null, t('r_errors')), ul));
    }
    const summary = renderSummary(ctx.modules, r, moduleTitle);
    box.append(summary);
    for (const m of ctx.modules) {
      const doc = r.modules && r.modules[m];
      if (!doc) continue;
      const d = app.defs.get(m);
      box.append(renderModuleResult(m, doc, {
        title: moduleTitle(m),
        questionTitle: (qid) => {
          const item = d && d.index.byId.get(qid);
          return item ? tx(item.def.title) : qid;
        },
        goTo: (qid) => {
          app.pendingFocus = { module: m, qid };
          go(`#/assessment/${ctx.id}/${m}`);
        },
      }));
    }
    box.append(renderRewards(r.rewards, { factWords }));
    if (ctx.assessment.previous_id) {
      const prev = await loadPrevious(ctx.assessment.previous_id, lang());
      if (prev) {
        box.insertBefore(renderComparison({
          previous: prev.score,
          current: { ...r, date: ctx.assessment.date },
          previousAssessment: prev.assessment,
          modules: ctx.modules,
          moduleTitle,
        }), summary.nextSibling);
      }
    }
  }
  refresh.addEventListener('click', load);
  await load();
}

// ---------------------------------------------------------------------------------------------
// routing

async function ensureSession() {
  if (session.user) return true;
  if (app.loggedOut) return false; // known: no session until the login form succeeds
  try {
    const r = await api('GET', '/api/me');
    session.user = r.user;
    session.csrf = r.csrf;
    session.mustChange = !!r.must_change_password;
    return true;
  } catch {
    app.loggedOut = true;
    return false;
  }
}

let routing = 0;
async function route(opts = {}) {
  const mine = ++routing;
  const hash = location.hash || '#/enterprises';
  const parts = hash.replace(/^#\/?/, '').split('?')[0].split('/').filter(Boolean);
  if (!(await ensureSession()) && parts[0] !== 'login' && parts[0] !== 'invite') {
    app.afterLogin = hash;
    renderHeader();
    if (location.hash !== '#/login') {
      location.replace('#/login');
      return;
    }
  }
  if (mine !== routing) return;
  if (app.assess && parts[0] !== 'assessment') app.assess.stale = true;
  clear(main);
  main.setAttribute('aria-busy', 'true');
  let focused;
  try {
    if (parts[0] === 'invite' && parts[1]) await viewInvite(parts[1]);
    else if (parts[0] === 'login' || !session.user) viewLogin();
    else if (parts[0] === 'password' || session.mustChange) viewPassword();
    else if (parts[0] === 'users') await viewUsers(main, { pageTitle });
    else if (parts[0] === 'sync') await viewSync(main, { pageTitle });
    else if (parts[0] === 'home' || (session.user.role === 'enterprise' && (!parts[0] || parts[0] === 'enterprises'))) await viewHome();
    else if (parts[0] === 'enterprises' && parts[1] === 'new') await viewNewEnterprise();
    else if (parts[0] === 'bureau') await viewBureau(main, parts[1], pageTitle, parts[2]);
    else if (parts[0] === 'enterprise' && parts[1]) await viewEnterprise(parts[1]);
    else if (parts[0] === 'assessment' && parts[1]) focused = await viewAssessment(Number(parts[1]), parts[2]);
    else await viewEnterprises();
  } catch (e) {
    if (e.status === 401) {
      session.user = null;
      app.loggedOut = true;
      app.afterLogin = hash;
      renderHeader();
      location.replace('#/login');
      return;
    }
    if (mine === routing) main.append(errorBox(e));
  }
  main.removeAttribute('aria-busy');
  if (!opts.keepFocus && focused !== 'focused' && parts[0] !== 'login' && parts[0] !== 'invite' && session.user) focusHeading();
  if (!opts.keepFocus && focused !== 'focused') window.scrollTo(0, 0);
}

window.addEventListener('hashchange', () => {
  if (session.user) renderHeader(); // the current nav entry
  route();
});
// Leaving the tab or closing the laptop lid: send what is still waiting for its debounce.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden' && app.assess) app.assess.store.flushAll();
});
window.addEventListener('pagehide', () => {
  if (app.assess) app.assess.store.flushAll();
});
window.addEventListener('beforeunload', (ev) => {
  if (!app.assess) return;
  const c = app.assess.store.counts();
  if (c.busy || c.failed) {
    app.assess.store.flushAll();
    ev.preventDefault();
    ev.returnValue = t('a_unsaved_leave');
  }
});

await setLang(lang());
renderHeader();
route().then(() => renderHeader());

// Bureau workspace (区域工作台): import candidate records, rank them against criteria, and the
// regional dashboard against the action-plan targets. Text reaches the page through textContent only;
// the bars are SVG elements made with createElementNS.

import { t, tx, lang, unit as unitName } from './i18n.js';
import { h, clear, api, session, fmt } from './util.js';

const SVG = 'http://www.w3.org/2000/svg';

export function canUseBureau() {
  return !!session.user && (session.user.role === 'admin' || session.user.role === 'bureau');
}

function errorBox(e) {
  const msg = e && e.network ? t('error_network', { msg: e.message }) : t('error_generic', { msg: e && e.message ? e.message : String(e) });
  return h('p', { class: 'alert', role: 'alert' }, msg);
}

function langParam() {
  return lang() === 'zh-CN' ? '' : `&lang=${encodeURIComponent(lang())}`;
}

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}

function tabsNav(current) {
  const tabs = h('ul', { class: 'tabs' });
  for (const [id, key] of [['import', 'b_tab_import'], ['rank', 'b_tab_rank'], ['dashboard', 'b_tab_dashboard']]) {
    tabs.append(h('li', null, h('a', { href: `#/bureau/${id}`, id: `bureau-tab-${id}`, 'aria-current': current === id ? 'page' : undefined }, t(key))));
  }
  return h('nav', { class: 'tabs-nav bureau-tabs', 'aria-label': t('b_title') }, tabs);
}

// view(main, sub, pageTitle): the whole bureau page.
export async function viewBureau(main, sub, pageTitle, arg) {
  if (!['import', 'rank', 'dashboard', 'record'].includes(sub)) sub = 'import';
  if (sub === 'record' && !arg) sub = 'rank';
  const titleKey = { import: 'b_tab_import', rank: 'b_tab_rank', dashboard: 'b_tab_dashboard', record: 'b_tab_rank' }[sub];
  pageTitle(sub === 'record' ? `${t('b_title')} · ${t('b_record_title', { uscc: decodeURIComponent(arg) })}` : `${t('b_title')} · ${t(titleKey)}`);
  const page = h('div', { class: 'page bureau' },
    h('div', { class: 'page-head' }, h('h1', null, t('b_title'))),
    tabsNav(sub));
  main.append(page);
  if (!canUseBureau()) {
    page.append(h('p', { class: 'banner' }, t('b_no_access')));
    return;
  }
  if (sub === 'import') viewImport(page);
  else if (sub === 'rank') await viewRank(page);
  else if (sub === 'record') await viewRecord(page, decodeURIComponent(arg));
  else viewDashboard(page);
}

// ---------------------------------------------------------------------------------------------
// import

function viewImport(page) {
  const file = h('input', { type: 'file', id: 'b-file', accept: '.xlsx,.csv,.json,text/csv,application/json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', required: true, 'aria-describedby': 'b-file-help' });
  const onError = h('select', { id: 'b-on-error' },
    h('option', { value: 'skip', selected: true }, t('b_on_error_skip')),
    h('option', { value: 'abort' }, t('b_on_error_abort')));
  const round = h('select', { id: 'b-round' },
    h('option', { value: 'update', selected: true }, t('b_round_update')),
    h('option', { value: 'new' }, t('b_round_new')));
  const msg = h('p', { class: 'form-error', role: 'alert', id: 'b-import-error' });
  const btn = h('button', { type: 'submit', class: 'btn primary', id: 'b-import-submit' }, t('b_import_submit'));
  const out = h('div', { id: 'b-import-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'b-import-h' },
    h('h2', { id: 'b-import-h' }, t('b_import_title')),
    h('p', { id: 'b-template' }, t('b_template'),
      h('a', { href: '/api/bureau/template?format=xlsx' + langParam(), id: 'b-template-xlsx', download: '' }, 'XLSX'), ' · ',
      h('a', { href: '/api/bureau/template?format=csv' + langParam(), id: 'b-template-csv', download: '' }, 'CSV')),
    h('p', { class: 'help' }, t('b_template_help')),
    h('div', { class: 'field' }, h('label', { for: 'b-file' }, t('b_file')), file,
      h('p', { class: 'help', id: 'b-file-help' }, t('b_file_help'))),
    h('div', { class: 'b-row' },
      h('div', { class: 'field' }, h('label', { for: 'b-on-error' }, t('b_on_error')), onError),
      h('div', { class: 'field' }, h('label', { for: 'b-round' }, t('b_round')), round)),
    msg, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    const f = file.files && file.files[0];
    if (!f) {
      msg.textContent = t('b_file_missing');
      file.focus();
      return;
    }
    btn.disabled = true;
    btn.textContent = t('b_import_busy');
    clear(out);
    try {
      const body = await f.arrayBuffer();
      const type = /\.json$/i.test(f.name) ? 'application/json'
        : /\.xlsx$/i.test(f.name) ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv';
      const url = `/api/bureau/import?name=${encodeURIComponent(f.name)}&on_error=${onError.value}&round=${round.value}${langParam()}`;
      const r = await api('POST', url, undefined, { raw: body, type });
      out.append(importSummary(r, f.name));
    } catch (e) {
      out.append(errorBox(e));
      if (e.data && Array.isArray(e.data.issues)) out.append(issuesTable(e.data.issues));
      if (e.data && Array.isArray(e.data.criteria)) out.append(criteriaServed(e.data.criteria));
    }
    btn.disabled = false;
    btn.textContent = t('b_import_submit');
  });
  page.append(form, out);
}

function importSummary(r, name) {
  const box = h('section', { class: 'card', id: 'b-import-summary', 'aria-labelledby': 'b-summary-h' },
    h('h2', { id: 'b-summary-h' }, t('b_import_done', { name })));
  const dl = h('dl', { class: 'b-stats' });
  for (const [k, v] of [['b_rows', r.rows], ['b_imported', r.imported], ['b_added', r.added], ['b_updated', r.updated], ['b_new_rounds', r.new_rounds], ['b_encoding', r.encoding]]) {
    dl.append(h('div', { dataset: { stat: k.slice(2) } }, h('dt', null, t(k)), h('dd', null, fmt(v))));
  }
  box.append(dl);
  // How the rounds met the years: a second round in the same year, or another year's round kept.
  for (const n of Array.isArray(r.notes) ? r.notes : []) box.append(h('p', { class: 'b-import-note', dataset: { key: n.key } }, t(n.key, n.params)));
  const issues = Array.isArray(r.issues) ? r.issues : [];
  if (issues.length) box.append(issuesTable(issues));
  else box.append(h('p', { class: 'muted' }, t('b_no_issues')));
  if (Array.isArray(r.criteria)) box.append(criteriaServed(r.criteria));
  return box;
}

// Which ranking criteria the file's columns can serve, and the columns each one still lacks.
function criteriaServed(list) {
  const ul = h('ul', { class: 'small', id: 'b-criteria-served' });
  for (const c of list) {
    const missing = (c.missing || []).map((m) => m.title || m.id).join(t('sep_list'));
    ul.append(h('li', { dataset: { id: c.id, served: c.served ? 'yes' : 'no' } },
      h('span', { class: `badge ${c.served ? 'ok' : 'warn'}` }, c.served ? t('b_criteria_ok') : t('b_criteria_missing', { cols: missing })), ' ', c.title || c.id));
  }
  return h('section', { class: 'card' }, h('h3', null, t('b_criteria_served')), ul);
}

function issuesTable(issues) {
  const tbody = h('tbody');
  for (const i of issues) {
    const reason = (i.messages && i.messages[lang()]) || i.reason || '';
    tbody.append(h('tr', { dataset: { row: i.row, key: i.key || '' } }, h('td', null, String(i.row)), h('td', null, i.column_title || i.column || ''), h('td', null, reason)));
  }
  return h('table', { class: 'list', id: 'b-issues' },
    h('caption', null, t('b_issues', { n: issues.length })),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('b_issue_row')), h('th', { scope: 'col' }, t('b_issue_column')), h('th', { scope: 'col' }, t('b_issue_reason')))),
    tbody);
}

// ---------------------------------------------------------------------------------------------
// ranking

const rankState = { criteria: '', region: '', top: '10' };

async function viewRank(page) {
  let criteria;
  try {
    criteria = await api('GET', '/api/bureau/criteria');
  } catch (e) {
    page.append(errorBox(e));
    return;
  }
  const sel = h('select', { id: 'b-criteria', required: true });
  for (const c of criteria) {
    sel.append(h('option', { value: c.id, selected: c.id === rankState.criteria }, tx(c.titles) || c.id));
  }
  const region = h('input', { id: 'b-rank-region', inputmode: 'numeric', maxlength: '6', pattern: '[0-9]{2,6}', value: rankState.region, autocomplete: 'off', 'aria-describedby': 'b-rank-region-help' });
  const top = h('input', { id: 'b-top', type: 'number', min: '1', max: '200', step: '1', value: rankState.top });
  const btn = h('button', { type: 'submit', class: 'btn primary', id: 'b-rank-submit' }, t('b_rank_submit'));
  const out = h('div', { id: 'b-rank-result' });
  const status = h('p', { class: 'sr-only', role: 'status' });
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'b-rank-h' },
    h('h2', { id: 'b-rank-h' }, t('b_rank_title')),
    h('div', { class: 'field' }, h('label', { for: 'b-criteria' }, t('b_criteria')), sel),
    h('div', { class: 'b-row' },
      h('div', { class: 'field' }, h('label', { for: 'b-rank-region' }, t('b_region_optional')), region,
        h('p', { class: 'help', id: 'b-rank-region-help' }, t('b_region_help'))),
      h('div', { class: 'field' }, h('label', { for: 'b-top' }, t('b_top')), top)),
    h('div', { class: 'actions' }, btn), status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    rankState.criteria = sel.value;
    rankState.region = region.value.trim();
    rankState.top = top.value.trim();
    let url = `/api/bureau/rank?criteria=${encodeURIComponent(sel.value)}`;
    if (rankState.region) url += `&region=${encodeURIComponent(rankState.region)}`;
    if (/^[0-9]+$/.test(rankState.top)) url += `&top=${rankState.top}`;
    url += langParam();
    btn.disabled = true;
    clear(out).append(h('p', { class: 'muted' }, t('loading')));
    try {
      const r = await api('GET', url);
      clear(out).append(exportLinks('b-rank-export', `/api/bureau/rank/export?${url.split('?')[1]}`), renderRank(r));
      status.textContent = t('b_rank_status', { n: (r.rows || []).length });
    } catch (e) {
      clear(out).append(errorBox(e));
    }
    btn.disabled = false;
  });
  page.append(form, out);
  if (rankState.criteria) form.requestSubmit();
}

function names(list) {
  if (!Array.isArray(list) || !list.length) return '–';
  return list.map((x) => (x && typeof x === 'object' ? x.name || x.id : String(x))).join(t('sep_list'));
}

function renderRank(r) {
  const box = h('div', { class: 'b-rank' });
  const c = r.criteria || {};
  box.append(h('section', { class: 'card', 'aria-labelledby': 'b-crit-h' },
    h('h2', { id: 'b-crit-h' }, c.title || c.id, ' ',
      c.draft ? h('span', { class: 'badge draft' }, t('b_draft')) : null),
    c.cite ? h('p', { class: 'small' }, `${t('b_cite')}${t('sep_colon')}${c.cite}`) : null,
    c.note ? h('p', { class: 'small muted' }, c.note) : null,
    h('p', { id: 'b-rank-counts' }, t('b_rank_counts', { considered: fmt(r.considered), eligible: fmt(r.eligible), ineligible: fmt(r.ineligible_count), filtered: fmt(r.filtered_out), top: fmt(r.top) }))));

  const rows = Array.isArray(r.rows) ? r.rows : [];
  if (!rows.length) {
    box.append(h('p', { class: 'banner', id: 'b-rank-empty' }, t('b_rank_none')));
  } else {
    const tbody = h('tbody');
    for (const row of rows) {
      const terms = (row.terms || []).map((x) => `${x.title}: ${x.missing ? t('b_missing') : fmt(x.value)} × ${fmt(x.weight)} = ${fmt(x.contribution)}`);
      tbody.append(h('tr', { class: row.in_top ? 'in-top' : '', dataset: { id: row.id } },
        h('td', null, fmt(row.position), row.in_top ? h('span', { class: 'badge ok b-top-badge' }, t('b_in_top')) : null),
        h('td', null, h('a', { class: 'b-name', href: `#/bureau/record/${encodeURIComponent(row.id)}`, title: t('b_open_record') }, row.name || row.id), h('br'),
          h('span', { class: 'mono small muted' }, row.id), h('br'), h('span', { class: 'small muted b-origin' }, originText(row.origin))),
        h('td', { class: 'num' }, fmt(row.score)),
        h('td', null, h('p', { class: 'b-expl' }, row.explanation || ''),
          terms.length ? h('ul', { class: 'small muted b-terms' }, terms.map((s) => h('li', null, s))) : null)));
    }
    box.append(h('table', { class: 'list b-rank-table', id: 'b-rank-table' },
      h('caption', null, t('b_rank_caption')),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, t('b_position')), h('th', { scope: 'col' }, t('ent_name')),
        h('th', { scope: 'col' }, t('b_score')), h('th', { scope: 'col' }, t('b_explanation')))),
      tbody));
  }

  const nameOf = new Map([...rows, ...(Array.isArray(r.ineligible) ? r.ineligible : [])].map((x) => [x.id, x.name || x.id]));
  const s = r.sensitivity;
  if (s) {
    const sec = h('section', { class: 'card', id: 'b-sensitivity', 'aria-labelledby': 'b-sens-h' },
      h('h2', { id: 'b-sens-h' }, t('b_sensitivity')),
      h('p', null, h('span', { class: `badge ${s.stable ? 'ok' : 'warn'}` }, s.stable ? t('b_stable') : t('b_unstable')), ' ', s.note || ''));
    const cases = Array.isArray(s.cases) ? s.cases : [];
    if (cases.length) {
      const tb = h('tbody');
      for (const k of cases) {
        const byId = (list) => (list || []).map((id) => ({ id, name: nameOf.get(id) || id }));
        tb.append(h('tr', null, h('td', null, k.title || k.term), h('td', null, `×${fmt(k.factor)} → ${fmt(k.weight)}`),
          h('td', null, names(byId(k.entering))), h('td', null, names(byId(k.leaving)))));
      }
      sec.append(h('table', { class: 'list' },
        h('caption', { class: 'sr-only' }, t('b_sensitivity')),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('b_term')), h('th', { scope: 'col' }, t('b_weight')),
          h('th', { scope: 'col' }, t('b_entering', { n: s.top })), h('th', { scope: 'col' }, t('b_leaving', { n: s.top })))),
        tb));
    }
    box.append(sec);
  }

  const inel = Array.isArray(r.ineligible) ? r.ineligible : [];
  const det = h('details', { class: 'card', id: 'b-ineligible' },
    h('summary', null, t('b_ineligible', { n: fmt(r.ineligible_count ?? inel.length) })));
  const ul = h('ul', { class: 'small' });
  for (const x of inel) {
    ul.append(h('li', { dataset: { id: x.id } },
      h('a', { class: 'b-name', href: `#/bureau/record/${encodeURIComponent(x.id)}`, title: t('b_open_record') }, h('strong', null, x.name || x.id)),
      ` (${x.id})${t('sep_colon')}${x.explanation || ''}`));
  }
  det.append(inel.length ? ul : h('p', { class: 'muted' }, '–'));
  box.append(det);
  return box;
}

// ---------------------------------------------------------------------------------------------
// dashboard

const dashState = { region: '', year: '', years: [] };

function viewDashboard(page) {
  const region = h('input', { id: 'b-dash-region', inputmode: 'numeric', maxlength: '6', pattern: '[0-9]{2,6}', value: dashState.region, autocomplete: 'off', required: true, 'aria-describedby': 'b-dash-region-help b-dash-error' });
  const msg = h('p', { class: 'form-error', role: 'alert', id: 'b-dash-error' });
  const btn = h('button', { type: 'submit', class: 'btn primary', id: 'b-dash-submit' }, t('b_dash_submit'));
  const out = h('div', { id: 'b-dash-result' });
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'b-dash-h' },
    h('h2', { id: 'b-dash-h' }, t('b_dash_title')),
    h('div', { class: 'field' }, h('label', { for: 'b-dash-region' }, t('b_region')), region,
      h('p', { class: 'help', id: 'b-dash-region-help' }, t('b_region_help'))),
    msg, h('div', { class: 'actions' }, btn));
  const year = h('select', { id: 'b-dash-year' }, h('option', { value: '' }, t('b_year_latest')));
  for (const y of dashState.years || []) year.append(h('option', { value: String(y), selected: String(y) === dashState.year }, String(y)));
  form.insertBefore(h('div', { class: 'field' }, h('label', { for: 'b-dash-year' }, t('b_year')), year), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    dashState.year = year.value;
    const v = region.value.trim();
    if (!/^[0-9]{2,6}$/.test(v)) {
      msg.textContent = t('b_region_invalid');
      region.focus();
      return;
    }
    dashState.region = v;
    btn.disabled = true;
    clear(out).append(h('p', { class: 'muted' }, t('loading')));
    try {
      const q = `region=${encodeURIComponent(v)}${dashState.year ? `&year=${dashState.year}` : ''}${langParam()}`;
      const r = await api('GET', `/api/bureau/dashboard?${q}&history=1`);
      dashState.years = r.years || [];
      const chosen = year.value;
      clear(year).append(h('option', { value: '' }, t('b_year_latest')));
      for (const y of dashState.years) year.append(h('option', { value: String(y), selected: String(y) === chosen }, String(y)));
      clear(out).append(exportLinks('b-dash-export', `/api/bureau/dashboard/export?${q}`), renderDashboard(r, q));
    } catch (e) {
      clear(out).append(errorBox(e));
    }
    btn.disabled = false;
  });
  page.append(form, out);
  if (dashState.region) form.requestSubmit();
}

function unitText(unit) {
  if (unit === 'percent' || unit === '%') return '%';
  if (unit === 'count') return t('b_unit_count');
  return unit ? ` ${unitName(unit)}` : '';
}

function metBadge(met) {
  if (met === true) return h('span', { class: 'badge ok b-met' }, t('b_met'));
  if (met === false) return h('span', { class: 'badge bad b-met' }, t('b_unmet'));
  return h('span', { class: 'badge plain b-met' }, t('b_unknown'));
}

// A bar 0…scale with the value filled and each target marked by a line.
function bar(f) {
  const W = 320;
  const H = 22;
  const targets = (f.targets || []).map((x) => x.target).filter((x) => typeof x === 'number');
  const isPct = f.unit === 'percent';
  const value = typeof f.value === 'number' ? f.value : 0;
  const scale = isPct ? 100 : Math.max(1, value, ...targets) * 1.1;
  const x = (v) => Math.max(0, Math.min(W, (v / scale) * W));
  const label = f.suppressed ? t('b_suppressed')
    : t('b_bar_label', { value: `${fmt(f.value)}${unitText(f.unit)}`, targets: targets.length ? targets.map((v) => `${fmt(v)}${unitText(f.unit)}`).join(t('sep_list')) : '–' });
  const el = svg('svg', { class: 'b-bar', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label });
  const title = svg('title');
  title.textContent = label;
  el.append(title);
  el.append(svg('rect', { x: 0, y: 4, width: W, height: H - 8, rx: 3, class: 'b-bar-bg' }));
  if (!f.suppressed) {
    const met = (f.targets || []).every((tg) => tg.met !== false);
    el.append(svg('rect', { x: 0, y: 4, width: x(value), height: H - 8, rx: 3, class: met ? 'b-bar-fill ok' : 'b-bar-fill bad' }));
  } else {
    el.append(svg('line', { x1: 4, y1: H / 2, x2: W - 4, y2: H / 2, class: 'b-bar-hatch' }));
  }
  for (const v of targets) el.append(svg('line', { x1: x(v), y1: 0, x2: x(v), y2: H, class: 'b-bar-target' }));
  return el;
}

function renderFigure(f, history, q, trends) {
  const card = h('li', { class: `card b-figure${f.suppressed ? ' suppressed' : ''}`, dataset: { id: f.id } });
  card.append(h('h3', null, f.title || f.id));
  if (f.suppressed) {
    card.append(h('p', { class: 'b-value b-suppressed' }, t('b_suppressed')));
    if (f.reason) card.append(h('p', { class: 'small muted' }, f.reason));
  } else {
    card.append(h('p', { class: 'b-value' }, h('strong', null, `${fmt(f.value)}${unitText(f.unit)}`), ' ',
      h('span', { class: 'small muted' }, t('b_fraction', { num: fmt(f.numerator), den: fmt(f.denominator) }))));
  }
  card.append(bar(f));
  if (f.formula) card.append(h('p', { class: 'small muted' }, f.formula));
  if (f.proxy) card.append(h('p', { class: 'small' }, h('span', { class: 'badge plain' }, t('b_proxy')), ' ', f.proxy));
  const points = (history || []).map((y) => ({ year: y.year, fig: y.figures[f.id] })).filter((p) => p.fig);
  if (points.length) card.append(trajectory(f, points, (trends || {})[f.id] || []));
  const drillOut = h('div', { class: 'b-drill' });
  const drillBtn = h('button', { type: 'button', class: 'btn small b-drill-btn' }, t('b_drill'));
  drillBtn.addEventListener('click', async () => {
    clear(drillOut).append(h('p', { class: 'muted' }, t('loading')));
    try {
      const d = await api('GET', `/api/bureau/dashboard/drill?${q}&figure=${encodeURIComponent(f.id)}`);
      clear(drillOut).append(renderDrill(f, d, `/api/bureau/dashboard/drill?${q}&figure=${encodeURIComponent(f.id)}`));
    } catch (e) {
      clear(drillOut).append(errorBox(e));
    }
  });
  card.append(h('p', null, drillBtn), drillOut);
  const targets = f.targets || [];
  if (targets.length) {
    const ul = h('ul', { class: 'b-targets small' });
    for (const tg of targets) {
      const goal = tg.target === null || tg.target === undefined ? '' : `${tg.comparator || ''} ${fmt(tg.target)}${tg.unit === '%' ? '%' : tg.unit ? ` ${tg.unit}` : ''}`;
      ul.append(h('li', null, metBadge(tg.met), ' ',
        h('span', null, t('b_target'), t('sep_colon'), goal.trim(), tg.by ? ` (${tg.by})` : ''), ' · ',
        h('span', null, `${tg.document_title || tg.document || ''} ${tg.number || ''} ${tg.cite || ''}`.replace(/\s+/g, ' ').trim()),
        tg.draft ? [' ', h('span', { class: 'badge draft' }, t('b_draft'))] : null,
        tg.note ? h('span', { class: 'muted' }, ` — ${tg.note}`) : null));
    }
    card.append(ul);
  } else {
    card.append(h('p', { class: 'small muted' }, t('b_no_target')));
  }
  return card;
}

function renderDashboard(r, q) {
  const box = h('div', { class: 'b-dash' });
  box.append(h('p', { id: 'b-dash-counts' }, t('b_dash_counts', { region: r.region, n: fmt(r.enterprises), above: fmt(r.above_size), min: fmt(r.min_group) })));
  const figs = Array.isArray(r.figures) ? r.figures : [];
  const ul = h('ul', { class: 'b-figures', id: 'b-figures', 'aria-label': t('b_figures') });
  for (const f of figs) ul.append(renderFigure(f, r.history, q, r.trends));
  box.append(h('h2', null, t('b_figures')), figs.length ? ul : h('p', { class: 'muted' }, '–'));
  const nm = Array.isArray(r.not_measured) ? r.not_measured : [];
  if (nm.length) {
    const list = h('ul', { class: 'small' });
    for (const x of nm) list.append(h('li', null, h('strong', null, x.title || x.id), ` — ${x.reason || ''} (${x.document_title || ''} ${x.cite || ''})`));
    box.append(h('details', { class: 'card' }, h('summary', null, t('b_not_measured', { n: nm.length })), list));
  }
  return box;
}

// ---------------------------------------------------------------------------------------------
// bureau (issue 15): exports, provenance, one enterprise's record, drill-down, trajectories

function exportLinks(id, base) {
  const sep = base.includes('?') ? '&' : '?';
  return h('p', { class: 'b-export', id }, t('b_export'),
    h('a', { href: `${base}${sep}format=xlsx`, download: '', class: 'b-export-xlsx' }, 'XLSX'), ' · ',
    h('a', { href: `${base}${sep}format=csv`, download: '', class: 'b-export-csv' }, 'CSV'));
}

function originText(o) {
  if (!o || typeof o !== 'object') return '';
  let s = o.kind === 'assessment'
    ? t('b_origin_assessment', { id: o.assessment_id, date: o.date || '' })
    : t('b_origin_import', { file: o.file || '', row: o.row ?? '–' });
  if (o.kind === 'assessment' && o.verified > 0) s += t('b_origin_verified', { n: o.verified });
  if (o.as_of) s += t('b_origin_as_of', { date: o.as_of });
  return s;
}

async function viewRecord(page, uscc) {
  let r;
  try {
    r = await api('GET', `/api/bureau/records/${encodeURIComponent(uscc)}`);
  } catch (e) {
    page.append(errorBox(e));
    return;
  }
  const latest = (r.rounds || []).find((x) => x.latest) || {};
  const box = h('section', { class: 'card', id: 'b-record', 'aria-labelledby': 'b-record-h' },
    h('p', null, h('a', { href: '#/bureau/rank' }, t('b_record_back'))),
    h('h2', { id: 'b-record-h' }, `${latest.name || (r.enterprise && r.enterprise.name) || ''} · ${t('b_record_title', { uscc })}`));
  const tb = h('tbody');
  for (const x of r.rounds || []) {
    tb.append(h('tr', { dataset: { round: x.round } }, h('td', null, t('b_record_round', { n: x.round }), x.latest ? [' ', h('span', { class: 'badge ok' }, t('b_record_latest'))] : null),
      h('td', null, String(x.year || '')), h('td', null, originText({ ...x.origin, as_of: x.as_of }))));
  }
  box.append(h('h3', null, t('b_record_rounds')), h('table', { class: 'list', id: 'b-record-rounds' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, t('b_record_year')), h('th', { scope: 'col' }, t('b_source')))), tb));
  box.append(h('h3', null, t('b_record_assessments')));
  if (r.enterprise) {
    box.append(h('p', null, h('a', { href: `#/enterprise/${r.enterprise.id}`, id: 'b-record-enterprise' }, t('b_record_open_enterprise'))));
    const ul = h('ul', { id: 'b-record-assessments' });
    for (const a of r.assessments || []) {
      ul.append(h('li', null, h('a', { href: `#/assessment/${a.id}` }, `#${a.id} ${a.date || ''} ${(a.modules || []).join(', ')} (${a.status})`), ' · ',
        h('a', { href: `/api/assessments/${a.id}/report?lang=${encodeURIComponent(lang())}`, class: 'b-record-report', target: '_blank', rel: 'noopener' }, t('b_record_report'))));
    }
    box.append(ul);
  } else {
    box.append(h('p', { class: 'muted' }, t('b_record_no_enterprise')));
  }
  page.append(box);
}

function renderDrill(f, d, base) {
  const list = Array.isArray(d.enterprises) ? d.enterprises : [];
  const sec = h('section', { class: 'b-drill-result' }, h('h4', null, t('b_drill_title', { title: f.title || f.id })), exportLinks(null, base));
  if (!list.length) {
    sec.append(h('p', { class: 'muted' }, t('b_drill_none')));
    return sec;
  }
  const tb = h('tbody');
  const partKey = { numerator: 'b_drill_numerator', denominator: 'b_drill_denominator', unknown: 'b_drill_unknown' };
  for (const x of list) {
    tb.append(h('tr', { dataset: { id: x.id, part: x.part } },
      h('td', null, h('a', { href: `#/bureau/record/${encodeURIComponent(x.id)}` }, x.name || x.id), h('br'), h('span', { class: 'mono small muted' }, x.id)),
      h('td', null, t(partKey[x.part] || 'b_drill_unknown')), h('td', { class: 'small muted' }, originText(x.origin))));
  }
  sec.append(h('table', { class: 'list small' }, h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('ent_name')), h('th', { scope: 'col' }, t('b_figures')), h('th', { scope: 'col' }, t('b_source')))), tb));
  return sec;
}

// An SVG line of the figure year by year, each target as a mark at its year, and when the trend
// of the last two known years reaches the target (the server's `trends`: a straight line through
// them, scoring/dashboard.h trend_to_target; nothing is said from fewer than two years).
function trajectory(f, points, trends) {
  const W = 320;
  const H = 90;
  const known = points.filter((p) => typeof p.fig.value === 'number' && !p.fig.suppressed);
  const targets = (f.targets || []).filter((x) => typeof x.target === 'number');
  const years = points.map((p) => p.year);
  for (const tg of targets) { const y = Number(String(tg.by || '').slice(0, 4)); if (y) years.push(y); }
  const y0 = Math.min(...years);
  const y1 = Math.max(...years, y0 + 1);
  const isPct = f.unit === 'percent';
  const maxV = isPct ? 100 : Math.max(1, ...known.map((p) => p.fig.value), ...targets.map((x) => x.target)) * 1.1;
  const X = (y) => 20 + ((y - y0) / (y1 - y0)) * (W - 40);
  const Y = (v) => H - 12 - (v / maxV) * (H - 24);
  const label = `${t('b_history')}: ${points.map((p) => `${p.year} ${p.fig.suppressed ? t('b_suppressed') : `${fmt(p.fig.value)}${unitText(f.unit)}`}`).join('; ')}`;
  const el = svg('svg', { class: 'b-trajectory', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label });
  const title = svg('title');
  title.textContent = label;
  el.append(title);
  if (known.length > 1) el.append(svg('polyline', { points: known.map((p) => `${X(p.year)},${Y(p.fig.value)}`).join(' '), class: 'b-line', fill: 'none', stroke: 'currentColor' }));
  for (const p of known) el.append(svg('circle', { cx: X(p.year), cy: Y(p.fig.value), r: 3, class: 'b-point' }));
  for (const tg of targets) {
    const y = Number(String(tg.by || '').slice(0, 4));
    if (!y) continue;
    el.append(svg('line', { x1: X(y) - 6, y1: Y(tg.target), x2: X(y) + 6, y2: Y(tg.target), class: 'b-bar-target', stroke: 'currentColor' }));
  }
  for (const y of [y0, y1]) { const tx = svg('text', { x: X(y), y: H - 1, 'text-anchor': 'middle', class: 'small' }); tx.textContent = String(y); el.append(tx); }
  const box = h('div', { class: 'b-history' }, el);
  const table = h('table', { class: 'list small b-history-table' }, h('caption', { class: 'sr-only' }, t('b_history')),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('b_history_year')), h('th', { scope: 'col' }, t('b_history_value')))),
    h('tbody', null, points.map((p) => h('tr', { dataset: { year: p.year } }, h('td', null, String(p.year)),
      h('td', null, p.fig.suppressed ? t('b_suppressed') : `${fmt(p.fig.value)}${unitText(f.unit)} (${fmt(p.fig.numerator)}/${fmt(p.fig.denominator)})`)))));
  box.append(table);
  // When the trend reaches each target at the current pace, as the server worked it out.
  for (const tr of trends) {
    const tg = targets.find((x) => x.id === tr.target);
    if (!tg || tr.state === 'unknown') continue;
    const goal = `${tg.comparator || ''}${fmt(tg.target)}${unitText(f.unit)}`;
    const text = tr.state === 'reached' ? t('b_trend_reached', { target: goal })
      : tr.state === 'year' ? t('b_trend_reach', { target: goal, year: tr.year })
        : t('b_trend_never', { target: goal });
    box.append(h('p', { class: 'small b-trend' }, text));
  }
  return box;
}

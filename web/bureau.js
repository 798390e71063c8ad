// Bureau workspace (区域工作台): import candidate records, rank them against criteria, and the
// regional dashboard against the action-plan targets. Text reaches the page through textContent only;
// the bars are SVG elements made with createElementNS.

import { t, lang, pick, unit as unitName } from './i18n.js';
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
export async function viewBureau(main, sub, pageTitle) {
  if (!['import', 'rank', 'dashboard'].includes(sub)) sub = 'import';
  const titleKey = { import: 'b_tab_import', rank: 'b_tab_rank', dashboard: 'b_tab_dashboard' }[sub];
  pageTitle(`${t('b_title')} · ${t(titleKey)}`);
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
  else viewDashboard(page);
}

// ---------------------------------------------------------------------------------------------
// import

function viewImport(page) {
  const file = h('input', { type: 'file', id: 'b-file', accept: '.csv,.json,text/csv,application/json', required: true, 'aria-describedby': 'b-file-help' });
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
      const type = /\.json$/i.test(f.name) ? 'application/json' : 'text/csv';
      const url = `/api/bureau/import?name=${encodeURIComponent(f.name)}&on_error=${onError.value}&round=${round.value}`;
      const r = await api('POST', url, undefined, { raw: body, type });
      out.append(importSummary(r, f.name));
    } catch (e) {
      out.append(errorBox(e));
      if (e.data && Array.isArray(e.data.issues)) out.append(issuesTable(e.data.issues));
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
  const issues = Array.isArray(r.issues) ? r.issues : [];
  if (issues.length) box.append(issuesTable(issues));
  else box.append(h('p', { class: 'muted' }, t('b_no_issues')));
  return box;
}

function issuesTable(issues) {
  const tbody = h('tbody');
  for (const i of issues) tbody.append(h('tr', null, h('td', null, fmt(i.row)), h('td', { class: 'mono' }, i.column || ''), h('td', null, i.reason || '')));
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
    sel.append(h('option', { value: c.id, selected: c.id === rankState.criteria }, pick(c.title, c.title_en)));
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
      clear(out).append(renderRank(r));
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
    h('h2', { id: 'b-crit-h' }, pick(c.title, c.title_en) || c.id, ' ',
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
        h('td', null, h('span', { class: 'b-name' }, row.name || row.id), h('br'), h('span', { class: 'mono small muted' }, row.id)),
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

  const s = r.sensitivity;
  if (s) {
    const sec = h('section', { class: 'card', id: 'b-sensitivity', 'aria-labelledby': 'b-sens-h' },
      h('h2', { id: 'b-sens-h' }, t('b_sensitivity')),
      h('p', null, h('span', { class: `badge ${s.stable ? 'ok' : 'warn'}` }, s.stable ? t('b_stable') : t('b_unstable')), ' ', s.note || ''));
    const cases = Array.isArray(s.cases) ? s.cases : [];
    if (cases.length) {
      const tb = h('tbody');
      for (const k of cases) {
        tb.append(h('tr', null, h('td', { class: 'mono' }, k.term), h('td', null, `×${fmt(k.factor)} → ${fmt(k.weight)}`),
          h('td', null, names(k.entering)), h('td', null, names(k.leaving))));
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
  for (const x of inel) ul.append(h('li', null, h('strong', null, x.name || x.id), ` (${x.id})${t('sep_colon')}${x.explanation || ''}`));
  det.append(inel.length ? ul : h('p', { class: 'muted' }, '–'));
  box.append(det);
  return box;
}

// ---------------------------------------------------------------------------------------------
// dashboard

const dashState = { region: '' };

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
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
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
      const r = await api('GET', `/api/bureau/dashboard?region=${encodeURIComponent(v)}${langParam()}`);
      clear(out).append(renderDashboard(r));
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

function renderFigure(f) {
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

function renderDashboard(r) {
  const box = h('div', { class: 'b-dash' });
  box.append(h('p', { id: 'b-dash-counts' }, t('b_dash_counts', { region: r.region, n: fmt(r.enterprises), above: fmt(r.above_size), min: fmt(r.min_group) })));
  const figs = Array.isArray(r.figures) ? r.figures : [];
  const ul = h('ul', { class: 'b-figures', id: 'b-figures', 'aria-label': t('b_figures') });
  for (const f of figs) ul.append(renderFigure(f));
  box.append(h('h2', null, t('b_figures')), figs.length ? ul : h('p', { class: 'muted' }, '–'));
  const nm = Array.isArray(r.not_measured) ? r.not_measured : [];
  if (nm.length) {
    const list = h('ul', { class: 'small' });
    for (const x of nm) list.append(h('li', null, h('strong', null, x.title || x.id), ` — ${x.reason || ''} (${x.document_title || ''} ${x.cite || ''})`));
    box.append(h('details', { class: 'card' }, h('summary', null, t('b_not_measured', { n: nm.length })), list));
  }
  return box;
}

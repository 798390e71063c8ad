// The results view: levels, requirements (actual vs needed), the improvement roadmap from the
// gaps, and the rewards with amounts, clauses and draft flags. All from GET /score.

import { t, tx, lang } from './i18n.js';
import { h, fmt } from './util.js';

const OPS = { '>=': '≥', '>': '>', '<=': '≤', '<': '<', '==': '=' };

function optionText(list) {
  if (!Array.isArray(list) || list.length === 0) return t('r_unanswered');
  return list.map((o) => o.label || (o.level !== undefined ? String(o.level) : o.id)).join(t('sep_list'));
}

function confidenceFlag(item) {
  const c = item && item.confidence;
  if (c === 'unconfirmed' || c === 'low') return h('span', { class: 'badge warn', title: item.note || '' }, t(`conf_${c}`));
  return null;
}

// A level's badge says whether an uncertain fact could change this verdict: a level reached shows
// it only when one of its requirements rests on an unconfirmed or low-confidence fact (a different
// threshold could undo it); a level not reached only when an unmet requirement does (a different
// threshold could grant it). The level's own note (e.g. an unconfirmed alias) never makes a badge.
function levelFlag(level) {
  const reqs = Array.isArray(level.requirements) ? level.requirements : [];
  const weak = (r) => r && (r.confidence === 'unconfirmed' || r.confidence === 'low');
  const could = level.holds ? reqs.filter(weak) : reqs.filter((r) => r.met !== true && weak(r));
  if (could.length === 0) return null;
  const c = could.some((r) => r.confidence === 'unconfirmed') ? 'unconfirmed' : 'low';
  return h('span', { class: 'badge warn', title: could.map((r) => r.title || r.id).join(t('sep_strong')) }, t(`conf_${c}`));
}

// The uncertain items of a score document, by title rather than id.
function uncertainTitle(u, doc, questionTitle) {
  if (u.kind === 'question') return questionTitle(u.id) || u.id;
  if (u.kind === 'requirement' || u.kind === 'level') {
    for (const level of doc.levels || []) {
      if (u.kind === 'level' && level.id === u.id) return level.name || u.id;
      for (const r of level.requirements || []) if (r.id === u.id) return `${level.name}${t('sep_colon')}${r.title || r.id}`;
    }
  }
  const lists = { section: doc.sections, computed: doc.computed, derived: doc.derived };
  for (const item of lists[u.kind] || []) if (item.id === u.id) return item.title || u.id;
  return u.title || u.id;
}

function requirementRow(r) {
  const met = r.met === true;
  const parts = [];
  if (r.actual !== undefined && r.actual !== null) parts.push(t('r_actual', { a: fmt(r.actual) }));
  if (r.needed !== undefined && r.comparison) parts.push(t('r_needed', { op: OPS[r.comparison] || r.comparison, n: fmt(r.needed) }));
  return h('li', { class: `req ${met ? 'met' : 'unmet'}` },
    h('span', { class: 'mark', 'aria-hidden': 'true' }, met ? '✓' : '✗'),
    h('span', { class: 'sr-only' }, met ? t('r_req_met') : t('r_req_unmet')),
    h('span', { class: 'req-title' }, r.title || r.id),
    parts.length ? h('span', { class: 'req-nums' }, parts.join(' · ')) : null,
    confidenceFlag(r),
    r.cite ? h('span', { class: 'req-cite' }, r.cite) : null);
}

function gapBlock(gap) {
  const target = gap.target && gap.target.name ? gap.target.name : '';
  const box = h('div', { class: 'gap' }, h('h4', null, t('r_roadmap', { level: target })));
  if (gap.already_reached) {
    box.append(h('p', null, t('r_already')));
    return box;
  }
  if (gap.reachable === false) box.append(h('p', { class: 'warn-text' }, t('r_unreachable')));
  if (gap.steps !== undefined && gap.reachable !== false) {
    box.append(h('p', { class: 'gap-sum' }, t('r_steps', { n: gap.steps, from: fmt((gap.total_after ?? 0) - (gap.points_gained ?? 0)), to: fmt(gap.total_after) }),
      gap.level_after ? ` · ${t('r_level_after', { level: gap.level_after.name })}` : ''));
  }
  if (gap.proven_minimal === false) box.append(h('p', { class: 'muted' }, t('r_not_proven', { n: gap.lower_bound_steps ?? '?' })));
  if (Array.isArray(gap.improvements) && gap.improvements.length) {
    const ol = h('ol', { class: 'roadmap' });
    for (const imp of gap.improvements) {
      ol.append(h('li', null,
        h('span', { class: 'imp-title' }, imp.title || imp.question),
        h('span', { class: 'imp-move' }, `${optionText(imp.from)} → ${optionText(imp.to)}`),
        h('span', { class: 'imp-points' }, t('r_points', { p: fmt(imp.points_gained) })),
        confidenceFlag(imp),
        imp.cite ? h('span', { class: 'req-cite' }, imp.cite) : null));
    }
    box.append(ol);
  }
  if (Array.isArray(gap.unmet) && gap.unmet.length) {
    const ul = h('ul', { class: 'reqs' });
    for (const u of gap.unmet) {
      ul.append(h('li', { class: 'req unmet' },
        h('span', { class: 'mark', 'aria-hidden': 'true' }, '✗'),
        h('span', { class: 'req-title' }, u.title || u.id),
        u.blocking ? h('span', { class: 'badge warn' }, t('r_blocking')) : null,
        confidenceFlag(u)));
    }
    box.append(h('h5', null, t('r_unmet')), ul);
  }
  return box;
}

export function renderModuleResult(id, doc, { title, questionTitle, goTo }) {
  const sec = h('section', { class: 'result card', 'aria-labelledby': `res-${id}` });
  sec.append(h('h3', { id: `res-${id}` }, title));
  const hasLevels = Array.isArray(doc.levels) && doc.levels.length > 0;
  if (!hasLevels) {
    sec.append(h('p', { class: 'muted' }, t('r_profile_only')));
  } else {
    sec.append(h('div', { class: 'res-head' },
      h('div', { class: 'big' }, h('span', { class: 'label' }, t('r_level')), h('strong', { class: 'level-name' }, doc.level ? doc.level.name : '–')),
      h('div', { class: 'big' }, h('span', { class: 'label' }, t('r_total')),
        h('strong', null, `${fmt(doc.total && doc.total.score)} / ${fmt(doc.total && doc.total.max)}`))));
  }
  const missing = doc.missing_required || [];
  if (missing.length === 0) sec.append(h('p', { class: 'ok-text' }, `✓ ${t('r_complete')}`));
  else {
    const ul = h('ul', { class: 'missing' });
    for (const q of missing) {
      const btn = h('button', { type: 'button', class: 'link' }, questionTitle(q) || q);
      btn.addEventListener('click', () => goTo(q));
      ul.append(h('li', null, btn));
    }
    sec.append(h('p', { class: 'warn-text' }, t('r_incomplete', { n: missing.length })), ul);
  }
  if (hasLevels) {
    const lv = h('div', { class: 'levels' }, h('h4', null, t('r_levels')));
    for (const level of doc.levels) {
      const d = h('details', { class: `level ${level.holds ? 'holds' : 'not'}` });
      d.append(h('summary', null,
        h('span', { class: 'mark', 'aria-hidden': 'true' }, level.holds ? '✓' : '✗'),
        h('span', { class: 'level-n' }, level.name),
        h('span', { class: `badge ${level.holds ? 'ok' : 'plain'}` }, level.holds ? t('r_holds') : t('r_not_holds')),
        levelFlag(level)));
      const ul = h('ul', { class: 'reqs' });
      for (const r of level.requirements || []) ul.append(requirementRow(r));
      d.append(ul);
      lv.append(d);
    }
    // open the first level not reached, so the gap is in view
    const firstNot = [...lv.querySelectorAll('details.not')][0];
    if (firstNot) firstNot.open = true;
    const gaps = h('div', { class: 'gaps' });
    for (const gap of doc.gaps || []) gaps.append(gapBlock(gap));
    sec.append(gaps.childNodes.length ? h('div', { class: 'res-grid' }, lv, gaps) : lv);
  }
  if (Array.isArray(doc.uncertain) && doc.uncertain.length) {
    const d = h('details', { class: 'uncertain' }, h('summary', null, t('r_uncertain', { n: doc.uncertain.length })));
    const ul = h('ul', null);
    for (const u of doc.uncertain) {
      ul.append(h('li', null, h('strong', null, uncertainTitle(u, doc, questionTitle)), ' ', h('span', { class: 'badge warn' }, t(`conf_${u.confidence}`)), ' ', u.note || '', u.cite ? h('span', { class: 'req-cite' }, u.cite) : null));
    }
    d.append(h('p', { class: 'muted small' }, t('r_uncertain_intro')), ul);
    sec.append(d);
  }
  return sec;
}

function amountText(a) {
  if (!a) return '';
  if (a.display) return a.display;
  if (a.shape === 'case_by_case') return t('r_amount_case');
  return t('r_amount_none');
}

export function renderRewards(rewards, { factWords } = {}) {
  const sec = h('section', { class: 'result card', 'aria-labelledby': 'res-rewards' }, h('h3', { id: 'res-rewards' }, t('r_rewards')));
  if (!rewards) {
    sec.append(h('p', { class: 'muted' }, t('r_rewards_none')));
    return sec;
  }
  sec.append(h('p', null, t('r_rewards_total', { exact: rewards.total_exact_display, upto: rewards.total_up_to_display })));
  const groups = [
    ['eligible', t('r_status_eligible'), true],
    ['eligible_if', t('r_status_eligible_if'), true],
    ['not_eligible', t('r_status_not_eligible'), false],
  ];
  for (const [status, label, open] of groups) {
    const items = (rewards.outcomes || []).filter((o) => o.status === status);
    if (!items.length) continue;
    const d = h('details', { class: `rw-group rw-${status}`, open: open || undefined }, h('summary', null, `${label} (${items.length})`));
    const ul = h('ul', { class: 'rewards' });
    for (const o of items) {
      const li = h('li', { class: 'reward' });
      li.append(h('div', { class: 'rw-head' },
        h('strong', { class: 'rw-title' }, o.title),
        h('span', { class: `rw-amount${o.amount && o.amount.display ? '' : ' none'}` }, amountText(o.amount)),
        (o.flags || []).includes('draft') ? h('span', { class: 'badge draft' }, t('r_draft')) : null,
        confidenceFlag(o)));
      li.append(h('p', { class: 'rw-doc' }, [o.document_title, o.number, o.cite].filter(Boolean).join(' · ')));
      if (o.amount && Array.isArray(o.amount.steps) && o.amount.steps.length) {
        const steps = h('ol', { class: 'rw-steps' });
        for (const s of o.amount.steps) steps.append(h('li', null, s));
        li.append(steps);
      }
      if (o.failed) li.append(h('p', { class: 'rw-meta' }, t('r_failed', { t: o.failed.title || o.failed.id })));
      if (Array.isArray(o.missing) && o.missing.length) li.append(h('p', { class: 'rw-meta' }, t('r_missing', { list: o.missing.map((m) => (factWords ? factWords(m) : m)).join(t('sep_list')) })));
      if (o.quote || o.note || o.stacking) {
        const more = h('details', { class: 'rw-more' }, h('summary', null, t('r_more')));
        if (o.quote) more.append(h('blockquote', { lang: 'zh-CN' }, o.quote)); // the official text, as written
        if (o.stacking) more.append(h('p', null, o.stacking));
        if (o.note) more.append(h('p', { class: 'muted' }, o.note));
        li.append(more);
      }
      ul.append(li);
    }
    d.append(ul);
    sec.append(d);
  }
  if (Array.isArray(rewards.enterprise_caps) && rewards.enterprise_caps.length) {
    const ul = h('ul', null);
    for (const c of rewards.enterprise_caps) ul.append(h('li', null, c.explanation || c.rule));
    sec.append(ul);
  }
  return sec;
}

// One line per module: level, score, missing answers and the size of the step to the next level.
export function renderSummary(modules, r, moduleTitle) {
  const tbody = h('tbody');
  for (const m of modules) {
    const doc = r.modules && r.modules[m];
    if (!doc) continue;
    const hasLevels = Array.isArray(doc.levels) && doc.levels.length > 0;
    const gap = (doc.gaps || [])[0];
    let next = '–';
    if (gap && gap.target) {
      next = gap.reachable === false ? `${gap.target.name}: ${t('r_unreachable')}`
        : `${gap.target.name}: ${t('r_steps', { n: gap.steps, from: fmt((gap.total_after ?? 0) - (gap.points_gained ?? 0)), to: fmt(gap.total_after) })}`;
    }
    tbody.append(h('tr', null,
      h('th', { scope: 'row' }, h('a', { href: `#res-${m}` , dataset: { jump: `res-${m}` } }, moduleTitle(m))),
      h('td', { class: 'sum-level' }, hasLevels ? (doc.level ? doc.level.name : '–') : t('live_no_levels')),
      h('td', null, hasLevels ? `${fmt(doc.total && doc.total.score)} / ${fmt(doc.total && doc.total.max)}` : '–'),
      h('td', null, String((doc.missing_required || []).length)),
      h('td', null, hasLevels ? next : '–')));
  }
  const table = h('table', { class: 'list summary' },
    h('caption', { class: 'sr-only' }, t('r_summary')),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, t('as_modules')), h('th', { scope: 'col' }, t('r_level')),
      h('th', { scope: 'col' }, t('r_total')), h('th', { scope: 'col' }, t('r_missing_col')),
      h('th', { scope: 'col' }, t('r_next')))),
    tbody);
  // In-page jumps without touching the router's hash.
  table.addEventListener('click', (ev) => {
    const a = ev.target.closest('a[data-jump]');
    if (!a) return;
    ev.preventDefault();
    const target = document.getElementById(a.dataset.jump);
    if (target) {
      target.scrollIntoView({ block: 'start' });
      target.setAttribute('tabindex', '-1');
      target.focus({ preventScroll: true });
    }
  });
  return table;
}

// T0 → T1 (issue 14, item 8): a re-assessment a year later. The answers are copied by the server
// (copy_from); year-bound figures then move one year: what was "last year" at T0 is "the year before"
// at T1, and the figures of the year now ended are asked afresh. The results compare both
// assessments: level, score, each level's requirements, and the rewards.

import { t } from './i18n.js';
import { h, api, fmt } from './util.js';

// Year-bound questions, as a definition marks them (questionnaires/README.md, "next_year"): in
// document order, [{question, to}] — `to` is the question the T0 value moves to ("year before"),
// `null` clears it (a figure of the year now ended, asked again), `+1` adds the years passed to a year.
export function yearRoll(def) {
  const out = [];
  (function walk(sec) {
    for (const q of sec.questions || []) {
      if ('next_year' in q) out.push({ question: q.id, to: q.next_year });
    }
    for (const child of sec.sections || []) walk(child);
  })(def || {});
  return out;
}

function valueOf(answer) {
  if (answer && typeof answer === 'object' && !Array.isArray(answer) && 'value' in answer) return answer.value;
  return answer;
}

// Moves the copied year-bound answers of assessment `a` (just created from `previous`) by `years`;
// `defOf(module)` gives a module's definition. Returns the list of changes made, as {module,
// question, action}. Each change is an ordinary audited answer save.
export async function rollYears(a, previousAnswers, years, defOf) {
  const done = [];
  if (!(years >= 1)) return done;
  const answers = previousAnswers || {};
  const base = `/api/assessments/${a.id}/answers`;
  for (const m of a.modules) {
    for (const { question: q, to } of yearRoll(defOf(m))) {
      const old = answers[m] ? answers[m][q] : undefined;
      if (old === undefined || old === null) continue;
      const v = valueOf(old);
      if (to === '+1') {
        if (typeof v === 'number') {
          await api('PUT', `${base}/${m}/${q}`, v + years);
          done.push({ module: m, question: q, action: 'year' });
        }
        continue;
      }
      if (to && years === 1) {
        await api('PUT', `${base}/${m}/${to}`, v);
        done.push({ module: m, question: to, action: 'moved', from: q });
      } else if (to) {
        await api('DELETE', `${base}/${m}/${to}`);
      }
      await api('DELETE', `${base}/${m}/${q}`);
      done.push({ module: m, question: q, action: 'cleared' });
    }
  }
  return done;
}

function delta(a, b) {
  if (typeof a !== 'number' || typeof b !== 'number') return '';
  const d = Math.round((b - a) * 100) / 100;
  if (d === 0) return '±0';
  return d > 0 ? `+${fmt(d)}` : `−${fmt(-d)}`;
}

function cell(text, cls) {
  return h('td', cls ? { class: cls } : null, text);
}

function levelName(doc) {
  return doc && doc.level ? doc.level.name : '–';
}

// The comparison card: one row per module (level, score), then each requirement whose state changed,
// then the rewards totals.
export function renderComparison({ previous, current, previousAssessment, modules, moduleTitle }) {
  const sec = h('section', { class: 'result card compare', id: 'compare', 'aria-labelledby': 'cmp-h' },
    h('h3', { id: 'cmp-h' }, t('cmp_title', { from: previousAssessment.date, to: current.date || '' })),
    h('p', { class: 'muted small' }, t('cmp_intro', { id: previousAssessment.id })));
  const tbody = h('tbody');
  const changed = [];
  for (const m of modules) {
    const a = previous.modules && previous.modules[m];
    const b = current.modules && current.modules[m];
    if (!a || !b || !Array.isArray(b.levels) || !b.levels.length) continue;
    const sa = a.total && a.total.score;
    const sb = b.total && b.total.score;
    const d = delta(sa, sb);
    tbody.append(h('tr', { dataset: { module: m } },
      h('th', { scope: 'row' }, moduleTitle(m)),
      cell(levelName(a)), cell(levelName(b)),
      cell(fmt(sa)), cell(fmt(sb)),
      cell(d, d.startsWith('+') ? 'cmp-up' : d.startsWith('−') ? 'cmp-down' : '')));
    const before = new Map();
    for (const level of a.levels || []) for (const r of level.requirements || []) before.set(`${level.id}/${r.id}`, r.met === true);
    for (const level of b.levels || []) {
      for (const r of level.requirements || []) {
        const key = `${level.id}/${r.id}`;
        if (!before.has(key) || before.get(key) === (r.met === true)) continue;
        changed.push({ m, level: level.name, title: r.title || r.id, met: r.met === true });
      }
    }
  }
  sec.append(h('div', { class: 'table-wrap' }, h('table', { class: 'list compare-table' },
    h('caption', { class: 'sr-only' }, t('cmp_title', { from: previousAssessment.date, to: current.date || '' })),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, t('as_modules')),
      h('th', { scope: 'col' }, t('cmp_level_t0')), h('th', { scope: 'col' }, t('cmp_level_t1')),
      h('th', { scope: 'col' }, t('cmp_score_t0')), h('th', { scope: 'col' }, t('cmp_score_t1')),
      h('th', { scope: 'col' }, t('cmp_change')))),
    tbody)));
  sec.append(h('h4', null, t('cmp_requirements', { n: changed.length })));
  if (!changed.length) sec.append(h('p', { class: 'muted' }, t('cmp_no_change')));
  else {
    const ul = h('ul', { class: 'cmp-reqs' });
    for (const c of changed) {
      ul.append(h('li', { class: c.met ? 'cmp-up' : 'cmp-down' },
        h('span', { 'aria-hidden': 'true' }, c.met ? '✓ ' : '✗ '),
        `${moduleTitle(c.m)} · ${c.level} · ${c.title}: `, c.met ? t('cmp_now_met') : t('cmp_no_longer_met')));
    }
    sec.append(ul);
  }
  const ra = previous.rewards;
  const rb = current.rewards;
  if (ra || rb) {
    sec.append(h('h4', null, t('cmp_rewards')),
      h('p', { id: 'cmp-rewards' }, t('cmp_rewards_line', {
        a: ra ? ra.total_display || ra.total_exact_display : '–',
        b: rb ? rb.total_display || rb.total_exact_display : '–',
      })));
    const rows = compareRewardRules(ra, rb);
    if (rows.length) {
      const body = h('tbody');
      for (const r of rows) {
        const cls = r.change === 'new' || r.change === 'up' ? 'cmp-up' : r.change === 'gone' || r.change === 'down' ? 'cmp-down' : '';
        body.append(h('tr', { dataset: { rule: r.rule, project: r.project } },
          h('th', { scope: 'row' }, `${r.title}${r.project ? ` · ${r.project}` : ''}`, h('div', { class: 'muted small' }, r.clause)),
          cell(ruleSide(r.t0)), cell(ruleSide(r.t1)), cell(t(`cmp_ch_${r.change}`), cls)));
      }
      sec.append(h('h4', null, t('cmp_reward_rules')), h('div', { class: 'table-wrap' }, h('table', { class: 'list compare-table', id: 'cmp-reward-rules' },
        h('caption', { class: 'sr-only' }, t('cmp_reward_rules')),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, t('cmp_rule')), h('th', { scope: 'col' }, t('cmp_status_t0')),
          h('th', { scope: 'col' }, t('cmp_status_t1')), h('th', { scope: 'col' }, t('cmp_change')))),
        body)));
    }
  }
  return sec;
}

// T0 → T1 rule by rule (issue 14, item 8): one row per rule (and project) that is eligible or
// eligible-if at either time, with each side's status and amount and the change: "new", "gone",
// "up", "down", "same" or "changed" (an amount that is not a sum, e.g. a ceiling, changed). The rows
// follow T1's outcomes, then the rules only T0 had. `before`/`after`: the score's `rewards`.
export function compareRewardRules(before, after) {
  const key = (o) => `${o.rule}@${o.project || ''}`;
  const listed = (o) => Boolean(o) && o.status !== 'not_eligible';
  const t0 = new Map(((before && before.outcomes) || []).map((o) => [key(o), o]));
  const side = (o) => (listed(o) ? { status: o.status, amount: o.amount ? o.amount.display : '' } : null);
  const change = (b, a) => {
    if (!listed(b)) return 'new';
    if (!listed(a)) return 'gone';
    if (b.status !== a.status) return a.status === 'eligible' ? 'up' : 'down';
    if (b.amount.shape === 'exact' && a.amount.shape === 'exact') {
      return a.amount.value > b.amount.value ? 'up' : a.amount.value < b.amount.value ? 'down' : 'same';
    }
    return b.amount.display === a.amount.display ? 'same' : 'changed';
  };
  const rows = [];
  const add = (b, a) => {
    const o = a || b;
    rows.push({ rule: o.rule, project: o.project || '', title: o.title, clause: `${o.document_title} ${o.cite}`, t0: side(b), t1: side(a), change: change(b, a) });
  };
  const seen = new Set();
  for (const o of (after && after.outcomes) || []) {
    seen.add(key(o));
    const b = t0.get(key(o));
    if (listed(b) || listed(o)) add(b, o);
  }
  for (const o of (before && before.outcomes) || []) if (!seen.has(key(o)) && listed(o)) add(o, null);
  return rows;
}

function ruleSide(s) {
  return s ? `${t(`cmp_st_${s.status}`)} ${s.amount}` : t('cmp_not_listed');
}

// Loads the previous assessment's score for the comparison (null when it cannot be read).
export async function loadPrevious(previousId, langCode) {
  try {
    const [assessment, score] = await Promise.all([
      api('GET', `/api/assessments/${previousId}`),
      api('GET', `/api/assessments/${previousId}/score?lang=${langCode}`),
    ]);
    return { assessment, score };
  } catch {
    return null;
  }
}

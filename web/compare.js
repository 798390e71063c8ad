// T0 → T1 (issue 14, item 8): a re-assessment a year later. The answers are copied by the server
// (copy_from); year-bound figures then move one year: what was "last year" at T0 is "the year before"
// at T1, and the figures of the year now ended are asked afresh. The results compare both
// assessments: level, score, each level's requirements, and the rewards.

import { t } from './i18n.js';
import { h, api, fmt } from './util.js';

// Year-bound questions of the shipped questionnaires (titles "上一年度…" / "前一年度…" / "本年度…"):
// [module, question, to] — `to` is the question the T0 value moves to ("year before"), `null` clears
// it (a figure of the year now ended, asked again), `+1` adds one year to a year.
export const YEAR_ROLL = [
  ['profile', 'last_year', '+1'],
  ['profile', 'revenue_last_year', 'revenue_prev_year'],
  ['profile', 'employees', null],
  ['profile', 'tech_investment_this_year', null],
  ['profile', 'tech_investment_two_years', null],
  ['profile', 'equipment_investment_this_year', null],
  ['profile', 'digital_investment_this_year', null],
  ['profile', 'energy_saving_equipment_investment', null],
  ['profile', 'first_set_equipment_value', null],
  ['profile', 'municipal_tech_fund_approved', null],
  ['smart-factory-2025', 'main_business_revenue_last_year', null],
  ['sme-digital-2024', 'raw_revenue_last_year', 'raw_revenue_year_before'],
  ['sme-digital-2024', 'raw_employees_last_year', 'raw_employees_year_before'],
  ['sme-digital-2024', 'raw_cost_per_100_last_year', 'raw_cost_per_100_year_before'],
];

function valueOf(answer) {
  if (answer && typeof answer === 'object' && !Array.isArray(answer) && 'value' in answer) return answer.value;
  return answer;
}

// Moves the copied year-bound answers of assessment `a` (just created from `previous`) by `years`.
// Returns the list of changes made, as {module, question, action}. Each change is an ordinary
// audited answer save.
export async function rollYears(a, previousAnswers, years) {
  const done = [];
  if (!(years >= 1)) return done;
  const answers = previousAnswers || {};
  const base = `/api/assessments/${a.id}/answers`;
  for (const [m, q, to] of YEAR_ROLL) {
    if (!a.modules.includes(m)) continue;
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
  }
  return sec;
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

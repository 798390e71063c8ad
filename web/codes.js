// Names, not codes (issue 14, item 9): the GB/T 2260 regions and GB/T 4754 industries shipped under
// questionnaires/profile, picked by name (province → city → district; division → group) or typed as a
// code or a name ("3202", "320205", "锡山区"), and shown as "name (code)" wherever a code appears.

import { t, lang } from './i18n.js';
import { h, api } from './util.js';

const lists = new Map();

// The list (cached by the browser under its ETag); `null` when it cannot be read.
export async function codeList(id) {
  if (!lists.has(id)) {
    lists.set(id, api('GET', `/api/code-lists/${id}`, undefined, { cache: 'default' }).then((l) => {
      const byCode = new Map(l.codes.map((c) => [c.code, c]));
      const children = new Map();
      for (const c of l.codes) {
        if (!c.parent) continue;
        if (!children.has(c.parent)) children.set(c.parent, []);
        children.get(c.parent).push(c);
      }
      return { ...l, byCode, children };
    }).catch(() => null));
  }
  return lists.get(id);
}

function nameOf(c) {
  return lang() === 'en' && c.name_en ? c.name_en : c.name;
}

// "锡山区（320205）", with the walk up for a region: "江苏省 无锡市 锡山区（320205）".
export function codeName(list, code, { path = false } = {}) {
  if (!code) return '–';
  const c = list && list.byCode.get(String(code));
  if (!c) return String(code);
  const names = [nameOf(c)];
  if (path) {
    for (let p = c.parent && list.byCode.get(c.parent); p && p.level !== 'national' && p.level !== 'section'; p = p.parent && list.byCode.get(p.parent)) names.unshift(nameOf(p));
  }
  return lang() === 'en' ? `${names.join(', ')} (${c.code})` : `${names.join(' ')}（${c.code}）`;
}

// A typed code or name → a code of the list: "3202" → 320200, "32" → 320000, "锡山" → 320205 when
// one entry matches; null otherwise.
export function resolveCode(list, text, kind) {
  const s = String(text || '').trim();
  if (!s || !list) return null;
  if (list.byCode.has(s)) return s;
  if (kind === 'region' && /^\d{2}$|^\d{4}$/.test(s)) {
    const padded = s.padEnd(6, '0');
    if (list.byCode.has(padded)) return padded;
  }
  const lower = s.toLowerCase();
  const hits = list.codes.filter((c) => c.level !== 'national' && c.level !== 'section' &&
    (c.name.includes(s) || (c.name_en && c.name_en.toLowerCase().includes(lower))));
  const exact = hits.filter((c) => c.name === s || (c.name_en && c.name_en.toLowerCase() === lower));
  if (exact.length === 1) return exact[0].code;
  return hits.length === 1 ? hits[0].code : null;
}

function fillSelect(select, items, placeholder, selected) {
  select.replaceChildren(h('option', { value: '' }, placeholder));
  for (const c of items) select.append(h('option', { value: c.code }, lang() === 'en' ? `${nameOf(c)} (${c.code})` : `${nameOf(c)}（${c.code}）`));
  select.value = selected && items.some((c) => c.code === selected) ? selected : '';
  select.disabled = items.length === 0 || select.dataset.locked === '1';
}

// The chain of selects for a list; `levels` names the select of each depth. Returns
// { el, value(), set(code), onChange }.
function picker(list, { id, label, levels, value, disabled, kind, help, typedLabel, typed: withTyped = true }) {
  const selects = levels.map((lv, i) => h('select', { id: `${id}-${i}`, dataset: { locked: disabled ? '1' : '0' } }));
  const typed = h('input', { id: `${id}-typed`, type: 'text', autocomplete: 'off', disabled, 'aria-describedby': `${id}-msg` });
  const msg = h('p', { class: 'field-msg', id: `${id}-msg`, 'aria-live': 'polite' });
  const shown = h('p', { class: 'code-shown small', id: `${id}-shown` });
  const root = list.codes.find((c) => !c.parent);
  let current = '';
  const api_ = { onChange: null };
  function chain(code) {
    const out = [];
    for (let c = code && list.byCode.get(code); c && c.parent; c = list.byCode.get(c.parent)) out.unshift(c.code);
    return out;
  }
  function render(code) {
    const path = chain(code);
    let parent = root.code;
    for (let i = 0; i < selects.length; ++i) {
      const items = parent ? (list.children.get(parent) || []) : [];
      fillSelect(selects[i], items, levels[i].placeholder, path[i]);
      parent = path[i] || null;
    }
    current = code || '';
    shown.textContent = current ? `${t('cd_chosen')}: ${codeName(list, current, { path: kind === 'region' })}` : '';
  }
  selects.forEach((s, i) => s.addEventListener('change', () => {
    const code = s.value || (i > 0 ? selects[i - 1].value : '');
    render(code);
    msg.textContent = '';
    typed.value = '';
    if (api_.onChange) api_.onChange(current);
  }));
  typed.addEventListener('change', () => {
    const text = typed.value.trim();
    if (!text) return;
    const code = resolveCode(list, text, kind);
    if (!code) {
      msg.textContent = t('cd_unknown', { v: text });
      msg.className = 'field-msg bad';
      typed.setAttribute('aria-invalid', 'true');
      return;
    }
    typed.removeAttribute('aria-invalid');
    msg.textContent = '';
    render(code);
    if (api_.onChange) api_.onChange(current);
  });
  render(value && list.byCode.has(String(value)) ? String(value) : '');
  const el = h('fieldset', { class: 'field code-picker', id },
    h('legend', null, label),
    help ? h('p', { class: 'help' }, help) : null,
    h('div', { class: 'code-selects' }, selects.map((s, i) => h('div', { class: 'code-level' }, h('label', { for: s.id }, levels[i].label), s))),
    withTyped ? h('div', { class: 'code-level' }, h('label', { for: typed.id }, typedLabel), typed) : null,
    msg, shown);
  api_.el = el;
  api_.value = () => current;
  api_.set = (code) => render(code);
  return api_;
}

// `label` names the fieldset (the enterprise form's "Region code" by default); `typed: false` leaves
// out the typed field (the questionnaire's own text field is there).
export async function regionPicker({ id, value, disabled, help, label, typed }) {
  const list = await codeList('region');
  if (!list) return null;
  return picker(list, {
    id, value, disabled, help, typed, kind: 'region', label: label || t('ent_region'), typedLabel: t('cd_typed_region'),
    levels: [
      { label: t('cd_province'), placeholder: t('cd_choose') },
      { label: t('cd_city'), placeholder: t('cd_choose') },
      { label: t('cd_district'), placeholder: t('cd_choose') },
    ],
  });
}

export async function industryPicker({ id, value, disabled, help, label, typed }) {
  const list = await codeList('industry');
  if (!list) return null;
  return picker(list, {
    id, value, disabled, help, typed, kind: 'industry', label: label || t('ent_industry'), typedLabel: t('cd_typed_industry'),
    levels: [
      { label: t('cd_division'), placeholder: t('cd_choose') },
      { label: t('cd_group'), placeholder: t('cd_choose_optional') },
    ],
  });
}

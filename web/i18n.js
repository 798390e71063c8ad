// UI strings. A language is a catalogue: web/i18n/<tag>.json (flat key → string, with "{name}"
// placeholders), found by the server (GET /api/languages lists every catalogue in web/i18n/), so a
// third language is a file, not code. Meta keys start with "@": "@name" (the language's own name),
// "@switch_to" (the switch's label, in that language), "@fallback" (tags tried in order before zh-CN
// for a key the catalogue lacks). zh-CN is complete and the last fallback. Questionnaire texts come
// from the definitions ({"zh-CN": …, "en": …, any other tag}) and fall back the same way.

// Strings added in code before they move to the catalogue files (kept so that a change adding a
// delimited block here keeps working); a catalogue file wins over this table for the same key.
const STRINGS = {
  'zh-CN': {},
  en: {},
};

async function getJson(url) {
  const r = await fetch(url, { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

let languages = [{ tag: 'zh-CN', name: '中文', switch_to: '切换到中文', fallback: [] }];
try {
  const list = await getJson('/api/languages');
  if (Array.isArray(list.languages) && list.languages.some((l) => l.tag === 'zh-CN')) languages = list.languages;
} catch {
  // no list: zh-CN alone
}
const catalogues = new Map();
async function loadCatalogue(tag) {
  if (catalogues.has(tag)) return catalogues.get(tag);
  let table = {};
  try {
    table = await getJson(`/i18n/${encodeURIComponent(tag)}.json`);
  } catch {
    // a missing catalogue reads as empty: every key falls back
  }
  catalogues.set(tag, table);
  return table;
}

function known(tag) {
  return languages.some((l) => l.tag === tag);
}

// The tags looked up for a key, in order: the language, its fallbacks, zh-CN.
function chainOf(tag) {
  const out = [];
  const add = (x) => {
    if (known(x) && !out.includes(x)) {
      out.push(x);
      const l = languages.find((y) => y.tag === x);
      for (const f of l.fallback || []) add(f);
    }
  };
  add(tag);
  if (!out.includes('zh-CN')) out.push('zh-CN');
  return out;
}

const KEY = 'assess.lang';
let current = 'zh-CN';
try {
  const saved = window.localStorage.getItem(KEY);
  if (saved && known(saved)) current = saved;
} catch {
  // storage may be disabled; stay with zh-CN
}
let chain = chainOf(current);
await Promise.all(chain.map(loadCatalogue));

// Every language a catalogue exists for: [{tag, name, switch_to, fallback}], zh-CN first.
export function languageList() {
  return languages;
}

// The language after the current one in the list (what the header's switch offers).
export function nextLang() {
  const i = languages.findIndex((l) => l.tag === current);
  return languages[(i + 1) % languages.length];
}

export function lang() {
  return current;
}

// Switches the language once its catalogues are loaded (await it before re-rendering).
export async function setLang(l) {
  current = known(l) ? l : 'zh-CN';
  chain = chainOf(current);
  await Promise.all(chain.map(loadCatalogue));
  try {
    window.localStorage.setItem(KEY, current);
  } catch {
    // ignore
  }
  document.documentElement.lang = current;
}

// t('key', {n: 3}) → the string in the current language with {n} replaced.
export function t(key, params = {}) {
  let s;
  for (const tag of chain) {
    s = catalogues.get(tag)?.[key] ?? STRINGS[tag]?.[key];
    if (s !== undefined) break;
  }
  if (s === undefined) s = key;
  for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

// Whether a catalogue along the current language's chain has the key.
export function has(key) {
  return chain.some((tag) => catalogues.get(tag)?.[key] !== undefined || STRINGS[tag]?.[key] !== undefined);
}

// A unit as the definitions write it ("万元", "台（套）", "%"): its catalogue entry "unit <unit>"
// when the language has one, else the unit as written.
export function unit(u) {
  if (!u) return '';
  return has(`unit ${u}`) ? t(`unit ${u}`) : u;
}

// A definition Text: a plain string (zh-CN only) or {"zh-CN": …, "en": …, other tags}; a tag the
// text lacks falls back along the language's chain.
export function tx(text) {
  if (text === null || text === undefined) return '';
  if (typeof text === 'string') return text;
  if (typeof text === 'object') {
    for (const tag of chain) if (text[tag]) return text[tag];
    return text.zh || '';
  }
  return String(text);
}

// DOM building (text only, never HTML strings) and the JSON API client.

import { t, has } from './i18n.js';

// h('p', {class: 'x'}, 'text', child) — strings become text nodes, so data is never parsed as HTML.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'value' || k === 'selected' ||
               k === 'indeterminate' || k === 'multiple' || k === 'required') {
        el[k] = v;
      } else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// Numbers for people: at most 2 decimals, no trailing zeros.
export function fmt(n) {
  if (n === null || n === undefined || n === '') return '–';
  if (typeof n !== 'number') return String(n);
  if (!Number.isFinite(n)) return '–';
  return String(Math.round(n * 100) / 100);
}

// A relative change computed as a ratio (−0.0615), for people: "−6.15%", "+0.52%", "±0%" (issue 14,
// item 13: "−0.21 ratio" was shown raw).
export function ratioText(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  const pct = Math.round(v * 10000) / 100;
  if (pct === 0) return '±0%';
  return `${pct > 0 ? '+' : '−'}${Math.abs(pct)}%`;
}

export function utf8Length(s) {
  return new TextEncoder().encode(s).length;
}

// A refused request. `message` is in the UI's language when the server gave the error's catalogue
// key (web/i18n/<tag>.json, "err_*") and the catalogue has it; `english` is the server's own text.
export class ApiError extends Error {
  constructor(status, message, pointer, key, params) {
    super(key && has(key) ? t(key, params || {}) : message);
    this.status = status;
    this.pointer = pointer || '';
    this.key = key || '';
    this.english = message;
  }
}

export const session = { user: null, csrf: '' };

// Calls the JSON API. body: a value to send as JSON, or {raw: Blob|ArrayBuffer, type} for files.
export async function api(method, path, body, opts = {}) {
  try {
    return await request(method, path, body, opts);
  } catch (e) {
    // The session may have been renewed in another tab: take its CSRF token and try once more.
    if (e.status === 403 && (e.key === 'err_csrf' || /CSRF/.test(e.english)) && method !== 'GET') {
      const me = await request('GET', '/api/me');
      session.user = me.user;
      session.csrf = me.csrf;
      return request(method, path, body, opts);
    }
    throw e;
  }
}

// `cache: 'default'` lets the browser keep an immutable answer (a definition under its versioned URL).
async function request(method, path, body, { raw, type, cache } = {}) {
  const headers = {};
  const init = { method, headers, credentials: 'same-origin', cache: cache || 'no-store' };
  if (method !== 'GET' && method !== 'HEAD' && session.csrf) headers['X-CSRF-Token'] = session.csrf;
  if (raw !== undefined) {
    headers['Content-Type'] = type;
    init.body = raw;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  // A save started while the page closes still reaches the server (keepalive allows 64 KiB).
  if (raw === undefined && method !== 'GET' && (!init.body || init.body.length < 16000)) init.keepalive = true;
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    const err = new ApiError(0, e && e.message ? e.message : 'network error');
    err.network = true;
    throw err;
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const e = data && data.error ? data.error : {};
    const err = new ApiError(res.status, e.message || `HTTP ${res.status}`, e.pointer, e.key, e.params);
    err.data = data; // e.g. the issues of a refused import
    throw err;
  }
  return data;
}

export function debounce(fn, ms) {
  let timer = null;
  const d = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  d.cancel = () => clearTimeout(timer);
  return d;
}

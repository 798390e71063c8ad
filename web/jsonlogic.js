// JsonLogic (https://jsonlogic.com) for the browser, with the meaning the server gives a rule.
//
// The server's engine (scoring/src/logic.cpp) follows the reference implementation, json-logic-js,
// JavaScript coercions included; this file is that reference's evaluation order with the server's
// choices where the two could differ, so a condition means the same thing on both sides:
//  - `var` reads own properties of objects and canonical indices of arrays only (never "length" or
//    a prototype member); an absent value gives the default, or null (`{"===": [{"var": "x"}, null]}`
//    is true when x is missing); a value that is present but null stays null;
//  - `substr` counts code points, as the server does;
//  - the result of `apply` is JSON: NaN and the infinities come out as null.
// Both engines pass the public conformance suite (tests/data/jsonlogic), checked in CTest by
// tests/tools/web_logic_check.mjs under node, together with the scoring fixtures.

export function truthy(v) {
  if (Array.isArray(v)) return v.length > 0;
  return Boolean(v);
}

function isLogic(x) {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 1;
}

const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

// A path segment as an array index: digits without a leading zero (or "0"), at most 15 of them.
function arrayIndex(key) {
  return /^(0|[1-9][0-9]{0,14})$/.test(key) ? Number(key) : -1;
}

// The value at a dotted path, or undefined when it is absent.
function resolve(data, path) {
  if (path === null || path === undefined) return data;
  const text = String(path);
  if (text === '') return data;
  let cur = data;
  for (const key of text.split('.')) {
    if (Array.isArray(cur)) {
      const i = arrayIndex(key);
      cur = i >= 0 && i < cur.length ? cur[i] : undefined;
    } else if (cur !== null && typeof cur === 'object') {
      cur = own(cur, key) ? cur[key] : undefined;
    } else {
      return undefined; // null, or a property of a primitive
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

function isMissing(v) {
  return v === undefined || v === null || v === '';
}

// Whether {"var": key} is null or "" (an array key is [path, default]).
function keyMissing(data, key) {
  if (Array.isArray(key)) {
    let v = key.length ? resolve(data, key[0]) : data;
    if (v === undefined && key.length > 1) v = key[1];
    return isMissing(v);
  }
  return isMissing(resolve(data, key));
}

function missing(data, args) {
  const keys = args.length && Array.isArray(args[0]) ? args[0] : args;
  return keys.filter((k) => keyMissing(data, k));
}

// String.prototype.substr over code points.
function substr(source, start, length) {
  const chars = Array.from(String(source));
  const size = chars.length;
  const toInt = (x) => (Number.isNaN(x) ? 0 : Math.trunc(x));
  let from = toInt(Number(start));
  from = from < 0 ? Math.max(size + from, 0) : Math.min(from, size);
  let to = size;
  if (length !== undefined) {
    const n = Number(length);
    if (n < 0) to = Math.max(from, Math.min(size, from + toInt(size - from + n)));
    else to = Math.min(size, from + Math.min(Math.max(toInt(n), 0), size));
  }
  return chars.slice(from, to).join('');
}

// JSON out: NaN and ±Infinity become null, as JSON.stringify prints them.
function sanitize(v) {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (Array.isArray(v)) return v.map(sanitize);
  if (v !== null && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = sanitize(x);
    return out;
  }
  return v;
}

function run(rule, data) {
  if (Array.isArray(rule)) return rule.map((r) => run(r, data));
  if (!isLogic(rule)) return rule;
  const op = Object.keys(rule)[0];
  let args = rule[op];
  if (!Array.isArray(args)) args = [args];

  // Operators that decide what to evaluate.
  switch (op) {
    case 'if':
    case '?:': {
      let i = 0;
      for (; i + 1 < args.length; i += 2) {
        if (truthy(run(args[i], data))) return run(args[i + 1], data);
      }
      return i < args.length ? run(args[i], data) : null;
    }
    case 'and':
    case 'or': {
      let v;
      for (const arg of args) {
        v = run(arg, data);
        if (truthy(v) === (op === 'or')) return v;
      }
      return v;
    }
    case 'map':
    case 'filter':
    case 'all':
    case 'some':
    case 'none': {
      const list = run(args[0], data);
      const body = args[1];
      if (!Array.isArray(list)) return op === 'map' || op === 'filter' ? [] : op === 'none';
      if (op === 'map') return list.map((x) => run(body, x));
      if (op === 'filter') return list.filter((x) => truthy(run(body, x)));
      if (op === 'all') return list.length > 0 && list.every((x) => truthy(run(body, x)));
      const any = list.some((x) => truthy(run(body, x)));
      return op === 'some' ? any : !any;
    }
    case 'reduce': {
      const list = run(args[0], data);
      let acc = args.length > 2 ? run(args[2], data) : null;
      if (!Array.isArray(list)) return acc;
      for (const x of list) acc = run(args[1], { current: x, accumulator: acc });
      return acc;
    }
    default:
      break;
  }

  const a = args.map((x) => run(x, data));
  /* eslint-disable eqeqeq */
  switch (op) {
    case 'var': {
      const v = resolve(data, a[0]);
      if (v !== undefined) return v;
      return a.length > 1 && a[1] !== undefined ? a[1] : null;
    }
    case 'missing':
      return missing(data, a);
    case 'missing_some': {
      const [need, options] = a;
      const absent = missing(data, Array.isArray(options) ? options : [options]);
      const available = Array.isArray(options) ? options.length
        : typeof options === 'string' ? Array.from(options).length : NaN;
      return available - absent.length >= need ? [] : absent;
    }
    case '==': return a[0] == a[1];
    case '===': return a[0] === a[1];
    case '!=': return a[0] != a[1];
    case '!==': return a[0] !== a[1];
    case '>': return a[0] > a[1];
    case '>=': return a[0] >= a[1];
    case '<': return a.length > 2 ? a[0] < a[1] && a[1] < a[2] : a[0] < a[1];
    case '<=': return a.length > 2 ? a[0] <= a[1] && a[1] <= a[2] : a[0] <= a[1];
    case '!': return !truthy(a[0]);
    case '!!': return truthy(a[0]);
    case '%': return a[0] % a[1];
    case 'in':
      if (typeof a[1] === 'string') return a[1] !== '' && a[1].includes(String(a[0]));
      if (Array.isArray(a[1])) return a[1].indexOf(a[0]) !== -1;
      return false;
    case 'cat': return a.join('');
    case 'substr': return substr(a[0], a[1], a[2]);
    case '+': return a.reduce((s, x) => parseFloat(s) + parseFloat(x), 0);
    case '*': return a.reduce((s, x) => parseFloat(s) * parseFloat(x));
    case '-': return a.length === 1 ? -a[0] : a[0] - a[1];
    case '/': return a[0] / a[1];
    case 'min': return a.length ? Math.min(...a) : null;
    case 'max': return a.length ? Math.max(...a) : null;
    case 'merge': return a.reduce((out, x) => out.concat(x), []);
    case 'log': return a[0];
    default:
      throw new Error(`unknown operator "${op}"`);
  }
  /* eslint-enable eqeqeq */
}

// Evaluates `rule` against `data`; the result is JSON (see above).
export function apply(rule, data = null) {
  return sanitize(run(rule, data));
}

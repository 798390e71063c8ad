// A small JsonLogic evaluator (https://jsonlogic.com) for the browser.
// It covers the operators the shipped questionnaires use in visible_if, required_if and computed
// expressions (var, if, ==, !=, >, >=, <, <=, and, or, in, substr, +, -, *, /) and the rest of the
// common set, with JsonLogic's semantics (loose equality, empty arrays are falsy, "between" forms).
// The server's engine stays the authority for scores; this one only decides what the form shows.

export function truthy(v) {
  if (Array.isArray(v)) return v.length > 0;
  return Boolean(v);
}

function isLogic(x) {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 1;
}

function getVar(data, path, fallback) {
  if (path === null || path === undefined || path === '') return data;
  const parts = String(path).split('.');
  let cur = data;
  for (const p of parts) {
    if (cur === null || cur === undefined || typeof cur !== 'object' || !(p in cur)) return fallback;
    cur = cur[p];
  }
  return cur === undefined || cur === null ? (fallback === undefined ? null : fallback) : cur;
}

const num = (v) => (typeof v === 'number' ? v : parseFloat(v));

export function apply(rule, data = {}) {
  if (Array.isArray(rule)) return rule.map((r) => apply(r, data));
  if (!isLogic(rule)) return rule;
  const op = Object.keys(rule)[0];
  let args = rule[op];
  if (!Array.isArray(args)) args = [args];
  const ev = (i) => apply(args[i], data);

  switch (op) {
    // lazily evaluated
    case 'if':
    case '?:': {
      let i = 0;
      for (; i + 1 < args.length; i += 2) {
        if (truthy(ev(i))) return ev(i + 1);
      }
      return i < args.length ? ev(i) : null;
    }
    case 'and': {
      let v;
      for (let i = 0; i < args.length; ++i) {
        v = ev(i);
        if (!truthy(v)) return v;
      }
      return v;
    }
    case 'or': {
      let v;
      for (let i = 0; i < args.length; ++i) {
        v = ev(i);
        if (truthy(v)) return v;
      }
      return v;
    }
    case 'filter': {
      const arr = ev(0);
      if (!Array.isArray(arr)) return [];
      return arr.filter((x) => truthy(apply(args[1], x)));
    }
    case 'map': {
      const arr = ev(0);
      if (!Array.isArray(arr)) return [];
      return arr.map((x) => apply(args[1], x));
    }
    case 'reduce': {
      const arr = ev(0);
      let acc = args.length > 2 ? ev(2) : null;
      if (!Array.isArray(arr)) return acc;
      for (const x of arr) acc = apply(args[1], { current: x, accumulator: acc });
      return acc;
    }
    case 'all': {
      const arr = ev(0);
      if (!Array.isArray(arr) || arr.length === 0) return false;
      return arr.every((x) => truthy(apply(args[1], x)));
    }
    case 'some': {
      const arr = ev(0);
      if (!Array.isArray(arr)) return false;
      return arr.some((x) => truthy(apply(args[1], x)));
    }
    case 'none': {
      const arr = ev(0);
      if (!Array.isArray(arr)) return true;
      return !arr.some((x) => truthy(apply(args[1], x)));
    }
    default:
      break;
  }

  const a = args.map((x) => apply(x, data));
  switch (op) {
    case 'var':
      return getVar(data, a[0], a[1]);
    case 'missing': {
      const keys = Array.isArray(a[0]) ? a[0] : a;
      return keys.filter((k) => {
        const v = getVar(data, k, null);
        return v === null || v === '';
      });
    }
    case 'missing_some': {
      const need = a[0];
      const keys = a[1] || [];
      const missing = keys.filter((k) => {
        const v = getVar(data, k, null);
        return v === null || v === '';
      });
      return keys.length - missing.length >= need ? [] : missing;
    }
    // eslint-disable-next-line eqeqeq
    case '==': return a[0] == a[1];
    case '===': return a[0] === a[1];
    // eslint-disable-next-line eqeqeq
    case '!=': return a[0] != a[1];
    case '!==': return a[0] !== a[1];
    case '!': return !truthy(a[0]);
    case '!!': return truthy(a[0]);
    case '>': return a[0] > a[1];
    case '>=': return a[0] >= a[1];
    case '<': return a.length === 3 ? a[0] < a[1] && a[1] < a[2] : a[0] < a[1];
    case '<=': return a.length === 3 ? a[0] <= a[1] && a[1] <= a[2] : a[0] <= a[1];
    case 'max': return a.length ? Math.max(...a.map(num)) : null;
    case 'min': return a.length ? Math.min(...a.map(num)) : null;
    case '+': return a.reduce((s, x) => s + num(x), 0);
    case '*': return a.reduce((s, x) => s * num(x), 1);
    case '-': return a.length === 1 ? -num(a[0]) : num(a[0]) - num(a[1]);
    case '/': return num(a[0]) / num(a[1]);
    case '%': return num(a[0]) % num(a[1]);
    case 'in':
      if (Array.isArray(a[1])) return a[1].includes(a[0]);
      if (typeof a[1] === 'string') return a[1].includes(String(a[0]));
      return false;
    case 'cat': return a.map((x) => (x === null || x === undefined ? '' : String(x))).join('');
    case 'substr': {
      const s = a[0] === null || a[0] === undefined ? '' : String(a[0]);
      let start = num(a[1]) || 0;
      if (start < 0) start = Math.max(0, s.length + start);
      if (a.length < 3 || a[2] === undefined) return s.slice(start);
      const len = num(a[2]);
      return len < 0 ? s.slice(start, s.length + len) : s.slice(start, start + len);
    }
    case 'merge':
      return a.reduce((out, x) => out.concat(Array.isArray(x) ? x : [x]), []);
    case 'log':
      return a[0];
    default:
      throw new Error(`unsupported JsonLogic operator "${op}"`);
  }
}

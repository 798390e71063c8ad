// The meaning of a questionnaire's rules in the browser: which questions are visible and required,
// and the computed values, from a definition and the answers given. It is the server's evaluation
// (scoring/src/score.cpp) with the same engine semantics (jsonlogic.js):
//  - a question unanswered, marked N/A or found hidden earlier in document order reads as absent
//    (`var` gives its default or null), never as a stored null;
//  - computed values read every answer given, in dependency order, before visibility; a computed
//    value that is null reads as absent;
//  - the server computes figures from typed decimals exactly (scoring/include/scoring/exact.h). The
//    browser computes in floating point for the live preview and takes the server's figure (sent
//    with every save as live.<module>.computed) whenever the two are the same number up to
//    floating-point rounding, so a band edge or a condition on it reads as on the server.
// No DOM here: tests/tools/web_logic_check.mjs runs it under node against the server's fixtures.

import { apply, truthy } from './jsonlogic.js';

// ---------------------------------------------------------------------------------------------
// Definitions

// Flattens a definition: questions in document order (a section's own questions before those of
// its subsections), each with its section path; sections as a tree.
export function indexDefinition(def) {
  const questions = [];
  const byId = new Map();
  const sections = [];
  function walk(sec, depth, path) {
    const node = { id: sec.id, title: sec.title, depth, def: sec, children: [], questions: [] };
    const here = [...path, node];
    for (const q of sec.questions || []) {
      const item = { def: q, id: q.id, index: questions.length, sections: here };
      questions.push(item);
      byId.set(q.id, item);
      node.questions.push(item);
    }
    for (const child of sec.sections || []) node.children.push(walk(child, depth + 1, here));
    sections.push(node);
    return node;
  }
  const root = walk(def, 0, []);
  return { def, root, questions, byId, sections, computed: def.computed || [] };
}

export function isDerived(q) {
  return q.type === 'band' && !!q.value_from;
}

export function bandOf(q, v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  for (const o of q.options || []) {
    const r = o.range || {};
    if ('gt' in r && !(v > r.gt)) continue;
    if ('ge' in r && !(v >= r.ge)) continue;
    if ('lt' in r && !(v < r.lt)) continue;
    if ('le' in r && !(v <= r.le)) continue;
    return o;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Answers

export function toState(raw) {
  const st = { value: null, na: false, verified: false, note: '', evidence: [] };
  if (raw === null || raw === undefined) return st;
  if (typeof raw === 'object' && !Array.isArray(raw)) {
    st.value = raw.value === undefined ? null : raw.value;
    st.na = raw.na === true;
    st.verified = raw.verified === true;
    st.note = typeof raw.note === 'string' ? raw.note : '';
    st.evidence = Array.isArray(raw.evidence) ? raw.evidence.slice() : [];
    return st;
  }
  st.value = raw;
  return st;
}

export function answered(st) {
  return st.na || st.value !== null;
}

// Whether two figures are the same number up to floating-point rounding.
function sameFigure(a, b) {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

// Computed values, then visibility in document order (the rules of questionnaires/README.md).
// linked: answers the server fills in through the crosswalk (qid → {value}) for questions left
// unanswered here; they read like answers, as they do when the server scores.
// server: the computed values of the last save ({id: value}), preferred when they agree (above).
export function evaluate(index, states, linked = new Map(), server = null) {
  const data = {};
  for (const item of index.questions) {
    if (isDerived(item.def)) continue; // a band computed from other facts is never answered directly
    const st = states.get(item.id);
    if (st && answered(st)) {
      if (!st.na) data[item.id] = st.value;
    } else if (linked.has(item.id)) {
      data[item.id] = linked.get(item.id).value;
    }
  }
  const computed = {};
  const list = index.computed;
  const vars = { ...data };
  // Each pass settles at least one more level of dependencies; the loader rejects cycles.
  for (let pass = 0; pass <= list.length; ++pass) {
    let changed = false;
    for (const c of list) {
      let v;
      try {
        v = apply(c.expr, vars);
      } catch {
        v = null;
      }
      if (v === undefined) v = null;
      const s = server && Object.prototype.hasOwnProperty.call(server, c.id) ? server[c.id] : undefined;
      if (typeof v === 'number' && typeof s === 'number' && sameFigure(v, s)) v = s;
      if (!(c.id in computed) || JSON.stringify(computed[c.id]) !== JSON.stringify(v)) {
        computed[c.id] = v;
        if (v === null) delete vars[c.id];
        else vars[c.id] = v;
        changed = true;
      }
    }
    if (!changed) break;
  }
  const visible = new Map();
  const required = new Map();
  for (const item of index.questions) {
    const q = item.def;
    let vis = true;
    if (q.visible_if !== undefined) {
      try {
        vis = truthy(apply(q.visible_if, vars));
      } catch {
        vis = true;
      }
    }
    visible.set(item.id, vis);
    if (!vis) delete vars[item.id]; // later conditions see a hidden question as unanswered
    let req = q.required === true;
    if (vis && !req && q.required_if !== undefined) {
      try {
        req = truthy(apply(q.required_if, vars));
      } catch {
        req = false;
      }
    }
    required.set(item.id, vis && req);
  }
  return { computed, visible, required };
}

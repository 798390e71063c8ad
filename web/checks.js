// Checks between fields (issue 14, item 6): a contradiction between two answers is explained where
// it is typed, on both questions, and on the derived question it keeps from being computed. The
// pairs are the definitions' own: a number question with "at_most": "<question id>" is a part that
// must not exceed that whole (questionnaires/README.md), as its help says ("不应超过生产设备总数" /
// "Must not exceed the total") and as the computed figures read from it refuse (c_equipment_*_pct:
// "left uncomputed when the digitised count exceeds the total").

import { t, tx } from './i18n.js';

// The question and computed ids a JsonLogic rule reads ({"var": "id"} or {"var": ["id", default]}).
function varsOf(rule, out = new Set()) {
  if (Array.isArray(rule)) {
    for (const x of rule) varsOf(x, out);
  } else if (rule && typeof rule === 'object') {
    for (const [op, arg] of Object.entries(rule)) {
      const name = op === 'var' ? (Array.isArray(arg) ? arg[0] : arg) : null;
      if (typeof name === 'string' && name) out.add(name.split('.')[0]);
      else varsOf(arg, out);
    }
  }
  return out;
}

const cache = new WeakMap(); // index → its checks

// The checks of an indexed definition (rules.js indexDefinition): [{part, whole, blocks}], part ≤
// whole, where `blocks` are the derived questions ("value_from") whose computed value reads the part,
// directly or through other computed values.
export function checksOf(index) {
  if (cache.has(index)) return cache.get(index);
  const computed = new Map((index.computed || []).map((c) => [c.id, c]));
  const reads = new Map(); // computed id → every id it reads, through other computed values
  const readsOf = (id, seen = new Set()) => {
    if (reads.has(id)) return reads.get(id);
    const out = new Set();
    seen.add(id);
    for (const name of varsOf(computed.get(id).expr)) {
      out.add(name);
      if (computed.has(name) && !seen.has(name)) for (const n of readsOf(name, seen)) out.add(n);
    }
    reads.set(id, out);
    return out;
  };
  const out = [];
  for (const item of index.questions) {
    const whole = item.def.at_most;
    if (typeof whole !== 'string') continue;
    const blocks = index.questions
      .filter((q) => q.def.type === 'band' && computed.has(q.def.value_from) && readsOf(q.def.value_from).has(item.id))
      .map((q) => q.id);
    out.push({ part: item.id, whole, blocks });
  }
  cache.set(index, out);
  return out;
}

function num(v) {
  if (v && typeof v === 'object' && !Array.isArray(v) && 'value' in v) return num(v.value);
  return typeof v === 'number' ? v : null;
}

// The problems touching `qid` in the module indexed by `index`: [text], each naming both questions
// and both values.
export function problemsOf(index, qid, valueOf, titleOf) {
  const out = [];
  for (const c of checksOf(index)) {
    if (qid !== c.part && qid !== c.whole && !c.blocks.includes(qid)) continue;
    const a = num(valueOf(c.part));
    const b = num(valueOf(c.whole));
    if (a === null || b === null || a <= b) continue;
    out.push(t('chk_part_le_whole', { part: titleOf(c.part), a, whole: titleOf(c.whole), b }));
  }
  return out;
}

export function titleFrom(index) {
  return (qid) => {
    const item = index.byId.get(qid);
    return item ? tx(item.def.title) : qid;
  };
}

// Checks between fields (issue 14, item 6): a contradiction between two answers is explained where
// it is typed, on both questions, and on the derived question it keeps from being computed. The
// pairs are the ones the questionnaires state in their help ("不应超过生产设备总数" / "Must not
// exceed the total") and that their computed figures refuse (c_equipment_*_pct: "left uncomputed
// when the digitised count exceeds the total").

import { t, tx } from './i18n.js';

// [module, part, whole, derived questions it blocks]: part ≤ whole.
export const CHECKS = [
  ['sme-digital-2024', 'raw_equipment_digitised', 'raw_equipment_total', ['q02_equipment_digitised']],
  ['sme-digital-2024', 'raw_equipment_networked', 'raw_equipment_total', ['q03_equipment_networked']],
].map(([module, part, whole, blocks]) => ({ module, part, whole, blocks }));

function num(v) {
  if (v && typeof v === 'object' && !Array.isArray(v) && 'value' in v) return num(v.value);
  return typeof v === 'number' ? v : null;
}

// The problems touching `qid`: [{text}], each naming both questions and both values.
export function problemsOf(module, qid, valueOf, titleOf) {
  const out = [];
  for (const c of CHECKS) {
    if (c.module !== module) continue;
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

// The questionnaire form: rendered from a definition, evaluated client-side for visibility,
// saved answer by answer (debounced for typing, immediate for choices) with a state per question.

import { indexDefinition, isDerived, bandOf, toState, answered, evaluate } from './rules.js';
import { t, tx, unit as unitName } from './i18n.js';
import { api, h, append, clear, fmt, utf8Length, ratioText } from './util.js';
import { codeList, codeName, resolveCode, regionPicker, industryPicker } from './codes.js';
import { problemsOf, titleFrom } from './checks.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
// The types the server takes (assess/api.cpp); acceptance reports are often Office files.
const EVIDENCE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/pdf', DOCX, XLSX, PPTX];
const EVIDENCE_MAX = 10 * 1024 * 1024;
const TYPE_DELAY = 400;

export { indexDefinition, isDerived, toState, evaluate };

// ---------------------------------------------------------------------------------------------
// Answers

// The request body for a state; undefined means "delete the answer".
export function toBody(st) {
  const extras = {};
  if (st.verified) extras.verified = true;
  if (st.note) extras.note = st.note;
  if (st.evidence.length) extras.evidence = st.evidence;
  if (st.na) return { na: true, ...extras };
  if (Object.keys(extras).length === 0) return st.value === null ? undefined : st.value;
  return st.value === null ? extras : { value: st.value, ...extras };
}

// ---------------------------------------------------------------------------------------------
// Saving

// One per open assessment: the answers of every module, the save queue and the status counts.
export class AnswerStore {
  constructor(assessment, { onLive, onStatus }) {
    this.id = assessment.id;
    this.states = new Map(); // module → Map(qid → state)
    for (const [m, answers] of Object.entries(assessment.answers || {})) {
      const map = new Map();
      for (const [q, raw] of Object.entries(answers)) map.set(q, toState(raw));
      this.states.set(m, map);
    }
    this.evidenceRows = assessment.evidence || [];
    this.savers = new Map();
    this.onLive = onLive;
    this.onStatus = onStatus;
    this.listeners = new Map(); // key → fn(saver) for the question's status display
    this.linked = new Map(); // module → Map(qid → {value, label}) filled by the crosswalk
    this.computed = new Map(); // module → {id: value}: the server's exact figures of the last save
    this.computedListeners = new Map(); // module → fn() re-evaluating the open form
  }

  // From a save's (or GET /score's) live summary: the server's computed values, per module.
  setComputed(live) {
    for (const [m, summary] of Object.entries(live || {})) {
      if (!summary || typeof summary.computed !== 'object' || summary.computed === null) continue;
      this.computed.set(m, summary.computed);
      const fn = this.computedListeners.get(m);
      if (fn) fn();
    }
  }

  // From GET /score: questions answered there but not here were filled through the crosswalk.
  setLinked(score) {
    this.linked = new Map();
    for (const [m, doc] of Object.entries((score && score.modules) || {})) {
      const map = new Map();
      // Where the crosswalk took each carried answer from ({module, question}).
      const from = new Map();
      for (const f of (doc.crosswalk && doc.crosswalk.filled) || []) if (f.from) from.set(f.question, f.from);
      for (const q of doc.questions || []) {
        if (!q.answered || q.answer === undefined || q.answer === null) continue;
        const own = this.states.get(m) && this.states.get(m).get(q.id);
        if (own && answered(own)) continue;
        const label = Array.isArray(q.chosen) && q.chosen.length
          ? q.chosen.map((c) => c.label).join(t('sep_list'))
          : `${typeof q.answer === 'boolean' ? (q.answer ? t('q_yes') : t('q_no')) : q.answer}${q.unit ? ` ${unitName(q.unit)}` : ''}`;
        map.set(q.id, { value: q.answer, label, from: from.get(q.id) || null });
      }
      this.linked.set(m, map);
    }
  }

  module(m) {
    if (!this.states.has(m)) this.states.set(m, new Map());
    return this.states.get(m);
  }

  state(m, q) {
    const map = this.module(m);
    if (!map.has(q)) map.set(q, toState(null));
    return map.get(q);
  }

  saver(key) {
    if (!this.savers.has(key)) {
      this.savers.set(key, { timer: null, queued: false, chain: Promise.resolve(), status: 'saved', message: '', retry: 0 });
    }
    return this.savers.get(key);
  }

  counts() {
    let busy = 0;
    let failed = 0;
    let retrying = false;
    let expired = false;
    for (const s of this.savers.values()) {
      if (s.status === 'pending' || s.status === 'saving') busy += 1;
      if (s.status === 'error') {
        failed += 1;
        if (s.network) retrying = true;
        if (s.message === t('q_session')) expired = true;
      }
    }
    return { busy, failed, retrying, expired };
  }

  setStatus(key, status, message = '') {
    const s = this.saver(key);
    s.status = status;
    s.message = message;
    const fn = this.listeners.get(key);
    if (fn) fn(s);
    this.onStatus(this.counts());
  }

  // A change of module m, question q: save after delay ms (0 = now).
  changed(m, q, delay) {
    const key = `${m}/${q}`;
    const s = this.saver(key);
    clearTimeout(s.timer);
    this.setStatus(key, 'pending');
    if (delay > 0) s.timer = setTimeout(() => this.flush(m, q), delay);
    else this.flush(m, q);
  }

  // Marks a question as not saved because the input is invalid (nothing is sent).
  invalid(m, q, message) {
    const key = `${m}/${q}`;
    const s = this.saver(key);
    clearTimeout(s.timer);
    s.timer = null;
    s.network = false;
    this.setStatus(key, 'error', message);
  }

  flush(m, q) {
    const key = `${m}/${q}`;
    const s = this.saver(key);
    if (s.timer) {
      clearTimeout(s.timer);
      s.timer = null;
    } else if (s.status !== 'pending' && !(s.status === 'error' && s.network)) {
      return s.chain;
    }
    if (s.queued) return s.chain; // the queued save will read the latest state
    s.queued = true;
    s.chain = s.chain.then(async () => {
      s.queued = false;
      await this.save(m, q);
    });
    return s.chain;
  }

  flushAll() {
    const all = [];
    for (const key of this.savers.keys()) {
      const i = key.indexOf('/');
      all.push(this.flush(key.slice(0, i), key.slice(i + 1)));
    }
    return Promise.all(all);
  }

  async save(m, q) {
    const key = `${m}/${q}`;
    const s = this.saver(key);
    const body = toBody(this.state(m, q));
    const path = `/api/assessments/${this.id}/answers/${encodeURIComponent(m)}/${encodeURIComponent(q)}`;
    this.setStatus(key, 'saving');
    try {
      const res = body === undefined ? await api('DELETE', path) : await api('PUT', path, body);
      s.retry = 0;
      s.network = false;
      // A newer change may have arrived while this one was in flight.
      this.setStatus(key, s.timer || s.queued ? 'pending' : 'saved');
      if (res && res.live) {
        this.setComputed(res.live);
        this.onLive(res.live);
      }
    } catch (e) {
      // Lost connection or expired session: keep the answer here and try again, so logging in
      // again (in another tab) or restarting the server loses nothing typed on this page.
      s.network = !!e.network || e.status === 401;
      this.setStatus(key, 'error', e.status === 401 ? t('q_session') : e.message);
      if (s.network) {
        s.retry = Math.min(s.retry + 1, 5);
        setTimeout(() => this.flush(m, q), [0, 2000, 4000, 8000, 15000, 30000][s.retry]);
      }
    }
  }

  // Uploads one evidence file after any pending save of the question, and records it locally the
  // way the server records it on the answer.
  upload(m, q, file, slot) {
    const key = `${m}/${q}`;
    const s = this.saver(key);
    this.flush(m, q);
    const run = async () => {
      let path = `/api/assessments/${this.id}/evidence/${encodeURIComponent(m)}/${encodeURIComponent(q)}?name=${encodeURIComponent(file.name)}`;
      if (slot) path += `&slot=${encodeURIComponent(slot)}`;
      const res = await api('POST', path, undefined, { raw: file, type: file.type });
      this.state(m, q).evidence.push({ file: `sha256:${res.sha256}`, name: res.name });
      this.evidenceRows.push({ ...res, module: m, question: q });
      return res;
    };
    const p = s.chain.then(run);
    s.chain = p.catch(() => {});
    return p;
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

function confidenceNote(def) {
  const c = def.confidence;
  if (!c || c === 'confirmed' || c === 'high') return null;
  const label = t(`conf_${c}`);
  const note = tx(def.note);
  if (!note) return h('p', { class: 'q-conf' }, t('q_confidence', { c: label }));
  return h('details', { class: 'q-conf' }, h('summary', null, t('q_confidence', { c: label })), h('p', null, note));
}

function acceptText(accept) {
  const names = { 'image/*': 'JPEG/PNG/WebP', 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'image/webp': 'WebP', 'application/pdf': 'PDF', [DOCX]: 'Word (docx)', [XLSX]: 'Excel (xlsx)', [PPTX]: 'PowerPoint (pptx)' };
  return accept.split(',').map((a) => names[a] || a).join(' · ');
}

function evidenceLink(entry, rows) {
  const sha = String(entry.file || '').replace(/^sha256:/, '');
  const row = rows.find((r) => r.sha256 === sha);
  const size = row && row.size ? ` (${Math.max(1, Math.round(row.size / 1024))} KB)` : '';
  return h('li', null,
    h('a', { href: `/api/evidence/${encodeURIComponent(sha)}`, download: entry.name || sha }, entry.name || sha.slice(0, 12)),
    h('span', { class: 'muted' }, size));
}

// The visible questions of a module still unanswered, in the order of the form (derived ones are
// never asked; an answer the crosswalk carries in counts as given): [{qid, required}].
export function unansweredQuestions(index, store, module) {
  const states = store.module(module);
  const linked = store.linked.get(module) || new Map();
  const ev = evaluate(index, states, linked);
  const out = [];
  for (const item of index.questions) {
    if (isDerived(item.def) || !ev.visible.get(item.id)) continue;
    const st = states.get(item.id);
    if ((st && answered(st)) || linked.has(item.id)) continue;
    out.push({ qid: item.id, required: ev.required.get(item.id) === true });
  }
  return out;
}

// Renders one module of an assessment. Returns {nav, form, refresh(), progress()}.
// ---- one renderer per kind of question (issue 12 item 1)
// Each takes env {q, prefix, inputId, unit, readOnly, controls, module, store, stateOf, valueChanged,
// setError, checksOf} and returns {control, syncValue(evaluation), clearTool?, labelled?}.

function renderDerived({ q, inputId, unit, checksOf }) {
  const out = h('p', { class: 'q-derived', id: inputId });
  const syncValue = (ev) => {
    const v = ev.computed[q.value_from];
    clear(out);
    if (typeof v !== 'number') {
      // A contradiction between the figures it is computed from says why (issue 14 item 6).
      const problems = checksOf ? checksOf(q.id) : [];
      out.append(problems.length ? t('q_derived_blocked', { why: problems.join(' ') }) : t('q_derived_missing'));
      return;
    }
    const band = bandOf(q, v);
    const shown = q.unit === 'ratio' ? t('q_derived_change', { value: ratioText(v) }) : t('q_derived', { value: `${fmt(v)}${unit ? ` ${unit}` : ''}` });
    out.append(h('span', null, shown), ' · ',
      h('strong', null, band ? t('q_derived_band', { band: tx(band.label) }) : t('q_band_out')));
  };
  return { control: out, syncValue };
}

function renderChoice({ q, prefix, readOnly, controls, stateOf, valueChanged }) {
  const name = `${prefix}-v`;
  const opts = q.type === 'yesno'
    ? [{ key: true, label: t('q_yes') }, { key: false, label: t('q_no') }]
    : (q.options || []).map((o) => ({ key: q.type === 'ladder' ? o.level : o.id, label: tx(o.label), id: o.id }));
  const radios = [];
  // Short labels (是/否, 完全满足…) sit on one line; descriptions keep one per line.
  const short = opts.length <= 6 && opts.every((o) => o.label.length <= 12);
  const list = h('div', { class: short ? 'opts row' : 'opts' });
  const clearBtn = h('button', { type: 'button', class: 'tool-btn', hidden: true, disabled: readOnly }, t('q_clear'));
  const updateClear = () => {
    clearBtn.hidden = stateOf(q.id).value === null || stateOf(q.id).na;
  };
  opts.forEach((o, i) => {
    const id = `${prefix}-o${i}`;
    const input = h('input', { type: 'radio', name, id, value: String(i), disabled: readOnly });
    input.addEventListener('change', () => {
      if (!input.checked) return;
      stateOf(q.id).value = o.key;
      valueChanged(0);
      updateClear();
    });
    radios.push({ input, key: o.key });
    controls.push(input);
    list.append(h('label', { class: 'opt', for: id }, input, h('span', null, o.label)));
  });
  clearBtn.addEventListener('click', () => {
    stateOf(q.id).value = null;
    for (const r of radios) r.input.checked = false;
    valueChanged(0);
    updateClear();
    radios[0]?.input.focus();
  });
  controls.push(clearBtn);
  const syncValue = () => {
    const v = stateOf(q.id).value;
    for (const r of radios) r.input.checked = v !== null && r.key === v;
    updateClear();
  };
  return { control: list, syncValue, clearTool: clearBtn };
}

function renderMulti({ q, prefix, readOnly, controls, stateOf, valueChanged }) {
  const boxes = [];
  const list = h('div', { class: 'opts' });
  (q.options || []).forEach((o, i) => {
    const id = `${prefix}-o${i}`;
    const input = h('input', { type: 'checkbox', id, value: o.id, disabled: readOnly });
    input.addEventListener('change', () => {
      if (input.checked && o.exclusive) for (const b of boxes) if (b.o !== o) b.input.checked = false;
      if (input.checked && !o.exclusive) for (const b of boxes) if (b.o.exclusive) b.input.checked = false;
      const picked = boxes.filter((b) => b.input.checked).map((b) => b.o.id);
      stateOf(q.id).value = picked.length ? picked : null;
      valueChanged(0);
    });
    boxes.push({ input, o });
    controls.push(input);
    list.append(h('label', { class: `opt${o.exclusive ? ' exclusive' : ''}`, for: id }, input, h('span', null, tx(o.label))));
  });
  const syncValue = () => {
    const v = stateOf(q.id).value;
    const set = new Set(Array.isArray(v) ? v : []);
    for (const b of boxes) b.input.checked = set.has(b.o.id);
  };
  return { control: list, syncValue };
}

function renderNumber({ q, prefix, inputId, unit, readOnly, controls, module, store, stateOf, valueChanged, setError }) {
  const min = q.min ?? (q.type === 'percent' ? 0 : undefined);
  const max = q.max ?? (q.type === 'percent' ? 100 : undefined);
  const input = h('input', {
    type: 'number', id: inputId, step: 'any', inputmode: 'decimal', min, max, disabled: readOnly,
    class: 'num', 'aria-describedby': `${prefix}-error ${prefix}-check`,
  });
  const bandHint = q.type === 'band' ? h('span', { class: 'band-hint' }) : null;
  controls.push(input);
  const showBand = () => {
    if (!bandHint) return;
    const v = stateOf(q.id).value;
    if (typeof v !== 'number') bandHint.textContent = '';
    else {
      const b = bandOf(q, v);
      bandHint.textContent = b ? t('q_band_in', { band: tx(b.label) }) : t('q_band_out');
    }
  };
  const read = (delay) => {
    const raw = input.value.trim();
    if (input.validity.badInput) {
      setError(t('q_not_number'));
      store.invalid(module, q.id, t('q_not_number'));
      return;
    }
    if (raw === '') {
      stateOf(q.id).value = null;
      showBand();
      valueChanged(delay);
      return;
    }
    const v = Number(raw);
    let problem = '';
    if (!Number.isFinite(v)) problem = t('q_not_number');
    else if (min !== undefined && v < min) problem = t('q_min', { n: min });
    else if (max !== undefined && v > max) problem = t('q_max', { n: max });
    if (problem) {
      setError(problem);
      store.invalid(module, q.id, problem);
      return;
    }
    stateOf(q.id).value = v;
    showBand();
    valueChanged(delay);
  };
  input.addEventListener('input', () => read(TYPE_DELAY));
  input.addEventListener('change', () => store.flush(module, q.id));
  input.addEventListener('blur', () => store.flush(module, q.id));
  const syncValue = () => {
    const v = stateOf(q.id).value;
    if (document.activeElement !== input) input.value = typeof v === 'number' ? String(v) : '';
    showBand();
  };
  return { control: h('div', { class: 'num-row' }, input, unit ? h('span', { class: 'unit' }, unit) : null, bandHint), syncValue, labelled: true };
}

function renderText({ q, prefix, inputId, unit, readOnly, controls, module, store, stateOf, valueChanged, setError }) {
  const limit = q.max_length || 2000;
  const long = q.type === 'text' && limit > 300;
  const input = long
    ? h('textarea', { id: inputId, rows: 3, disabled: readOnly, 'aria-describedby': `${prefix}-error` })
    : h('input', { type: q.type === 'date' ? 'date' : 'text', id: inputId, disabled: readOnly, 'aria-describedby': `${prefix}-error ${prefix}-code`, autocomplete: 'off' });
  controls.push(input);
  const usccHint = q.format === 'uscc' ? h('span', { class: 'band-hint' }) : null;
  const checkUscc = usccChecker(usccHint);
  // A code of a shipped list (region, industry): its name beside it; "3202" or "锡山区" become the code.
  const listId = typeof q.format === 'string' && q.format.startsWith('code:') ? q.format.slice(5) : null;
  const codeHint = listId ? h('span', { class: 'band-hint code-name', id: `${prefix}-code` }) : null;
  let list = null;
  const showName = () => {
    if (!codeHint) return;
    const v = stateOf(q.id).value;
    codeHint.textContent = typeof v === 'string' && v && list ? codeName(list, v, { path: listId === 'region' }) : '';
  };
  if (listId) codeList(listId).then((l) => { list = l; showName(); });
  // Region and industry are also picked by name (province → city → district; division → group):
  // the choice is the answer, saved at once (issue 14, item 9).
  const pickerHost = listId === 'region' || listId === 'industry' ? h('div', { class: 'q-picker' }) : null;
  let pick = null;
  if (pickerHost) {
    const make = listId === 'region' ? regionPicker : industryPicker;
    const current = stateOf(q.id).value;
    make({ id: `${prefix}-pick`, value: typeof current === 'string' ? current : '', disabled: readOnly, label: t('cd_pick_by_name'), typed: false }).then((p) => {
      if (!p) return;
      pick = p;
      pick.onChange = (code) => {
        stateOf(q.id).value = code || null;
        input.value = code || '';
        showName();
        valueChanged(0);
        store.flush(module, q.id);
      };
      pickerHost.append(pick.el);
    });
  }
  input.addEventListener('input', () => {
    const v = input.value;
    if (q.type === 'text' && utf8Length(v) > limit) {
      const msg = t('q_too_long', { n: limit, m: utf8Length(v) });
      setError(msg);
      store.invalid(module, q.id, msg);
      return;
    }
    let value = v.trim() === '' ? null : v;
    if (value && list && !list.byCode.has(value.trim())) {
      const code = resolveCode(list, value, listId);
      if (code) value = code;
    }
    stateOf(q.id).value = value;
    showName();
    if (usccHint) checkUscc(v);
    valueChanged(q.type === 'date' ? 0 : TYPE_DELAY);
  });
  input.addEventListener('blur', () => {
    if (codeHint && typeof stateOf(q.id).value === 'string') input.value = stateOf(q.id).value;
    store.flush(module, q.id);
  });
  const syncValue = () => {
    const v = stateOf(q.id).value;
    if (document.activeElement !== input) input.value = typeof v === 'string' ? v : '';
    showName();
    if (pick && pick.value() !== (typeof v === 'string' ? v : '') && !(pickerHost && pickerHost.contains(document.activeElement))) pick.set(typeof v === 'string' ? v : '');
  };
  return { control: h('div', null, input, unit ? h('span', { class: 'unit' }, unit) : null, usccHint, codeHint, pickerHost), syncValue, labelled: true };
}

function renderUnknown({ q }) {
  return { control: h('p', null, q.type) };
}

const RENDERERS = {
  derived: renderDerived,
  single: renderChoice,
  ladder: renderChoice,
  yesno: renderChoice,
  multi: renderMulti,
  number: renderNumber,
  percent: renderNumber,
  band: renderNumber,
  text: renderText,
  date: renderText,
};

export function renderModule({ store, module, index, canWrite, canVerify, onProgress, sourceTitle, goToSource }) {
  const states = store.module(module);
  const cards = new Map(); // qid → {card, update()}
  const sectionEls = new Map(); // section id → {count, navCount, body, toggle}
  const linkedOf = () => store.linked.get(module) || new Map();
  const serverOf = () => store.computed.get(module) || null;
  let evaluation = evaluate(index, states, linkedOf(), serverOf());
  // Question numbers in the order of the form, whenever a card is built.
  const numbers = new Map();
  {
    let n = 0;
    (function walk(node) {
      for (const item of node.questions) numbers.set(item.id, ++n);
      for (const child of node.children) walk(child);
    })(index.root);
  }
  // Item 12 of issue 14: the first top-level section is built at once, the questions of the others
  // when opened or, one section per task, right after the first paint; renderAll() builds the rest
  // now (before a jump to a question).
  let deferring = false;
  const pending = [];

  const stateOf = (qid) => store.state(module, qid);
  const titleOf = titleFrom(index);
  const valueOf = (qid) => {
    const st = states.get(qid);
    if (st && answered(st)) return st.value;
    const link = linkedOf().get(qid);
    return link ? link.value : null;
  };
  const checksOf = (qid) => problemsOf(index, qid, valueOf, titleOf);

  function recompute() {
    evaluation = evaluate(index, states, linkedOf(), serverOf());
    for (const [qid, c] of cards) c.sync(evaluation);
    let answeredAll = 0;
    let visibleAll = 0;
    const perSection = new Map();
    const shown = new Set(); // sections with at least one visible question, derived included
    for (const item of index.questions) {
      if (evaluation.visible.get(item.id)) for (const sec of item.sections) shown.add(sec.id);
      if (isDerived(item.def) || !evaluation.visible.get(item.id)) continue;
      const st = states.get(item.id);
      const a = (st && answered(st)) || linkedOf().has(item.id) ? 1 : 0;
      answeredAll += a;
      visibleAll += 1;
      for (const sec of item.sections) {
        const p = perSection.get(sec.id) || { a: 0, v: 0 };
        p.a += a;
        p.v += 1;
        perSection.set(sec.id, p);
      }
    }
    for (const [sid, el] of sectionEls) {
      const p = perSection.get(sid) || { a: 0, v: 0 };
      const text = p.v === 0 ? t('sec_auto') : t('sec_progress', p);
      el.count.textContent = text;
      if (el.navCount) {
        el.navCount.textContent = text;
        el.navItem.classList.toggle('done', p.v > 0 && p.a === p.v);
        el.navItem.classList.toggle('auto', p.v === 0);
      }
      el.wrap.hidden = !shown.has(sid);
      if (el.navItem) el.navItem.hidden = !shown.has(sid);
    }
    onProgress(answeredAll, visibleAll);
  }

  store.computedListeners.set(module, recompute);

  function change(qid, delay) {
    recompute();
    store.changed(module, qid, delay);
  }

  // ---- one question
  function questionCard(item) {
    const q = item.def;
    const prefix = `q-${module}-${q.id}`;
    const st = stateOf(q.id);
    const derived = isDerived(q);
    const readOnly = !canWrite;
    const titleId = `${prefix}-title`;
    const statusEl = h('span', { class: 'q-status', role: 'status', id: `${prefix}-status` });
    const errorEl = h('p', { class: 'q-error', id: `${prefix}-error`, hidden: true });
    const reqBadge = h('span', { class: 'badge req' }, t('q_required'));
    const controls = []; // inputs to disable with N/A
    let syncValue = () => {};

    const card = h('div', { class: 'q', id: prefix, dataset: { qid: q.id, type: q.type } });
    const numText = `${numbers.get(q.id)}.`;
    const unit = unitName(q.unit) || (q.type === 'percent' ? '%' : '');

    function setError(msg) {
      errorEl.textContent = msg || '';
      errorEl.hidden = !msg;
    }

    function valueChanged(delay) {
      setError('');
      change(q.id, delay);
    }

    const inputId = `${prefix}-input`;
    const env = { q, prefix, inputId, unit, readOnly, controls, module, store, stateOf, valueChanged, setError, checksOf };
    const kind = derived ? 'derived' : q.type;
    const rendered = (RENDERERS[kind] || renderUnknown)(env);
    const { control } = rendered;
    const clearTool = rendered.clearTool || null; // "clear answer" for radio groups, shown among the tools
    const labelled = rendered.labelled === true; // whether the title is a <label> for a single input
    syncValue = rendered.syncValue || syncValue;

    // ---- title, help, provenance
    const title = labelled
      ? h('label', { class: 'q-title', id: titleId, for: inputId }, h('span', { class: 'q-num' }, numText), tx(q.title))
      : h('span', { class: 'q-title', id: titleId }, h('span', { class: 'q-num' }, numText), tx(q.title));
    const head = h('div', { class: 'q-head' }, title, reqBadge, statusEl);
    const help = q.help ? h('p', { class: 'q-help' }, tx(q.help)) : null;
    // A fact carried from another module: "from the profile: 36000 万元 (change)" — one value, kept there.
    const linkedText = h('span', null);
    const changeBtn = h('button', { type: 'button', class: 'link q-linked-change', hidden: true }, t('q_linked_change'));
    const linkedEl = h('p', { class: 'q-linked', hidden: true }, linkedText, ' ', changeBtn);
    changeBtn.addEventListener('click', () => {
      const link = linkedOf().get(q.id);
      if (link && link.from && goToSource) goToSource(link.from.module, link.from.question);
    });
    const checkEl = h('p', { class: 'q-check', id: `${prefix}-check`, role: 'status', hidden: true });
    const cite = q.cite ? h('p', { class: 'q-cite' }, t('q_cite'), q.cite) : null;

    // ---- N/A, verified, note, evidence
    const tools = h('div', { class: 'q-tools' }, clearTool);
    let naBox = null;
    if (q.not_applicable) {
      const id = `${prefix}-na`;
      naBox = h('input', { type: 'checkbox', id, disabled: readOnly });
      naBox.addEventListener('change', () => {
        const s = stateOf(q.id);
        s.na = naBox.checked;
        // N/A and a value exclude each other; keep the value in this page so unticking restores it.
        if (s.na) {
          s.beforeNa = s.value;
          s.value = null;
        } else if (s.beforeNa !== undefined) {
          s.value = s.beforeNa;
          delete s.beforeNa;
        }
        syncAll();
        valueChanged(0);
      });
      tools.append(h('label', { class: 'tool', for: id }, naBox, t('q_na')));
    }
    let verBox = null;
    if (!derived && canVerify) {
      const id = `${prefix}-ver`;
      verBox = h('input', { type: 'checkbox', id, disabled: readOnly });
      verBox.addEventListener('change', () => {
        stateOf(q.id).verified = verBox.checked;
        syncGrade();
        valueChanged(0);
      });
      tools.append(h('label', { class: 'tool', for: id }, verBox, t('q_verified')));
    }
    const gradeEl = h('span', { class: 'grade' });
    function syncGrade() {
      const s = stateOf(q.id);
      const g = s.verified ? 'verified' : s.evidence.length ? 'evidence_attached' : 'self_declared';
      gradeEl.textContent = answered(s) ? t(`grade_${g}`) : '';
      gradeEl.className = `grade g-${g}`;
    }

    // note
    const noteId = `${prefix}-note`;
    const noteArea = h('textarea', { id: noteId, rows: 2, disabled: readOnly });
    const noteWrap = h('div', { class: 'q-note', hidden: true }, h('label', { for: noteId }, t('q_note')), noteArea);
    const noteBtn = h('button', { type: 'button', class: 'tool-btn', 'aria-expanded': 'false', 'aria-controls': `${prefix}-notewrap` }, t('q_note_add'));
    noteWrap.id = `${prefix}-notewrap`;
    noteBtn.addEventListener('click', () => {
      const open = noteWrap.hidden;
      noteWrap.hidden = !open;
      noteBtn.setAttribute('aria-expanded', String(open));
      noteBtn.textContent = open ? t('q_note_hide') : t('q_note_add');
      if (open) noteArea.focus();
    });
    noteArea.addEventListener('input', () => {
      const v = noteArea.value;
      if (utf8Length(v) > 10000) {
        store.invalid(module, q.id, t('q_too_long', { n: 10000, m: utf8Length(v) }));
        return;
      }
      stateOf(q.id).note = v.trim() === '' ? '' : v;
      change(q.id, TYPE_DELAY);
    });
    noteArea.addEventListener('blur', () => store.flush(module, q.id));
    if (!derived) tools.append(noteBtn);

    // evidence
    const evId = `${prefix}-ev`;
    const evList = h('ul', { class: 'ev-list' });
    const evMsg = h('p', { class: 'ev-msg', role: 'status' });
    const evBtn = h('button', { type: 'button', class: 'tool-btn', 'aria-expanded': 'false', 'aria-controls': evId });
    const evPanel = h('div', { class: 'q-ev', id: evId, hidden: true }, h('p', { class: 'ev-title' }, t('q_evidence')), evList);
    const slots = Array.isArray(q.evidence) && q.evidence.length ? q.evidence : [null];
    slots.forEach((slot, i) => {
      const fid = `${prefix}-file${i}`;
      let accept = 'image/*,application/pdf';
      if (slot && Array.isArray(slot.accept)) {
        const ok = slot.accept.filter((a) => a === 'image/*' || EVIDENCE_TYPES.includes(a));
        if (ok.length) accept = ok.join(',');
      }
      const file = h('input', { type: 'file', id: fid, accept, disabled: readOnly, class: 'file sr-only' });
      file.addEventListener('change', async () => {
        const f = file.files && file.files[0];
        if (!f) return;
        if (!EVIDENCE_TYPES.includes(f.type)) {
          evMsg.textContent = t('q_evidence_type', { name: f.name, type: f.type || '?' });
          file.value = '';
          return;
        }
        if (f.size > EVIDENCE_MAX) {
          evMsg.textContent = t('q_evidence_size');
          file.value = '';
          return;
        }
        evMsg.textContent = t('q_evidence_uploading', { name: f.name });
        try {
          await store.upload(module, q.id, f, slot ? slot.id : '');
          evMsg.textContent = t('q_saved');
          syncEvidence();
          syncGrade();
          recompute();
        } catch (e) {
          evMsg.textContent = t('q_evidence_failed', { msg: e.message });
        }
        file.value = '';
      });
      controls.push(file);
      const label = slot ? t('q_evidence_slot', { slot: tx(slot.label) }) : t('q_evidence_upload');
      // The native file button speaks the browser's language; a label styled as a button speaks ours.
      evPanel.append(h('div', { class: 'ev-slot' }, file, h('label', { for: fid, class: 'file-btn' }, label),
        slot && slot.accept ? h('span', { class: 'muted small' }, acceptText(accept)) : null));
    });
    evPanel.append(evMsg);
    evBtn.addEventListener('click', () => {
      const open = evPanel.hidden;
      evPanel.hidden = !open;
      evBtn.setAttribute('aria-expanded', String(open));
    });
    function syncEvidence() {
      const s = stateOf(q.id);
      clear(evList);
      if (!s.evidence.length) evList.append(h('li', { class: 'ev-none' }, t('q_evidence_none')));
      for (const e of s.evidence) evList.append(evidenceLink(e, store.evidenceRows));
      evBtn.textContent = `${t('q_evidence')} (${s.evidence.length})`;
    }
    if (!derived) tools.append(evBtn);
    tools.append(gradeEl);

    function syncAll() {
      const s = stateOf(q.id);
      syncValue(evaluation);
      if (naBox) naBox.checked = s.na;
      if (verBox) verBox.checked = s.verified;
      if (document.activeElement !== noteArea) noteArea.value = s.note;
      if (s.note && noteWrap.hidden && !noteBtn.dataset.touched) {
        noteWrap.hidden = false;
        noteBtn.setAttribute('aria-expanded', 'true');
        noteBtn.textContent = t('q_note_hide');
      }
      for (const c of controls) {
        if (c.type === 'file') continue;
        c.disabled = readOnly || s.na;
      }
      card.classList.toggle('is-na', s.na);
      syncEvidence();
      syncGrade();
    }
    noteBtn.addEventListener('click', () => { noteBtn.dataset.touched = '1'; });

    const isGroup = !labelled && !derived && control.querySelector && control.querySelector('input');
    if (isGroup) {
      const group = control.classList.contains('opts') ? control : control.querySelector('.opts');
      group.setAttribute('role', q.type === 'multi' ? 'group' : 'radiogroup');
      group.setAttribute('aria-labelledby', titleId);
      group.setAttribute('aria-describedby', `${prefix}-error`);
    }
    const body = control;

    append(card, [head, help, linkedEl, body, errorEl, checkEl, h('div', { class: 'q-foot' }, tools, noteWrap, evPanel), cite, confidenceNote(q)]);

    // status display
    store.listeners.set(`${module}/${q.id}`, (s) => {
      card.dataset.state = s.status;
      statusEl.className = `q-status s-${s.status}`;
      if (s.status === 'saved') statusEl.textContent = s.touched ? t('q_saved') : '';
      else if (s.status === 'saving') statusEl.textContent = t('q_saving');
      else if (s.status === 'pending') statusEl.textContent = t('q_unsaved');
      else if (s.status === 'error') {
        statusEl.textContent = t('q_error', { msg: s.message === t('q_session') ? s.message : s.network ? t('a_retrying') : s.message });
      }
      if (s.status !== 'saved') s.touched = true;
      if (s.status === 'error' && !s.network && s.message) setError(s.message);
    });
    card.dataset.state = 'saved';

    syncAll();
    cards.set(q.id, {
      card,
      sync(ev) {
        card.hidden = !ev.visible.get(q.id);
        const link = derived ? null : linkedOf().get(q.id);
        const own = stateOf(q.id);
        linkedEl.hidden = !link || answered(own);
        const from = link && link.from && link.from.module !== module && sourceTitle ? sourceTitle(link.from.module) : null;
        linkedText.textContent = !link ? '' : from ? t('q_linked_from', { m: from, value: link.label }) : t('q_linked', { value: link.label });
        changeBtn.hidden = !from || !goToSource || !link.from.question;
        if (!derived) {
          const problems = checksOf(q.id);
          checkEl.textContent = problems.join(' ');
          checkEl.hidden = problems.length === 0;
          card.classList.toggle('has-check', problems.length > 0);
        }
        reqBadge.hidden = !ev.required.get(q.id);
        if (derived) syncValue(ev);
      },
      refresh: syncAll,
    });
    return card;
  }

  // ---- sections
  const navList = h('ol', { class: 'sec-nav' });
  function sectionBlock(node, navParent) {
    const sid = `sec-${module}-${node.id}`;
    const bodyId = `${sid}-body`;
    const count = h('span', { class: 'sec-count' });
    const toggle = h('button', { type: 'button', class: 'sec-toggle', 'aria-expanded': 'true', 'aria-controls': bodyId },
      h('span', { class: 'chev', 'aria-hidden': 'true' }), h('span', null, tx(node.title)), count);
    const level = Math.min(6, node.depth + 1);
    const heading = h(`h${level}`, { class: 'sec-h' }, toggle);
    const note = node.def.note ? h('p', { class: 'sec-note' }, tx(node.def.note)) : null;
    const body = h('div', { class: 'sec-body', id: bodyId }, note);
    const wrap = h('section', { class: `sec depth-${node.depth}`, id: sid, 'aria-labelledby': `${sid}-h` }, heading, body);
    toggle.id = `${sid}-h`;
    toggle.addEventListener('click', () => {
      const open = body.hidden;
      if (open) renderAll();
      body.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
    });
    if (!deferring) for (const item of node.questions) body.append(questionCard(item));
    else if (node.questions.length) {
      const job = () => {
        const anchor = body.querySelector(':scope > section.sec');
        for (const item of node.questions) {
          body.insertBefore(questionCard(item), anchor);
          cards.get(item.id).sync(evaluation);
        }
      };
      pending.push(job);
    }

    let navItem = null;
    let navCount = null;
    if (navParent && node.depth <= 2) {
      navCount = h('span', { class: 'nav-count' });
      const btn = h('button', { type: 'button', class: 'nav-btn' }, h('span', null, tx(node.title)), navCount);
      btn.addEventListener('click', () => {
        renderAll();
        // open the section and its parents, then go there
        let el = wrap;
        while (el) {
          if (el.classList && el.classList.contains('sec')) {
            const b = el.querySelector(':scope > .sec-body');
            const tg = el.querySelector(':scope > .sec-h .sec-toggle');
            if (b && b.hidden) {
              b.hidden = false;
              tg.setAttribute('aria-expanded', 'true');
            }
          }
          el = el.parentElement;
        }
        wrap.scrollIntoView({ block: 'start' });
        toggle.focus({ preventScroll: true });
      });
      navItem = h('li', { class: `nav-d${node.depth}` }, btn);
      navParent.append(navItem);
    }
    const childNav = navItem ? h('ol', { class: 'sec-nav-sub' }) : navParent;
    for (const child of node.children) body.append(sectionBlock(child, childNav));
    if (navItem && childNav.childNodes.length) navItem.append(childNav);
    sectionEls.set(node.id, { count, navCount, navItem, wrap });
    return wrap;
  }

  const form = h('div', { class: 'qform' });
  // Root questions first (rare), then top-level sections.
  const root = index.root;
  for (const item of root.questions) form.append(questionCard(item));
  for (const child of root.children) {
    form.append(sectionBlock(child, navList));
    deferring = true;
  }
  recompute();

  function renderAll() {
    if (!pending.length) return;
    while (pending.length) pending.shift()();
    recompute();
  }
  function step() {
    if (!pending.length) return;
    pending.shift()();
    if (pending.length) setTimeout(step, 0);
    else recompute();
  }
  if (pending.length) setTimeout(step, 0);

  return {
    form,
    nav: navList,
    recompute,
    renderAll,
    refreshAll() {
      for (const c of cards.values()) c.refresh();
      recompute();
    },
  };
}

// Live USCC check: calls /api/uscc while typing and shows the result in the current language.
export function usccChecker(out) {
  if (!out) return () => {};
  let timer = null;
  let seq = 0;
  return (value) => {
    clearTimeout(timer);
    const code = value.trim();
    if (!code) {
      out.textContent = '';
      out.className = 'band-hint';
      return;
    }
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const r = await api('GET', `/api/uscc?code=${encodeURIComponent(code)}`);
        if (mine !== seq) return;
        showUscc(out, r);
      } catch (e) {
        if (mine === seq) out.textContent = e.message;
      }
    }, 250);
  };
}

export function showUscc(out, r) {
  const zh = document.documentElement.lang !== 'en';
  if (r.valid) {
    out.textContent = `✓ ${t('uscc_ok', { code: r.normalized })}`;
    out.className = 'band-hint ok';
  } else {
    let msg = zh ? r.error_zh || r.error : r.error || r.error_zh;
    if (r.expected_check && !msg.includes(r.expected_check)) msg += t('uscc_expected', { c: r.expected_check });
    out.textContent = `✗ ${msg}`;
    out.className = 'band-hint bad';
  }
}


// Projects of an assessment (issue 14, item 3): the facts the reward rules read per project, entered
// with units and help, saved as facts (PUT …/projects) or tried out without saving ("what if",
// POST …/what-if). Also turns the rules' missing fact paths ("project.unit_value_wan") into words.
//
// FIELDS lists exactly the `project.*` facts of policies/*.json, each with the project kinds whose
// rules read it (policies/README.md "Project facts"); amounts are 万元, rates basis points.

import { t, lang } from './i18n.js';
import { h, clear, api } from './util.js';
import { renderRewards } from './results.js';

export const KINDS = ['tech_transformation', 'equipment', 'digital_demo', 'energy_saving', 'loan'];

const EQ = ['tech_transformation', 'equipment'];
const EQ4 = ['tech_transformation', 'equipment', 'digital_demo', 'energy_saving'];
const LOAN = ['loan'];

const OPTIONS = {
  cluster: ['advanced_materials', 'electronic_information', 'equipment_manufacturing', 'biomedicine', 'safety', 'other'],
  equipment_purpose: ['production', 'energy_water_saving', 'environmental_protection', 'work_safety', 'digital_intelligent'],
  loan_type: ['innovation_carrier', 'digital_transformation', 'industrial_upgrading', 'equipment_renewal', 'other'],
};

// [fact, type, kinds]; type: wan (万元), bp (basis points), year, bool, one of OPTIONS.
export const FIELDS = [
  ['investment_two_years_wan', 'wan', EQ],
  ['equipment_investment_wan', 'wan', EQ4],
  ['digital_investment_wan', 'wan', ['tech_transformation', 'digital_demo']],
  ['project_investment_wan', 'wan', ['tech_transformation', 'digital_demo']],
  ['first_set_wan', 'wan', EQ4],
  ['unit_value_wan', 'wan', EQ4],
  ['year', 'year', EQ4],
  ['equipment_purpose', 'select', EQ4],
  ['catalogued_special_equipment', 'bool', EQ4],
  ['in_specialty_park', 'bool', EQ],
  ['fits_park_positioning', 'bool', EQ],
  ['cluster', 'select', EQ],
  ['intelligent_transformation', 'bool', ['tech_transformation', 'equipment', 'digital_demo']],
  ['mainly_equipment_renewal', 'bool', ['tech_transformation', 'equipment', 'energy_saving']],
  ['no_new_land', 'bool', ['tech_transformation', 'equipment', 'energy_saving']],
  ['land_use_unchanged', 'bool', EQ],
  ['raises_plot_ratio', 'bool', EQ],
  ['key_project', 'bool', [...EQ4, 'loan']],
  ['in_annual_key_plan', 'bool', ['tech_transformation', 'equipment', 'loan']],
  ['in_project_list', 'bool', ['tech_transformation', 'equipment', 'loan']],
  ['in_provincial_plan', 'bool', ['tech_transformation', 'equipment', 'energy_saving']],
  ['loan_wan', 'wan', LOAN],
  ['loan_equipment_wan', 'wan', LOAN],
  ['loan_rate_over_lpr_bp', 'bp', LOAN],
  ['loan_type', 'select', LOAN],
  ['new_or_expansion', 'bool', LOAN],
  ['loan_via_suzhou_platform', 'bool', LOAN],
  ['provincial_interest_received', 'bool', LOAN],
].map(([id, type, kinds]) => ({ id, type, kinds }));

const BY_ID = new Map(FIELDS.map((f) => [f.id, f]));

export function fieldLabel(id) {
  return t(`pj_f_${id}`);
}

export function kindLabel(kind) {
  return t(`pj_k_${kind}`);
}

// A fact path of the reward rules in words: "project.unit_value_wan" → "项目：单台设备价值（万元）";
// "project (equipment)" → "一个设备更新项目"; "profile.x" → the profile question's title.
export function factInWords(path, { profileTitle, moduleTitle } = {}) {
  const kind = /^project \(([a-z_]+)\)$/.exec(path);
  if (kind) return t('pj_missing_project', { kind: kindLabel(kind[1]) });
  if (path.startsWith('project.')) {
    const id = path.slice(8);
    return BY_ID.has(id) ? t('pj_missing_fact', { f: fieldLabel(id) }) : t('pj_missing_fact', { f: id.replace(/_/g, ' ') });
  }
  if (path.startsWith('profile.')) {
    const title = profileTitle ? profileTitle(path.slice(8)) : null;
    return t('pj_missing_profile', { f: title || path.slice(8).replace(/_/g, ' ') });
  }
  const res = /^results\.([^.]+)\.(level|total)$/.exec(path);
  if (res) return t(`pj_missing_result_${res[2]}`, { m: moduleTitle ? moduleTitle(res[1]) : res[1] });
  if (path === 'region' || path === 'regions') return t('pj_missing_region');
  if (path === 'basis') return t('pj_missing_basis');
  return path.replace(/[._]/g, ' ');
}

function unitText(type) {
  if (type === 'wan') return t('pj_unit_wan');
  if (type === 'bp') return t('pj_unit_bp');
  if (type === 'year') return t('pj_unit_year');
  return '';
}

// One input per fact type; `read()` gives the value or undefined (unknown), `error()` a message.
function factInput(field, value, id, disabled) {
  const help = h('p', { class: 'help', id: `${id}-help` }, t(`pj_h_${field.id}`));
  const msg = h('p', { class: 'field-msg bad', id: `${id}-msg`, 'aria-live': 'polite' });
  let input;
  let read;
  if (field.type === 'bool' || field.type === 'select') {
    const opts = field.type === 'bool' ? [['', t('pj_unknown')], ['true', t('pj_yes')], ['false', t('pj_no')]]
      : [['', t('pj_unknown')], ...OPTIONS[field.id].map((o) => [o, t(`pj_o_${o}`)])];
    input = h('select', { id, disabled, 'aria-describedby': `${id}-help` });
    for (const [v, label] of opts) input.append(h('option', { value: v }, label));
    input.value = value === undefined || value === null ? '' : String(value);
    read = () => {
      if (input.value === '') return undefined;
      if (field.type === 'bool') return input.value === 'true';
      return input.value;
    };
  } else {
    input = h('input', { id, type: 'text', inputmode: 'decimal', disabled, autocomplete: 'off',
      'aria-describedby': `${id}-help ${id}-msg`, value: value === undefined || value === null ? '' : String(value) });
    read = () => {
      const s = input.value.trim().replace(/[,，\s]/g, '');
      if (s === '') return undefined;
      const n = Number(s);
      return Number.isFinite(n) ? n : NaN;
    };
  }
  const check = () => {
    const v = read();
    let error = '';
    if (Number.isNaN(v)) error = t('pj_err_number');
    else if (typeof v === 'number' && v < 0 && field.type !== 'bp') error = t('pj_err_negative');
    else if (field.type === 'year' && typeof v === 'number' && (v < 2000 || v > 2100 || !Number.isInteger(v))) error = t('pj_err_year');
    msg.textContent = error;
    input.setAttribute('aria-invalid', error ? 'true' : 'false');
    return error;
  };
  input.addEventListener('change', check);
  const unit = unitText(field.type);
  const row = h('div', { class: 'field pj-field', dataset: { fact: field.id } },
    h('label', { for: id }, fieldLabel(field.id), unit ? h('span', { class: 'muted' }, `（${unit}）`) : null),
    h('div', { class: 'pj-input' }, input, unit ? h('span', { class: 'unit', 'aria-hidden': 'true' }, unit) : null),
    help, msg);
  return { row, read, check, input };
}

let serial = 0;

// One project card: name, kind, and the facts its kind's rules read.
function projectCard(project, { disabled, onRemove }) {
  const uid = `pj${++serial}`;
  const name = h('input', { id: `${uid}-name`, type: 'text', value: project.name || '', disabled, autocomplete: 'off' });
  const kind = h('select', { id: `${uid}-kind`, disabled, class: 'pj-kind' });
  for (const k of KINDS) kind.append(h('option', { value: k }, kindLabel(k)));
  kind.value = KINDS.includes(project.kind) ? project.kind : KINDS[0];
  const factsBox = h('div', { class: 'pj-facts' });
  const inputs = new Map();
  const values = { ...project };
  function renderFacts() {
    for (const [id, x] of inputs) {
      const v = x.read();
      if (v === undefined) delete values[id];
      else if (!Number.isNaN(v)) values[id] = v;
    }
    inputs.clear();
    clear(factsBox);
    for (const f of FIELDS.filter((x) => x.kinds.includes(kind.value))) {
      const x = factInput(f, values[f.id], `${uid}-${f.id}`, disabled);
      inputs.set(f.id, x);
      factsBox.append(x.row);
    }
  }
  kind.addEventListener('change', renderFacts);
  renderFacts();
  const title = h('h3', { class: 'pj-title' }, project.name || kindLabel(kind.value));
  name.addEventListener('input', () => { title.textContent = name.value || kindLabel(kind.value); });
  const remove = disabled ? null : h('button', { type: 'button', class: 'btn danger pj-remove' }, t('pj_remove'));
  const card = h('fieldset', { class: 'card pj-card', dataset: { id: project.id } },
    h('legend', { class: 'sr-only' }, t('pj_project')), title,
    h('div', { class: 'field' }, h('label', { for: `${uid}-name` }, t('pj_name')), name),
    h('div', { class: 'field' }, h('label', { for: `${uid}-kind` }, t('pj_kind')), kind,
      h('p', { class: 'help' }, t('pj_kind_help'))),
    factsBox, remove);
  if (remove) remove.addEventListener('click', () => onRemove(card));
  return {
    card,
    // The project as the rules read it: only facts of its kind, unknowns left out.
    read() {
      const out = { id: project.id, kind: kind.value };
      if (name.value.trim()) out.name = name.value.trim();
      let error = '';
      for (const [id, x] of inputs) {
        const e = x.check();
        if (e && !error) {
          error = e;
          x.input.focus();
        }
        const v = x.read();
        if (v !== undefined && !Number.isNaN(v)) out[id] = v;
      }
      return { project: out, error };
    },
  };
}

// The projects tab: the list, save as facts, try out without saving.
export function renderProjects(ctx, { canWrite, factWords, onSaved }) {
  const a = ctx.assessment;
  const stored = Array.isArray(a.projects) ? a.projects : [];
  const list = h('div', { class: 'pj-list', id: 'pj-list' });
  const cards = [];
  let next = stored.length + 1;
  function add(project) {
    const c = projectCard(project, {
      disabled: !canWrite,
      onRemove: (card) => {
        const i = cards.findIndex((x) => x.card === card);
        if (i >= 0) cards.splice(i, 1);
        card.remove();
        empty.hidden = cards.length > 0;
      },
    });
    cards.push(c);
    list.append(c.card);
    empty.hidden = true;
    return c;
  }
  const empty = h('p', { class: 'muted', id: 'pj-empty' }, t('pj_none'));
  const msg = h('p', { class: 'small', role: 'status', id: 'pj-msg' });
  const out = h('div', { class: 'pj-result', id: 'pj-result' });
  for (const p of stored) add({ ...p, id: p.id || `p${stored.indexOf(p) + 1}` });
  empty.hidden = cards.length > 0;

  function collect() {
    const projects = [];
    for (const c of cards) {
      const { project, error } = c.read();
      if (error) return { error };
      projects.push(project);
    }
    return { projects };
  }
  async function show(rewards, whatIf) {
    clear(out);
    out.append(h('p', { class: whatIf ? 'banner pj-whatif-note' : 'small' }, whatIf ? t('pj_whatif_note') : t('pj_saved_note')));
    const sec = renderRewards(rewards, { factWords });
    out.append(sec);
  }
  const addBtn = h('button', { type: 'button', class: 'btn', id: 'pj-add' }, t('pj_add'));
  addBtn.addEventListener('click', () => {
    const c = add({ id: `p${next++}`, kind: 'tech_transformation' });
    c.card.querySelector('input').focus();
  });
  const saveBtn = h('button', { type: 'button', class: 'btn primary', id: 'pj-save' }, t('pj_save'));
  saveBtn.addEventListener('click', async () => {
    const { projects, error } = collect();
    if (error) { msg.textContent = error; return; }
    saveBtn.disabled = true;
    msg.textContent = t('pj_saving');
    try {
      await api('PUT', `/api/assessments/${a.id}/projects`, projects);
      a.projects = projects;
      msg.textContent = t('pj_saved');
      const r = await api('GET', `/api/assessments/${a.id}/score?lang=${lang()}`);
      await show(r.rewards, false);
      if (onSaved) onSaved(projects);
    } catch (e) {
      msg.textContent = e.message;
    } finally {
      saveBtn.disabled = false;
    }
  });
  const tryBtn = h('button', { type: 'button', class: 'btn', id: 'pj-whatif' }, t('pj_whatif'));
  tryBtn.addEventListener('click', async () => {
    const { projects, error } = collect();
    if (error) { msg.textContent = error; return; }
    tryBtn.disabled = true;
    msg.textContent = t('pj_computing');
    try {
      const r = await api('POST', `/api/assessments/${a.id}/what-if?lang=${lang()}`, { projects });
      msg.textContent = t('pj_whatif_done');
      await show(r.rewards, true);
    } catch (e) {
      msg.textContent = e.message;
    } finally {
      tryBtn.disabled = false;
    }
  });
  const actions = h('div', { class: 'pj-actions' }, canWrite ? addBtn : null, canWrite ? saveBtn : null, tryBtn);
  const wrap = h('section', { class: 'a-projects', 'aria-labelledby': 'pj-h' },
    h('h2', { id: 'pj-h' }, t('pj_title')),
    h('p', { class: 'muted small' }, t('pj_intro')),
    empty, list, actions, msg, out);
  // The rewards as saved, to start from.
  api('GET', `/api/assessments/${a.id}/score?lang=${lang()}`).then((r) => {
    if (r && !out.firstChild) show(r.rewards, false);
  }).catch(() => {});
  return wrap;
}

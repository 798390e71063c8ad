// The browser's pure helpers of issue 14 under node (no browser): codes typed or named, missing
// reward facts in words, the year roll of a re-assessment, the checks between fields.
// Expected values come from the shipped files (regions.json, questionnaire titles), read here.
// Run: node --test tests/browser/web_units.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
// web/i18n.js loads its catalogues from the server: here the same files are served from web/i18n/.
globalThis.fetch = async (url) => {
  const dir = path.join(root, 'web', 'i18n');
  const reply = (body) => ({ ok: true, status: 200, json: async () => body });
  if (url === '/api/languages') {
    const tags = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    return reply({ languages: tags.map((tag) => {
      const c = JSON.parse(fs.readFileSync(path.join(dir, `${tag}.json`), 'utf8'));
      return { tag, name: c['@name'], switch_to: c['@switch_to'], fallback: c['@fallback'] || [] };
    }) });
  }
  const m = /^\/i18n\/([^/]+)\.json$/.exec(url);
  if (m) return reply(JSON.parse(fs.readFileSync(path.join(dir, `${decodeURIComponent(m[1])}.json`), 'utf8')));
  return { ok: false, status: 404, json: async () => ({}) };
};
const codes = await import(path.join(root, 'web', 'codes.js'));
const projects = await import(path.join(root, 'web', 'projects.js'));
const compare = await import(path.join(root, 'web', 'compare.js'));
const checks = await import(path.join(root, 'web', 'checks.js'));
const util = await import(path.join(root, 'web', 'util.js'));
const rules = await import(path.join(root, 'web', 'rules.js'));

function loadList(file) {
  const l = JSON.parse(fs.readFileSync(path.join(root, 'questionnaires', 'profile', file), 'utf8'));
  return { ...l, byCode: new Map(l.codes.map((c) => [c.code, c])) };
}

function definition(file, dir = path.join(root, 'questionnaires')) {
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
}

test('a region is typed as a code, a short code or a name; unknown text is refused', () => {
  const regions = loadList('regions.json');
  assert.equal(codes.resolveCode(regions, '320205', 'region'), '320205');
  assert.equal(codes.resolveCode(regions, '3202', 'region'), '320200'); // 无锡市, the city
  assert.equal(codes.resolveCode(regions, '32', 'region'), '320000');
  assert.equal(codes.resolveCode(regions, '锡山区', 'region'), '320205');
  assert.equal(codes.resolveCode(regions, '9999', 'region'), null);
  assert.equal(codes.resolveCode(regions, '区', 'region'), null, 'a name matching many entries decides nothing');
  assert.equal(codes.codeName(regions, '320205', { path: true }), '江苏省 无锡市 锡山区（320205）');
  const industries = loadList('industries.json');
  assert.equal(codes.resolveCode(industries, '367', 'industry'), '367');
  assert.equal(codes.codeName(industries, '367'), '汽车零部件及配件制造（367）');
});

test('the missing facts of a reward rule read as words, never as field names', () => {
  const policyFacts = new Set();
  for (const f of fs.readdirSync(path.join(root, 'policies')).filter((x) => x.endsWith('.json'))) {
    for (const m of fs.readFileSync(path.join(root, 'policies', f), 'utf8').matchAll(/project\.([a-z_0-9]+)/g)) policyFacts.add(m[1]);
  }
  // Every project fact a rule reads has a field in the projects form, and no other.
  assert.deepEqual(new Set(projects.FIELDS.map((f) => f.id)), policyFacts);
  for (const fact of policyFacts) {
    const words = projects.factInWords(`project.${fact}`);
    assert.ok(!words.includes(fact) && !words.includes('_'), `${fact} → ${words}`);
  }
  assert.equal(projects.factInWords('project.unit_value_wan'), '项目的“单台（套）设备价值”');
  assert.equal(projects.factInWords('project (equipment)'), '一个“设备购置/更新”项目（在“项目”页填写）');
  assert.equal(projects.factInWords('profile.specialty_park', { profileTitle: (id) => (id === 'specialty_park' ? '是否位于特色园区' : null) }),
    '企业概况中的“是否位于特色园区”');
});

// Sends fetch's answer-saving calls to `calls` while `fn` runs.
async function recording(calls, fn) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    calls.push([init.method, url, init.body ? JSON.parse(init.body) : undefined]);
    return new Response('{"saved": true}', { status: 200 });
  };
  try {
    util.session.csrf = 'x';
    return await fn();
  } finally {
    globalThis.fetch = realFetch;
  }
}

test('a re-assessment a year later moves "last year" figures to "the year before" and clears this year\'s', async () => {
  const defs = {
    profile: definition('profile/profile.json'),
    'sme-digital-2024': definition('sme-digital-2024/sme-digital-2024.json'),
    'smart-factory-2025': definition('smart-factory-2025/smart-factory-2025.json'),
    cmmm: definition('cmmm/cmmm.json'),
  };
  // The year-bound questions of the shipped questionnaires, by their titles ("上一年度…" with a
  // "前一年度…" twin moves there, "本年度…", "近两个自然年度…", the year-end staff count and this year's
  // approval are asked afresh, "“上一年度”所指年份" moves on), as [module, question, to].
  const roll = Object.entries(defs).flatMap(([m, d]) => compare.yearRoll(d).map((r) => [m, r.question, r.to]));
  assert.deepEqual(roll, [
    ['profile', 'last_year', '+1'],
    ['profile', 'employees', null],
    ['profile', 'revenue_last_year', 'revenue_prev_year'],
    ['profile', 'tech_investment_two_years', null],
    ['profile', 'tech_investment_this_year', null],
    ['profile', 'municipal_tech_fund_approved', null],
    ['profile', 'equipment_investment_this_year', null],
    ['profile', 'digital_investment_this_year', null],
    ['profile', 'energy_saving_equipment_investment', null],
    ['profile', 'first_set_equipment_value', null],
    ['sme-digital-2024', 'raw_revenue_last_year', 'raw_revenue_year_before'],
    ['sme-digital-2024', 'raw_employees_last_year', 'raw_employees_year_before'],
    ['sme-digital-2024', 'raw_cost_per_100_last_year', 'raw_cost_per_100_year_before'],
    ['smart-factory-2025', 'main_business_revenue_last_year', null],
  ]);
  const calls = [];
  await recording(calls, async () => {
    const a = { id: 9, modules: ['profile', 'sme-digital-2024'] };
    const previous = {
      profile: { last_year: 2025, revenue_last_year: 18000, revenue_prev_year: 16000, equipment_investment_this_year: 900 },
      'sme-digital-2024': { raw_revenue_last_year: { value: 17000, verified: true }, raw_equipment_total: 120 },
    };
    const done = await compare.rollYears(a, previous, 1, (m) => defs[m]);
    assert.deepEqual(calls, [
      ['PUT', '/api/assessments/9/answers/profile/last_year', 2026],
      ['PUT', '/api/assessments/9/answers/profile/revenue_prev_year', 18000],
      ['DELETE', '/api/assessments/9/answers/profile/revenue_last_year', undefined],
      ['DELETE', '/api/assessments/9/answers/profile/equipment_investment_this_year', undefined],
      ['PUT', '/api/assessments/9/answers/sme-digital-2024/raw_revenue_year_before', 17000],
      ['DELETE', '/api/assessments/9/answers/sme-digital-2024/raw_revenue_last_year', undefined],
    ]);
    assert.equal(done.length, 6);
    calls.length = 0;
    assert.deepEqual(await compare.rollYears(a, previous, 0, (m) => defs[m]), [], 'the same year moves nothing');
    assert.deepEqual(calls, []);
  });
});

test('130 digitised machines of 120 is explained on both questions and on the derived share', () => {
  const values = { raw_equipment_total: 120, raw_equipment_digitised: 130 };
  const title = (id) => ({ raw_equipment_total: '生产设备总数', raw_equipment_digitised: '其中：数字化生产设备数' })[id] || id;
  const expected = ['“其中：数字化生产设备数”（130）大于“生产设备总数”（120）：前者是后者的一部分，请更正其中一个。'];
  const index = rules.indexDefinition(definition('sme-digital-2024/sme-digital-2024.json'));
  // The definition's "at_most" pairs (help: "不应超过生产设备总数"), each blocking the derived share its
  // computed value reads the part for (c_equipment_digitised_pct, c_equipment_networked_pct).
  assert.deepEqual(checks.checksOf(index), [
    { part: 'raw_equipment_digitised', whole: 'raw_equipment_total', blocks: ['q02_equipment_digitised'] },
    { part: 'raw_equipment_networked', whole: 'raw_equipment_total', blocks: ['q03_equipment_networked'] },
  ]);
  for (const q of ['raw_equipment_digitised', 'raw_equipment_total', 'q02_equipment_digitised']) {
    assert.deepEqual(checks.problemsOf(index, q, (id) => values[id] ?? null, title), expected, q);
  }
  assert.deepEqual(checks.problemsOf(index, 'q03_equipment_networked', (id) => values[id] ?? null, title), [],
    'the networked share does not read the digitised count');
  values.raw_equipment_digitised = 120;
  assert.deepEqual(checks.problemsOf(index, 'raw_equipment_digitised', (id) => values[id] ?? null, title), []);
  // The other questionnaires state no such pair.
  for (const f of ['profile/profile.json', 'smart-factory-2025/smart-factory-2025.json', 'cmmm/cmmm.json']) {
    assert.deepEqual(checks.checksOf(rules.indexDefinition(definition(f))), [], f);
  }
});

test('a questionnaire added as a file brings its own checks and year roll: no code names it', async () => {
  // tests/data/extension/questionnaires/made-up-energy: "meters_online" "at_most" "meters_total", read
  // by c_online_share, which derives "online_share"; "figures_year" "+1", "energy_last_year" →
  // "energy_year_before", "meters_added_this_year" asked afresh.
  const def = definition('made-up-energy/made-up-energy.json', path.join(root, 'tests', 'data', 'extension', 'questionnaires'));
  const index = rules.indexDefinition(def);
  assert.deepEqual(checks.checksOf(index), [{ part: 'meters_online', whole: 'meters_total', blocks: ['online_share'] }]);
  const values = { meters_total: 12, meters_online: 15 };
  const title = checks.titleFrom(index);
  const expected = ['“其中：在线采集的计量表数”（15）大于“计量表总数”（12）：前者是后者的一部分，请更正其中一个。'];
  for (const q of ['meters_online', 'meters_total', 'online_share']) {
    assert.deepEqual(checks.problemsOf(index, q, (id) => values[id] ?? null, title), expected, q);
  }
  assert.deepEqual(checks.problemsOf(index, 'meters', (id) => values[id] ?? null, title), []);

  assert.deepEqual(compare.yearRoll(def), [
    { question: 'figures_year', to: '+1' },
    { question: 'energy_last_year', to: 'energy_year_before' },
    { question: 'meters_added_this_year', to: null },
  ]);
  const previous = { 'made-up-energy': { figures_year: 2025, energy_last_year: 1200, energy_year_before: 1100, meters_added_this_year: 3, meters_total: 12 } };
  const a = { id: 4, modules: ['made-up-energy'] };
  const calls = [];
  const done = await recording(calls, () => compare.rollYears(a, previous, 1, () => def));
  const base = '/api/assessments/4/answers/made-up-energy';
  assert.deepEqual(calls, [
    ['PUT', `${base}/figures_year`, 2026],
    ['PUT', `${base}/energy_year_before`, 1200],
    ['DELETE', `${base}/energy_last_year`, undefined],
    ['DELETE', `${base}/meters_added_this_year`, undefined],
  ]);
  assert.deepEqual(done.map((d) => d.action), ['year', 'moved', 'cleared', 'cleared']);
  // Two years later: the year moves on by two; "last year" and "the year before" are both asked afresh.
  calls.length = 0;
  await recording(calls, () => compare.rollYears(a, previous, 2, () => def));
  assert.deepEqual(calls, [
    ['PUT', `${base}/figures_year`, 2027],
    ['DELETE', `${base}/energy_year_before`, undefined],
    ['DELETE', `${base}/energy_last_year`, undefined],
    ['DELETE', `${base}/meters_added_this_year`, undefined],
  ]);
});

test('a relative change computed as a ratio reads as a signed percentage, never as a raw ratio', () => {
  // small-machining-shop README: q12 energy per revenue (270 × 1 220 − 260 × 1 350) ÷ (260 × 1 350) = −0.0615…
  assert.equal(util.ratioText((270 * 1220 - 260 * 1350) / (260 * 1350)), '−6.15%');
  // The "−0.21 ratio": −21 %.
  assert.equal(util.ratioText(-0.21), '−21%');
  assert.equal(util.ratioText(0.5 / 96), '+0.52%'); // q13 quality (96.5 − 96.0) ÷ 96.0
  assert.equal(util.ratioText(0), '±0%');
  assert.equal(util.ratioText(null), '–');
});

test('T0 → T1 rewards are compared rule by rule', () => {
  // Hand-made outcomes in the API's shape. T0: the 锡山 tech subsidy at 2 500万 × 8 % = 200万, the
  // 锡山 loan interest 1 500万 × 2 % = 30万, a support without money; T1: 3 500万 × 9 % = 315万, the loan
  // rule no longer met, the support unchanged, and a ceiling award newly eligible-if (up to 20万).
  const o = (rule, project, status, amount, title = rule) => ({ rule, project, status, title, document_title: '锡山区方案', cite: '三、（二）', amount });
  const exact = (value, display) => ({ shape: 'exact', value, display });
  const none = { shape: 'none', display: '非资金支持' };
  const t0 = { outcomes: [
    o('tech-subsidy', 'line', 'eligible', exact(2000000, '200万')),
    o('loan-interest', 'loan', 'eligible', exact(300000, '30万')),
    o('land', 'line', 'eligible', none),
    o('sf-advanced', undefined, 'not_eligible', { shape: 'up_to', value: 200000, display: '最高20万' }),
  ] };
  const t1 = { outcomes: [
    o('tech-subsidy', 'line', 'eligible', exact(3150000, '315万')),
    o('loan-interest', 'loan', 'not_eligible', exact(0, '0元')),
    o('land', 'line', 'eligible', none),
    o('sf-advanced', undefined, 'eligible_if', { shape: 'up_to', value: 200000, display: '最高20万' }),
  ] };
  const rows = compare.compareRewardRules(t0, t1);
  assert.deepEqual(rows.map((r) => [r.rule, r.project, r.t0 && r.t0.amount, r.t1 && r.t1.amount, r.change]), [
    ['tech-subsidy', 'line', '200万', '315万', 'up'],
    ['loan-interest', 'loan', '30万', null, 'gone'],
    ['land', 'line', '非资金支持', '非资金支持', 'same'],
    ['sf-advanced', '', null, '最高20万', 'new'],
  ]);
  assert.equal(rows[0].clause, '锡山区方案 三、（二）');
  assert.equal(rows[3].t1.status, 'eligible_if');
});

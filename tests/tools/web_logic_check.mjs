// The browser's rule engine means what the server's means (issue 12, item 2). Under node:
//  1. web/jsonlogic.js passes the public JsonLogic conformance suite (278 cases), the suite
//     tests/logic_test.cpp runs against the server's engine;
//  2. it gives the expected value of every case in tests/data/jsonlogic/agreement.json, which the
//     server's engine also runs (cases where the two once disagreed);
//  3. web/rules.js (what the form uses for visibility, required and computed values) reproduces the
//     hand-computed visibility, required flags, computed values and missing required questions of
//     every case in tests/data/scoring;
//  4. given an assess binary: for every assessment in tests/data/enterprises and the demo, the
//     visibility of every question and every computed value of every module equal what
//     `assess score --json` reports (the server's own evaluation, crosswalk fills included).
// Usage: node web_logic_check.mjs SOURCE_DIR SUITE_JSON [ASSESS_BINARY]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [, , sourceDir, suitePath, assessBin] = process.argv;
if (!sourceDir || !suitePath) {
  console.error('usage: node web_logic_check.mjs SOURCE_DIR SUITE_JSON [ASSESS_BINARY]');
  process.exit(2);
}
const { apply } = await import(pathToFileURL(path.join(sourceDir, 'web/jsonlogic.js')));
const rules = await import(pathToFileURL(path.join(sourceDir, 'web/rules.js')));

const failures = [];
const fail = (msg) => failures.push(msg);
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

// Deep equality where numbers compare by value.
function same(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && same(a[k], b[k]));
  }
  return a === b;
}

// Computed figures: the server's come from exact decimals, the preview's from floating point.
function sameFigure(a, b) {
  if (typeof a === 'number' && typeof b === 'number') {
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return same(a, b);
}

function runCases(file, label, expectCount) {
  const entries = readJson(file);
  let cases = 0;
  for (const entry of entries) {
    if (typeof entry === 'string') continue; // a section header
    cases += 1;
    const [rule, data, expected] = entry;
    let got;
    try {
      got = apply(rule, data);
    } catch (e) {
      got = `error: ${e.message}`;
    }
    if (!same(got, expected)) {
      fail(`${label} case ${cases}: ${JSON.stringify(rule)} on ${JSON.stringify(data)} gave ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
    }
  }
  if (expectCount !== undefined && cases !== expectCount) fail(`${label}: ${cases} cases, expected ${expectCount}`);
  return cases;
}

// 1 and 2.
const suiteCases = runCases(suitePath, 'conformance', 278);
const agreementCases = runCases(path.join(sourceDir, 'tests/data/jsonlogic/agreement.json'), 'agreement');

// The states the form keeps, from an answer set's answers (bare values or {value, na, ...}).
function statesOf(answers) {
  const states = new Map();
  for (const [id, raw] of Object.entries(answers || {})) states.set(id, rules.toState(raw));
  return states;
}

// 3. The hand-computed scoring fixtures.
let scoringCases = 0;
let checkedVisibility = 0;
const scoringDir = path.join(sourceDir, 'tests/data/scoring');
for (const name of fs.readdirSync(scoringDir).sort()) {
  const dir = path.join(scoringDir, name);
  if (!fs.statSync(dir).isDirectory()) continue;
  scoringCases += 1;
  const index = rules.indexDefinition(readJson(path.join(dir, 'questionnaire.json')));
  const answers = readJson(path.join(dir, 'answers.json'));
  const expected = readJson(path.join(dir, 'expected.json'));
  const states = statesOf(answers.answers);
  const ev = rules.evaluate(index, states);
  for (const [id, e] of Object.entries(expected.questions || {})) {
    if (!index.byId.has(id)) {
      fail(`scoring/${name}: no question ${id}`);
      continue;
    }
    if ('visible' in e) {
      checkedVisibility += 1;
      if (ev.visible.get(id) !== e.visible) fail(`scoring/${name}: ${id} visible ${ev.visible.get(id)}, expected ${e.visible}`);
    }
    if ('required' in e && ev.required.get(id) !== e.required) {
      fail(`scoring/${name}: ${id} required ${ev.required.get(id)}, expected ${e.required}`);
    }
  }
  for (const [id, value] of Object.entries(expected.computed || {})) {
    if (!sameFigure(ev.computed[id], value)) fail(`scoring/${name}: computed ${id} = ${JSON.stringify(ev.computed[id])}, expected ${value}`);
  }
  const missing = [];
  for (const item of index.questions) {
    const q = item.def;
    let isAnswered;
    if (rules.isDerived(q)) isAnswered = rules.bandOf(q, ev.computed[q.value_from]) !== null;
    else isAnswered = states.has(item.id) && rules.answered(states.get(item.id));
    if (ev.visible.get(item.id) && ev.required.get(item.id) && !isAnswered) missing.push(item.id);
  }
  if (!same(missing, expected.missing_required)) {
    fail(`scoring/${name}: missing required ${JSON.stringify(missing)}, expected ${JSON.stringify(expected.missing_required)}`);
  }
}
if (scoringCases < 6) fail(`only ${scoringCases} scoring cases found`);
if (checkedVisibility === 0) fail('no scoring case states a visibility');

// 4. Against the server's own evaluation.
let serverModules = 0;
let serverQuestions = 0;
let serverComputed = 0;
let serverHidden = 0;
if (assessBin) {
  const assessments = [path.join(sourceDir, 'questionnaires/demo/assessment.json')];
  const entDir = path.join(sourceDir, 'tests/data/enterprises');
  for (const name of fs.readdirSync(entDir).sort()) assessments.push(path.join(entDir, name, 'assessment.json'));
  for (const file of assessments) {
    const out = execFileSync(assessBin, ['score', '--answers', file, '--json', '--questionnaires', path.join(sourceDir, 'questionnaires')], {
      encoding: 'utf8', maxBuffer: 64 << 20,
    });
    const report = JSON.parse(out);
    for (const m of report.modules) {
      // The definition file the server loaded: GET /api/questionnaires/<id> sends the browser this file.
      const label = `${path.basename(path.dirname(file))}/${m.definition.id}`;
      const def = readJson(m.definition.file);
      serverModules += 1;
      const index = rules.indexDefinition(def);
      // The answers the server scored: the module's own and those the crosswalk filled in.
      const states = new Map();
      for (const q of m.questions) {
        if (q.not_applicable) states.set(q.id, rules.toState({ na: true }));
        else if ('answer' in q) states.set(q.id, rules.toState({ value: q.answer }));
      }
      const ev = rules.evaluate(index, states);
      for (const q of m.questions) {
        serverQuestions += 1;
        if (!q.visible) serverHidden += 1;
        if (ev.visible.get(q.id) !== q.visible) fail(`${label}: ${q.id} visible ${ev.visible.get(q.id)} here, ${q.visible} on the server`);
      }
      for (const c of m.computed || []) {
        serverComputed += 1;
        // `assess score --json` prints figures rounded to 6 decimals.
        const v = ev.computed[c.id];
        const agrees = typeof v === 'number' && typeof c.value === 'number' ? Math.abs(v - c.value) <= 5.01e-7 : same(v, c.value);
        if (!agrees) {
          fail(`${label}: computed ${c.id} = ${JSON.stringify(ev.computed[c.id])} here, ${JSON.stringify(c.value)} on the server`);
        }
      }
    }
  }
  if (serverModules === 0) fail('no module compared with the server');
}

for (const f of failures) console.error(`FAIL ${f}`);
console.log(`conformance ${suiteCases} cases, agreement ${agreementCases} cases, scoring fixtures ${scoringCases}` +
  (assessBin ? `, server: ${serverModules} modules, ${serverQuestions} questions (${serverHidden} hidden), ${serverComputed} computed values` : ''));
if (failures.length) {
  console.error(`${failures.length} failure(s)`);
  process.exit(1);
}
console.log('browser rules agree with the server');

// End-to-end test of the web UI in Debian's Chromium (playwright-core, no browser download).
// Run from the project root: node --test tests/browser/
// Env: ASSESS_BIN (default /work/main/build/assess), CHROMIUM (default /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startServer } from './support.mjs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const bin = process.env.ASSESS_BIN || '/work/main/build/assess';
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const axePath = require.resolve('axe-core/axe.min.js');
const SME = 'sme-digital-2024';
const fixture = JSON.parse(fs.readFileSync(path.join(root, 'questionnaires', SME, 'demo-answers.json'), 'utf8'));
const definition = JSON.parse(fs.readFileSync(path.join(root, 'questionnaires', SME, `${SME}.json`), 'utf8'));
const HOSTILE = `<script>alert(1)</script>"&'`;
const shots = process.env.SCREENSHOT_DIR || '';

let server;
let dataDir;
let baseUrl;
let password;
let browser;

// ---- helpers

function questions(def) {
  const out = new Map();
  (function walk(sec) {
    for (const q of sec.questions || []) out.set(q.id, q);
    for (const s of sec.sections || []) walk(s);
  })(def);
  return out;
}
const smeQuestions = questions(definition);

// GB 32100-2015: the 18th character checks the first 17.
function usccWithCheck(first17) {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  let sum = 0;
  for (let i = 0; i < 17; ++i) sum += alphabet.indexOf(first17[i]) * weights[i];
  const c = (31 - (sum % 31)) % 31;
  return first17 + alphabet[c];
}

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; ++k) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

// A real 2×2 PNG, built here so the test needs no binary fixture.
function tinyPng() {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}


async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true, ...options });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/401 \(Unauthorized\)/.test(m.text())) page.errors.push(m.text());
  });
  return page;
}

async function login(page) {
  await page.goto(baseUrl);
  await page.getByLabel('用户名').fill('admin');
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { level: 1, name: '企业' }).waitFor();
}

async function createEnterprise(page, { name, uscc, region, industry }) {
  await page.getByRole('link', { name: '新建企业' }).click();
  await page.getByRole('heading', { level: 1, name: '新建企业' }).waitFor();
  await page.getByLabel('企业名称').fill(name);
  if (uscc) await page.getByLabel('统一社会信用代码').pressSequentially(uscc);
  // The region and industry pickers take a typed code too (issue 14 item 9).
  if (region) {
    await page.getByLabel('或输入代码、地名').fill(region);
    await page.getByLabel('或输入代码、地名').press('Tab');
  }
  if (industry) {
    await page.getByLabel('或输入代码、行业名称').fill(industry);
    await page.getByLabel('或输入代码、行业名称').press('Tab');
  }
  await page.getByRole('button', { name: '创建企业' }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

async function startAssessment(page, modules) {
  await page.locator('#start-assessment').waitFor();
  for (const box of await page.locator('fieldset.modules input[type=checkbox]').all()) {
    const want = modules.includes(await box.getAttribute('value'));
    if ((await box.isChecked()) !== want) await box.click();
  }
  await page.getByRole('button', { name: '开始评估' }).click();
  await page.locator('.qform').waitFor();
}

async function waitSaved(page) {
  await page.waitForFunction(() => {
    const s = document.getElementById('save-status');
    return s && s.dataset.state === 'saved' && !document.querySelector('.q[data-state="pending"], .q[data-state="saving"]');
  }, null, { timeout: 30000 });
}

async function axeCheck(page, label) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${label}: axe found serious or critical violations:\n${JSON.stringify(bad, null, 2)}`);
}

async function shot(page, name) {
  if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

function sel(module, qid, suffix = '') {
  return `#q-${module}-${qid}${suffix}`;
}

// Answers one question of the fixture through the form, the way a person would.
async function answer(page, qid, raw, first) {
  const q = smeQuestions.get(qid);
  assert.ok(q, `the fixture question ${qid} exists`);
  const full = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : { value: raw };
  const v = full.value;
  const card = page.locator(sel(SME, qid));
  await card.scrollIntoViewIfNeeded();
  if (q.type === 'number' || q.type === 'percent') {
    const input = page.locator(sel(SME, qid, '-input'));
    if (first) await input.pressSequentially(String(v), { delay: 30 });
    else await input.fill(String(v));
  } else if (q.type === 'multi') {
    for (let i = 0; i < q.options.length; ++i) {
      const box = page.locator(sel(SME, qid, `-o${i}`));
      if (v.includes(q.options[i].id) !== (await box.isChecked())) await box.click();
    }
  } else if (q.type === 'single') {
    await page.locator(sel(SME, qid, `-o${q.options.findIndex((o) => o.id === v)}`)).check();
  } else if (q.type === 'ladder') {
    await page.locator(sel(SME, qid, `-o${q.options.findIndex((o) => o.level === v)}`)).check();
  } else if (q.type === 'yesno') {
    await page.locator(sel(SME, qid, v ? '-o0' : '-o1')).check();
  } else {
    throw new Error(`no driver for type ${q.type}`);
  }
  if (full.verified) await page.locator(sel(SME, qid, '-ver')).check();
  if (full.note) {
    await card.getByRole('button', { name: '添加备注' }).click();
    await page.locator(sel(SME, qid, '-note')).fill(full.note);
  }
}

// Reads the form back and compares it with the fixture.
async function checkAnswer(page, qid, raw) {
  const q = smeQuestions.get(qid);
  const full = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : { value: raw };
  const v = full.value;
  if (q.type === 'number' || q.type === 'percent') {
    assert.equal(Number(await page.locator(sel(SME, qid, '-input')).inputValue()), v, `${qid} after reload`);
  } else if (q.type === 'multi') {
    for (let i = 0; i < q.options.length; ++i) {
      assert.equal(await page.locator(sel(SME, qid, `-o${i}`)).isChecked(), v.includes(q.options[i].id), `${qid}/${q.options[i].id} after reload`);
    }
  } else if (q.type === 'single' || q.type === 'ladder') {
    const idx = q.options.findIndex((o) => (q.type === 'single' ? o.id === v : o.level === v));
    for (let i = 0; i < q.options.length; ++i) {
      assert.equal(await page.locator(sel(SME, qid, `-o${i}`)).isChecked(), i === idx, `${qid} option ${i} after reload`);
    }
  }
  assert.equal(await page.locator(sel(SME, qid, '-ver')).isChecked(), full.verified === true, `${qid} verified after reload`);
  assert.equal(await page.locator(sel(SME, qid, '-note')).inputValue(), full.note || '', `${qid} note after reload`);
}

// ---- setup

before(async () => {
  assert.ok(fs.existsSync(bin), `ASSESS_BIN ${bin} does not exist; build first (cmake --build build)`);
  assert.ok(fs.existsSync(chromiumPath), `${chromiumPath} is missing: apt-get install chromium (make setup does it)`);
  ({ server, dataDir, url: baseUrl, password } = await startServer({ bin, root, prefix: 'assess-e2e-' }));
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server && server.exitCode === null) {
    server.removeAllListeners('exit');
    const gone = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

// ---- tests

test('consultant flow: enterprise, SME questionnaire from the fixture, live level, evidence, report, reload', { timeout: 240000 }, async () => {
  const page = await newPage();
  await login(page);
  await shot(page, 'enterprises');

  // Create an enterprise; the USCC is checked while typing, in Chinese.
  const name = '无锡测试精密机械有限公司';
  const uscc = usccWithCheck('91320205MA1K3X7P2');
  const wrong = uscc.slice(0, 17) + (uscc[17] === '0' ? '1' : '0');
  await page.getByRole('link', { name: '新建企业' }).click();
  const usccInput = page.getByLabel('统一社会信用代码');
  await usccInput.pressSequentially(wrong);
  await page.locator('#ne-uscc-msg.bad').waitFor();
  assert.match(await page.locator('#ne-uscc-msg').textContent(), /校验码/);
  await usccInput.fill('');
  await usccInput.pressSequentially(uscc);
  await page.locator('#ne-uscc-msg.ok').waitFor();
  assert.match(await page.locator('#ne-uscc-msg').textContent(), new RegExp(uscc));
  await page.getByLabel('企业名称').fill(name);
  await page.getByLabel('或输入代码、地名').fill('320205');
  await page.getByLabel('或输入代码、地名').press('Tab');
  await page.getByLabel('或输入代码、行业名称').fill('348');
  await page.getByLabel('或输入代码、行业名称').press('Tab');
  await shot(page, 'new-enterprise');
  await page.getByRole('button', { name: '创建企业' }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();

  // The list finds it by search.
  await page.getByRole('link', { name: '企业', exact: true }).first().click();
  await page.getByLabel(/搜索企业/).fill('测试精密');
  await page.waitForFunction(() => document.querySelectorAll('.ent-link').length === 1);
  assert.equal(await page.locator('.ent-link').textContent(), name);
  await page.locator('.ent-link').click();
  await page.getByRole('heading', { level: 1, name }).waitFor();

  // Start an SME assessment and fill it from the fixture.
  await startAssessment(page, [SME]);
  const assessmentId = Number(page.url().match(/assessment\/(\d+)/)[1]);
  await shot(page, 'form-empty');
  let first = true;
  for (const [qid, raw] of Object.entries(fixture.answers)) {
    await answer(page, qid, raw, first);
    first = false;
  }
  await waitSaved(page);

  // The live panel shows the level the fixture reaches.
  const live = page.locator(`.live-item[data-module="${SME}"] .level-name`);
  await page.waitForFunction((m) => document.querySelector(`.live-item[data-module="${m}"] .level-name`)?.textContent === '二级', SME);
  assert.equal(await live.textContent(), '二级');
  assert.equal(await page.locator('#progress').getAttribute('data-answered'), await page.locator('#progress').getAttribute('data-visible'));
  // Derived bands are shown, not asked.
  assert.match(await page.locator(sel(SME, 'q02_equipment_digitised', '-input')).textContent(), /46\.79/);

  // Evidence: a PNG on the information-systems question.
  const evq = 'q05_information_systems';
  await page.locator(sel(SME, evq)).getByRole('button', { name: /证据材料/ }).click();
  await page.locator(sel(SME, evq, '-file0')).setInputFiles({ name: 'erp-screen.png', mimeType: 'image/png', buffer: tinyPng() });
  await page.locator(sel(SME, evq)).locator('.ev-list a', { hasText: 'erp-screen.png' }).waitFor();
  assert.equal(await page.locator(sel(SME, evq)).locator('.grade').textContent(), '有证据');
  await shot(page, 'form-filled');

  // A change after the upload keeps the evidence on the answer.
  await page.locator(sel(SME, evq, '-ver')).check();
  await waitSaved(page);
  await page.locator(sel(SME, evq, '-ver')).uncheck();
  await waitSaved(page);

  // The server holds exactly the fixture (plus the evidence).
  const stored = await (await page.request.get(`${baseUrl}api/assessments/${assessmentId}`)).json();
  const expected = structuredClone(fixture.answers);
  const ev = stored.answers[SME][evq];
  assert.equal(ev.evidence.length, 1);
  assert.equal(ev.evidence[0].name, 'erp-screen.png');
  assert.match(ev.evidence[0].file, /^sha256:[0-9a-f]{64}$/);
  expected[evq] = { value: fixture.answers[evq], evidence: ev.evidence };
  assert.deepEqual(stored.answers[SME], expected);
  assert.equal(stored.evidence.length, 1);

  // The evidence file downloads back.
  const file = await page.request.get(`${baseUrl}api/evidence/${ev.evidence[0].file.slice(7)}`);
  assert.equal(file.status(), 200);
  assert.deepEqual(Buffer.from(await file.body()), tinyPng());

  // Results view: level, requirements, roadmap.
  await page.locator('#results-tab').click();
  await page.locator(`#res-${SME}`).waitFor();
  const result = page.locator('section.result', { has: page.locator(`#res-${SME}`) });
  assert.equal(await result.locator('.level-name').textContent(), '二级');
  assert.match(await result.textContent(), /55\.6 \/ 100/);
  assert.match(await result.locator('.gap h4').first().textContent(), /三级/);
  assert.ok((await result.locator('ol.roadmap li').count()) > 0, 'the roadmap lists improvements');
  await shot(page, 'results');

  // The report: opened in a new tab and downloaded; both carry the enterprise name.
  const [tab] = await Promise.all([page.context().waitForEvent('page'), page.locator('#open-report').click()]);
  await tab.waitForLoadState();
  assert.match(await tab.locator('body').textContent(), new RegExp(name));
  await tab.close();
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-report').click()]);
  const html = fs.readFileSync(await download.path(), 'utf8');
  assert.ok(html.includes(name), 'the downloaded report names the enterprise');
  assert.match(html, /二级/);

  // Reload: every answer comes back from the server.
  await page.goto(`${baseUrl}#/assessment/${assessmentId}/${SME}`);
  await page.reload();
  await page.locator('.qform').waitFor();
  for (const [qid, raw] of Object.entries(fixture.answers)) await checkAnswer(page, qid, raw);
  assert.equal(await page.locator(sel(SME, evq)).locator('.ev-list a').textContent(), 'erp-screen.png');
  await page.waitForFunction((m) => document.querySelector(`.live-item[data-module="${m}"] .level-name`)?.textContent === '二级', SME);

  // English, remembered across a reload.
  await page.locator('#lang-toggle').click();
  await page.getByRole('link', { name: 'Results' }).waitFor();
  await page.reload();
  await page.getByRole('link', { name: 'Results' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.waitForFunction((m) => document.querySelector(`.live-item[data-module="${m}"] .level-name`)?.textContent === 'Level 2', SME);
  await page.locator('#lang-toggle').click();
  await page.getByRole('link', { name: '结果' }).waitFor();

  // Submit makes the form read-only; reopen makes it editable again.
  await page.locator('#submit-assessment').click();
  await page.locator('#confirm-submit').click();
  await page.locator('#reopen-assessment').waitFor();
  assert.ok(await page.locator(sel(SME, 'raw_equipment_total', '-input')).isDisabled());
  await page.locator('#reopen-assessment').click();
  await page.locator('#submit-assessment').waitFor();
  assert.ok(await page.locator(sel(SME, 'raw_equipment_total', '-input')).isEnabled());

  // Re-assessment copies the answers (T0 → T1).
  await page.locator('.crumb a').click();
  await page.locator('#reassess').click();
  await page.locator('.qform').waitFor();
  assert.notEqual(Number(page.url().match(/assessment\/(\d+)/)[1]), assessmentId);
  assert.equal(await page.locator(sel(SME, 'raw_equipment_total', '-input')).inputValue(), '280');
  await page.waitForFunction((m) => document.querySelector(`.live-item[data-module="${m}"] .level-name`)?.textContent === '二级', SME);

  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('hostile enterprise name is shown as text in the list, the pages and the report', { timeout: 120000 }, async () => {
  // CSP is bypassed here so that only the UI's own escaping stands between the name and the page.
  const page = await newPage({ bypassCSP: true });
  const dialogs = [];
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  await login(page);
  await createEnterprise(page, { name: HOSTILE });
  assert.equal(await page.locator('h1').textContent(), HOSTILE);

  await page.getByRole('link', { name: '企业', exact: true }).first().click();
  await page.getByLabel(/搜索企业/).fill('script');
  await page.waitForFunction(() => document.querySelectorAll('.ent-link').length === 1);
  assert.equal(await page.locator('.ent-link').textContent(), HOSTILE);
  assert.equal(await page.evaluate(() => document.querySelectorAll('script').length), 1, 'no script element was injected');

  await page.locator('.ent-link').click();
  await startAssessment(page, ['profile', SME]);
  assert.equal(await page.locator('.crumb a').textContent(), HOSTILE);
  // the profile module was prefilled with the name
  await page.locator('.tabs a[data-module="profile"]').click();
  await page.locator('#q-profile-name-input').waitFor();
  assert.equal(await page.locator('#q-profile-name-input').inputValue(), HOSTILE);
  assert.equal(await page.evaluate(() => document.querySelectorAll('script').length), 1, 'no script element was injected');

  const [tab] = await Promise.all([page.context().waitForEvent('page'), page.locator('#open-report').click()]);
  tab.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  await tab.waitForLoadState();
  assert.ok((await tab.locator('body').textContent()).includes(HOSTILE), 'the report shows the name as text');
  assert.equal(await tab.evaluate(() => document.querySelectorAll('script').length), 0, 'the report has no script element');
  await tab.close();

  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-report').click()]);
  const html = fs.readFileSync(await download.path(), 'utf8');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;'), 'the report escapes the name');
  assert.ok(!/<script/i.test(html), 'the report has no script element');

  await page.waitForTimeout(300);
  assert.deepEqual(dialogs, [], 'no dialog fired');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('accessibility: axe finds no serious or critical violation', { timeout: 180000 }, async () => {
  // axe is injected as a script tag, which the app's CSP (script-src 'self') would block.
  const page = await newPage({ bypassCSP: true });
  await page.goto(baseUrl);
  await page.getByLabel('用户名').waitFor();
  await axeCheck(page, 'login page');
  await page.getByLabel('用户名').fill('admin');
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { level: 1, name: '企业' }).waitFor();
  await page.waitForSelector('.ent-link');
  await axeCheck(page, 'enterprise list');
  await page.getByRole('link', { name: '新建企业' }).click();
  await page.getByLabel('统一社会信用代码').pressSequentially('91320205MA1Y8KQ38X');
  await page.locator('#ne-uscc-msg.bad').waitFor();
  await axeCheck(page, 'new enterprise form');
  await page.goto(`${baseUrl}#/enterprise/1`);
  await page.locator('#start-assessment').waitFor();
  await axeCheck(page, 'enterprise page');
  // The demo assessment has every module answered, with evidence slots and N/A options.
  for (const m of ['profile', SME, 'smart-factory-2025', 'cmmm']) {
    await page.goto(`${baseUrl}#/assessment/1/${m}`);
    await page.locator('.qform').waitFor();
    await page.locator('.live-item').first().waitFor();
    const firstEv = page.locator('.q-tools .tool-btn[aria-controls$="-ev"]').first();
    await firstEv.click();
    await axeCheck(page, `assessment form (${m})`);
  }
  await page.goto(`${baseUrl}#/assessment/1/results`);
  await page.locator('.result').first().waitFor();
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  await axeCheck(page, 'results view');
  await page.locator('#lang-toggle').click();
  await page.getByRole('heading', { name: 'Results' }).waitFor();
  await page.locator('.result').first().waitFor();
  await axeCheck(page, 'results view (English)');
  await page.locator('#lang-toggle').click();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

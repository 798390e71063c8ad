// Languages as catalogues (issue 12 item 4, issue 14 item 11), in Debian's Chromium.
//  1. A third language and a fifth questionnaire added as files to a copy of the data root
//     (tests/data/extension) appear in the UI with no code change; missing keys fall back.
//  2. English mode shows no Chinese except what the enterprise typed, documents cited by name (and
//     quotations of their text, marked lang="zh-CN"), language names and the definitions' glosses.
//  3. Chinese mode shows the server's errors in Chinese.
// Env: ASSESS_BIN (default build/assess), CHROMIUM (default /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startServer } from './support.mjs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const bin = process.env.ASSESS_BIN || path.join(root, 'build', 'assess');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const fixture = path.join(root, 'tests', 'data', 'extension');
const CJK = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;

let browser;
const servers = [];
const tmpDirs = [];

before(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
});

after(async () => {
  if (browser) await browser.close();
  for (const s of servers) {
    s.server.kill('SIGTERM');
    fs.rmSync(s.dataDir, { recursive: true, force: true });
  }
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

async function serve(args = []) {
  const s = await startServer({ bin, root, prefix: 'assess-lang-', args });
  servers.push(s);
  return s;
}

async function login(page, url, password, lang) {
  await page.goto(url);
  await page.locator('#login-name').waitFor(); // the app has started (and stored its language)
  await page.evaluate((l) => window.localStorage.setItem('assess.lang', l), lang);
  await page.reload();
  await page.locator('#login-name').fill('admin');
  await page.locator('#login-password').fill(password);
  await page.locator('form button[type="submit"]').first().click();
  await page.locator('table.list a[href^="#/enterprise/"]').first().waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
}

// Every piece of visible text with Chinese characters or full-width punctuation left after the
// allowed strings are cut out.
async function chineseLeft(page, allowed) {
  const texts = await page.evaluate(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      // Text marked as Chinese (a quotation of an official text) is Chinese on purpose.
      if (!el || el.closest('script, style, noscript, [hidden], [lang|="zh"]')) continue;
      const text = n.textContent.trim();
      if (text) out.push(text);
    }
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
      for (const a of ['aria-label', 'title', 'placeholder']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
    }
    return out;
  });
  const left = [];
  for (const t of texts) {
    let rest = t;
    for (const a of allowed) if (a && rest.includes(a)) rest = rest.split(a).join(' ');
    if (CJK.test(rest)) left.push(t);
  }
  return [...new Set(left)];
}

// Strings with Chinese the English UI may show: what the enterprise entered (the demo's answers
// and notes) and the names and numbers of the documents cited (sources, policies, cites).
function allowedChinese() {
  const out = new Set();
  const collect = (v, keyOk) => {
    if (typeof v === 'string') {
      if (keyOk && CJK.test(v)) out.add(v);
    } else if (Array.isArray(v)) {
      for (const x of v) collect(x, keyOk);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) collect(x, keyOk || ['cite', 'reference', 'number', 'document', 'issuer'].includes(k));
    }
  };
  // Chinese terms and place names the definitions' own English texts quote (专精特新, 锡山, 基础级):
  // glosses written by the data's authors, shown as written. Each run of Chinese in an "en" text.
  const glosses = (v) => {
    if (Array.isArray(v)) v.forEach(glosses);
    else if (v && typeof v === 'object') {
      if (typeof v.en === 'string') for (const m of v.en.match(/[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+/g) || []) out.add(m);
      Object.values(v).forEach(glosses);
    }
  };
  // Language names are written in their own language (the switch offers "中文").
  for (const f of fs.readdirSync(path.join(root, 'web/i18n'))) {
    if (!f.endsWith('.json')) continue;
    const c = JSON.parse(fs.readFileSync(path.join(root, 'web/i18n', f), 'utf8'));
    out.add(c['@name']);
    out.add(c['@switch_to']);
  }
  const demo = JSON.parse(fs.readFileSync(path.join(root, 'questionnaires/demo/assessment.json'), 'utf8'));
  collect(demo, true);
  for (const dir of ['questionnaires', 'policies']) {
    for (const f of fs.readdirSync(path.join(root, dir), { recursive: true })) {
      if (!String(f).endsWith('.json')) continue;
      const doc = JSON.parse(fs.readFileSync(path.join(root, dir, f), 'utf8'));
      collect(doc, false);
      glosses(doc);
      for (const s of doc.sources || []) collect(s.title, true);
      for (const d of doc.documents || []) collect(d, true);
      if (doc.document) collect(doc.document, true);
    }
  }
  // Place names (GB/T 2260) and industry names (GB/T 4754) the code lists give only in Chinese:
  // shown beside their codes as the official names, like a cited document's title.
  for (const list of ['regions.json', 'industries.json']) {
    const doc = JSON.parse(fs.readFileSync(path.join(root, 'questionnaires/profile', list), 'utf8'));
    for (const c of doc.codes) if (!c.name_en) out.add(c.name);
  }
  return [...out].sort((a, b) => b.length - a.length);
}

test('a third language and a fifth questionnaire added as files appear in the UI, with fallback', async () => {
  const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'assess-ext-root-'));
  tmpDirs.push(dataRoot);
  for (const d of ['questionnaires', 'policies', 'templates', 'web']) fs.cpSync(path.join(root, d), path.join(dataRoot, d), { recursive: true });
  fs.cpSync(path.join(fixture, 'questionnaires'), path.join(dataRoot, 'questionnaires'), { recursive: true });
  fs.cpSync(path.join(fixture, 'web'), path.join(dataRoot, 'web'), { recursive: true });
  const { url, password } = await serve(['--data-root', dataRoot]);
  const page = await browser.newPage();
  await login(page, url, password, 'zh-CN');

  const select = page.locator('#lang-select');
  assert.deepEqual(await select.locator('option').allTextContents(), ['中文', 'English', 'Français']);
  await select.selectOption('fr');
  await page.locator('.brand', { hasText: 'Évaluation de la maturité numérique' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
  assert.equal(await page.locator('.top-nav a').first().textContent(), 'Entreprises'); // from fr.json
  await page.getByRole('heading', { level: 1, name: 'Enterprises' }).waitFor(); // fr lacks it: English

  // The made-up questionnaire is offered under its French title on an enterprise page.
  await page.locator('table.list a[href^="#/enterprise/"]').first().click();
  await page.locator('#start-assessment').waitFor();
  assert.ok((await page.locator('fieldset.modules').textContent()).includes("Auto-évaluation énergie fictive (jeu d'essai)"));

  // A server error in French (fr.json has the key), found by its key, not its English text.
  await page.goto(`${url}#/enterprise/99999`);
  await page.getByText('aucune entreprise 99999').waitFor();
  await page.close();
});

test('English mode shows no Chinese except enterprise data and cited document names', async () => {
  const { url, password } = await serve();
  const page = await browser.newPage();
  await login(page, url, password, 'en');
  const allowed = allowedChinese();
  const found = {};
  const check = async (name) => {
    const left = await chineseLeft(page, allowed);
    if (left.length) found[name] = left.slice(0, 15);
  };
  await check('enterprises');
  await page.locator('table.list a[href^="#/enterprise/"]').first().click();
  await page.locator('#start-assessment').waitFor();
  await check('enterprise');
  await page.locator('a[href^="#/assessment/"]').first().click();
  await page.locator('.qform').first().waitFor();
  const tabs = await page.locator('nav.tabs a[data-module], .tabs a[data-module]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const href of tabs) {
    await page.goto(`${url}${href}`);
    await page.locator('.qform').first().waitFor();
    await check(href);
  }
  const results = await page.locator('a[href$="/results"]').first().getAttribute('href');
  await page.goto(`${url}${results}`);
  await page.waitForFunction(() => document.querySelector('#results') && document.querySelectorAll('#results > *').length > 1, null, { timeout: 60000 });
  await check('results');
  assert.deepEqual(found, {}, JSON.stringify(found, null, 1));
  await page.close();
});

test('Chinese mode shows server errors in Chinese', async () => {
  const { url, password } = await serve();
  const page = await browser.newPage();
  await login(page, url, password, 'zh-CN');
  await page.goto(`${url}#/enterprise/99999`);
  await page.getByText('找不到企业 99999').waitFor();
  assert.ok(!(await page.locator('#main').textContent()).includes('no enterprise'));
  await page.close();
});

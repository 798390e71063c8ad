// Browser test of the bureau workspace (区域工作台): import through the file input, ranking, dashboard.
// Run from the project root: node --test tests/browser/
// Env: ASSESS_BIN (default /work/main/build/assess), CHROMIUM (default /usr/bin/chromium),
//      GENERATOR (default /work/main/build/bench/generate_enterprises), SCREENSHOT_DIR (optional).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
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
const bin = process.env.ASSESS_BIN || '/work/main/build/assess';
const generator = process.env.GENERATOR || path.join(path.dirname(bin), 'bench', 'generate_enterprises');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const axePath = require.resolve('axe-core/axe.min.js');
const shots = process.env.SCREENSHOT_DIR || '';

let server;
let dataDir;
let tmpDir;
let baseUrl;
let password;
let browser;
let csvPath;

const COLUMNS = ['uscc', 'name', 'region', 'industry', 'employees', 'revenue_last_year', 'sme_quality_tier', 'smart_factory_tier',
  'green_factory_level', 'digital_rd_tools', 'key_process_cnc_rate', 'sme-digital-2024.level', 'sme-digital-2024.total',
  'smart-factory-2025.level'];

function csvCell(v) {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// The generator's JSON (facts.profile + facts.results) as the CSV of `assess import`.
function toCsv(list) {
  const lines = [COLUMNS.join(',')];
  for (const e of list) {
    const p = (e.facts && e.facts.profile) || {};
    const r = (e.facts && e.facts.results) || {};
    lines.push(COLUMNS.map((c) => {
      // The SME pilot criteria rank by the total's gap to 二级, so the total is imported as well.
      const m = c.match(/^(.+)\.(level|total)$/);
      return csvCell(m ? r[m[1]] && r[m[1]][m[2]] : p[c]);
    }).join(','));
  }
  return `${lines.join('\n')}\n`;
}


async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
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
  if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: false });
}

before(async () => {
  assert.ok(fs.existsSync(bin), `ASSESS_BIN ${bin} does not exist; build first (cmake --build build)`);
  assert.ok(fs.existsSync(generator), `${generator} does not exist; build first (cmake --build build)`);
  assert.ok(fs.existsSync(chromiumPath), `${chromiumPath} is missing: apt-get install chromium (make setup does it)`);
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assess-bureau-in-'));
  const jsonPath = path.join(tmpDir, 'x.json');
  execFileSync(generator, ['30', '3', jsonPath], { stdio: 'ignore' });
  const list = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  assert.equal(list.length, 30);
  csvPath = path.join(tmpDir, 'candidates.csv');
  fs.writeFileSync(csvPath, toCsv(list));
  ({ server, dataDir, url: baseUrl, password } = await startServer({ bin, root, prefix: 'assess-bureau-' }));
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
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
});

test('bureau workspace: import, ranking, dashboard, accessibility', { timeout: 180000 }, async () => {
  const page = await newPage();
  // axe is injected as a script tag, which the app's CSP (script-src 'self') would block.
  await page.context().route('**/*', async (route) => {
    // A request still in flight when the test closes the browser ends here; that is not a failure.
    try {
      const res = await route.fetch();
      const headers = { ...res.headers() };
      delete headers['content-security-policy'];
      await route.fulfill({ response: res, headers });
    } catch (e) {
      if (!/disposed|closed|Target/.test(String(e))) throw e;
    }
  });
  await login(page);

  // The navigation entry, reached by keyboard.
  const nav = page.getByRole('link', { name: '区域工作台' });
  await nav.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: '区域工作台' }).waitFor();
  assert.equal(await page.locator('#bureau-tab-import').getAttribute('aria-current'), 'page');

  // (1) import through the file input
  await page.getByLabel('数据文件（CSV 或 JSON）').setInputFiles(csvPath);
  await page.getByRole('button', { name: '导入', exact: true }).click();
  await page.locator('#b-import-summary').waitFor();
  const stat = async (k) => (await page.locator(`[data-stat="${k}"] dd`).textContent()).trim();
  assert.equal(await stat('rows'), '30');
  assert.equal(await stat('imported'), '30');
  assert.equal(await stat('added'), '30');
  assert.equal(await stat('updated'), '0');
  await shot(page, 'bureau-import');
  await axeCheck(page, 'bureau import');

  // Importing again updates the same records.
  await page.getByRole('button', { name: '导入', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('[data-stat="updated"] dd')?.textContent === '30');

  // (2) ranking
  await page.locator('#bureau-tab-rank').click();
  await page.getByLabel('排序条件').waitFor();
  await page.getByLabel('排序条件').selectOption('sme-digital-pilot-l2');
  await page.getByLabel('前 N 名').fill('3');
  await page.getByRole('button', { name: '排序', exact: true }).click();
  await page.locator('#b-rank-table tbody tr').first().waitFor();
  const rows = await page.locator('#b-rank-table tbody tr').count();
  assert.ok(rows >= 1, 'at least one ranked row');
  assert.match(await page.locator('#b-rank-table tbody tr').first().locator('.b-expl').textContent(), /第1名/);
  assert.equal(await page.locator('#b-rank-table tbody tr.in-top').count(), Math.min(3, rows));
  await page.locator('#b-sensitivity').waitFor();
  assert.match(await page.locator('#b-sensitivity').textContent(), /前3名/);
  assert.match(await page.locator('#b-ineligible summary').textContent(), /不符合条件的企业（\d+ 家）/);
  await shot(page, 'bureau-rank');
  await axeCheck(page, 'bureau ranking');

  // (3) dashboard
  await page.locator('#bureau-tab-dashboard').click();
  await page.getByLabel('地区代码').fill('320205');
  await page.getByLabel('地区代码').press('Enter');
  await page.locator('#b-figures > li').first().waitFor();
  const figures = await page.locator('#b-figures > li').count();
  assert.ok(figures >= 1, 'the dashboard shows figures');
  assert.equal(await page.locator('#b-figures svg.b-bar').count(), figures, 'one bar per figure');
  // 320205 has fewer than 5 records in this data: the figures are suppressed.
  assert.ok(await page.locator('#b-figures .b-suppressed').count() >= 1);
  assert.match(await page.locator('#b-figures').textContent(), /少于5家，不显示/);
  await shot(page, 'bureau-dashboard-320205');
  await axeCheck(page, 'bureau dashboard (suppressed)');

  // A wider region has published figures with met/unmet targets.
  await page.getByLabel('地区代码').fill('32');
  await page.getByRole('button', { name: '查看看板' }).click();
  await page.waitForFunction(() => document.querySelector('#b-dash-counts')?.textContent.includes('地区 32：'));
  assert.ok(await page.locator('#b-figures .b-figure:not(.suppressed)').count() >= 1);
  assert.ok(await page.locator('#b-figures .b-met').filter({ hasText: /^(达标|未达标)$/ }).count() >= 1);
  await shot(page, 'bureau-dashboard-32');
  await axeCheck(page, 'bureau dashboard');

  // English
  await page.locator('#lang-toggle').click();
  await page.getByRole('heading', { level: 1, name: 'Bureau' }).waitFor();
  await page.getByRole('button', { name: 'Show dashboard' }).waitFor();
  await page.locator('#b-figures > li').first().waitFor();
  await axeCheck(page, 'bureau dashboard (English)');
  await page.locator('#lang-toggle').click();
  await page.getByRole('heading', { level: 1, name: '区域工作台' }).waitFor();

  assert.deepEqual(page.errors, [], `page errors: ${page.errors.join('\n')}`);
  await page.context().close();
});

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
  await page.getByLabel('数据文件（XLSX、CSV 或 JSON）').setInputFiles(csvPath);
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
  // Exactly: the ranking form's "地区代码（可选）" contains these words too.
  await page.getByLabel('地区代码', { exact: true }).fill('320205');
  await page.getByLabel('地区代码', { exact: true }).press('Enter');
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

// ---------------------------------------------------------------------------------------------
// The bureau's year (issue 15): an XLSX from another writer (python3-openpyxl: shared strings, a
// styled header, a date column, an empty row in the middle) with bad rows named by spreadsheet row;
// rank; export ranking and dashboard as XLSX and read them back; open an enterprise from the ranking
// and its report; drill down; last year's round beside this year's. zh-CN, then English.

// Debian's Python, which has Debian's python3-openpyxl (a python3 earlier in PATH may not).
const PYTHON = process.env.PYTHON || '/usr/bin/python3';

const XISHAN = [
  // [USCC first 17, name, region as a name, employees, revenue, tier, CNC %]
  ['91320205MA1Y8KQ3', '锡山甲', '无锡市锡山区', 300, 5000, '基础级', 60],
  ['91320205MA1Y8KQ4', '锡山乙', '无锡市锡山区', 320, 6000, '尚无', 40],
  ['91320205MA1Y8KQ5', '锡山丙', '锡山区', 280, 4000, '基础级', 55],
  ['91320205MA1Y8KQ6', '锡山丁', '320205', 500, 9000, '先进级', 80],
  ['91320205MA1Y8KQ7', '锡山戊', '无锡市锡山区', 260, 3000, '尚无', 30],
];

// GB 32100 check character (the same weights as the server; tests/api_test checks the server's).
function uscc(first17) {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += chars.indexOf(first17[i]) * w[i];
  return first17 + chars[(31 - (sum % 31)) % 31];
}

function pythonXlsx(file, rows, asOf) {
  // Rows after the header; null is an empty row left out of the sheet by openpyxl.
  const script = `
import json, sys, datetime
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
rows = json.loads(sys.argv[2])
wb = Workbook()
ws = wb.active
ws.append(['统一社会信用代码', '企业名称', '生产经营所在地（区县）', '上一年末从业人员数', '上一年度主营业务收入', '智能工厂梯度：已完成自评或已获认定的最高等级', '关键工序数控化率', '数据日期'])
for c in ws[1]:
    c.font = Font(bold=True)
    c.fill = PatternFill('solid', fgColor='DDEEFF')
r = 2
for row in rows:
    if row is not None:
        for i, v in enumerate(row):
            ws.cell(row=r, column=i + 1, value=v)
        d = ws.cell(row=r, column=8, value=datetime.date.fromisoformat(sys.argv[3]))
        d.number_format = 'yyyy-mm-dd'
    r += 1
wb.save(sys.argv[1])
`;
  execFileSync(PYTHON, ['-c', script, file, JSON.stringify(rows), asOf]);
}

function readXlsx(file) {
  const out = execFileSync(PYTHON, ['-c', `
import json, sys
from openpyxl import load_workbook
ws = load_workbook(sys.argv[1]).active
print(json.dumps([[c for c in r] for r in ws.iter_rows(values_only=True)], default=str))
`, file]);
  return JSON.parse(out.toString());
}

async function download(page, click) {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  const file = path.join(tmpDir, `${Date.now()}-${d.suggestedFilename()}`);
  await d.saveAs(file);
  return file;
}

test('the bureau year: openpyxl XLSX, spreadsheet rows, exports read back, record, drill-down, rounds', { timeout: 240000 }, async () => {
  const page = await newPage();
  await login(page);
  const first = uscc(XISHAN[0][0] + '8');

  const rows = XISHAN.map(([u, n, r, e, rev, tier, cnc], i) => [i === 0 ? first : uscc(u + '8'), n, r, e, rev, tier, cnc]);
  // Last year's file: the same firms, fewer at 基础级.
  const lastYear = path.join(tmpDir, 'xishan-2024.xlsx');
  pythonXlsx(lastYear, rows.map((r) => [...r.slice(0, 5), '尚无', r[6] - 10]), '2024-12-31');
  // This year's: row 4 left empty; row 7 has no name; row 8 names no region; row 9 repeats row 2's USCC.
  const thisYear = path.join(tmpDir, 'xishan-2025.xlsx');
  const bad = [[uscc('91320205MA1Y8KQ98'), '', '无锡市锡山区', 10, 10, '尚无', 1],
    [uscc('91320205MA1Y8KQ99'), '锡山错', '火星市', 10, 10, '尚无', 1],
    [rows[1][0], '锡山重复', '无锡市锡山区', 10, 10, '尚无', 1]];
  pythonXlsx(thisYear, [rows[0], rows[1], null, rows[2], rows[3], rows[4], ...bad], '2025-12-31');

  await page.getByRole('link', { name: '区域工作台' }).click();
  await page.getByRole('heading', { level: 1, name: '区域工作台' }).waitFor();
  // The template downloads as XLSX with Chinese column names.
  const template = readXlsx(await download(page, () => page.locator('#b-template-xlsx').click()));
  assert.equal(template[0][0], '统一社会信用代码');
  assert.ok(template[0].includes('近两个自然年度实际技术和设备投资'), 'the 技改 criteria read the investment column');
  assert.equal(template.length, 2);

  const importFile = async (file, round) => {
    await page.locator('#bureau-tab-import').click();
    await page.getByLabel('数据文件（XLSX、CSV 或 JSON）').setInputFiles(file);
    await page.locator('#b-round').selectOption(round);
    await page.getByRole('button', { name: '导入', exact: true }).click();
    await page.locator('#b-import-summary').waitFor();
  };
  await importFile(lastYear, 'update');
  await importFile(thisYear, 'new');
  const issueRows = await page.locator('#b-issues tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.row, tr.dataset.key, tr.textContent]));
  // Rows as Excel shows them: header 1, row 4 empty; the duplicate names rows 3 and 10.
  const byRow = (r) => issueRows.filter((x) => x[0] === String(r)).map((x) => x[1]);
  assert.deepEqual(byRow(8), ['required']);
  assert.deepEqual(byRow(9), ['unknown_region']);
  assert.deepEqual(byRow(3), ['duplicate_uscc']);
  assert.deepEqual(byRow(10), ['duplicate_uscc']);
  assert.match(issueRows.find((x) => x[0] === '8')[2], /必填项为空/);
  assert.match(issueRows.find((x) => x[0] === '10')[2], /在第 3, 10 行重复出现/);
  assert.match(await page.locator('#b-criteria-served').textContent(), /缺少列/);

  // A consultant's assessment of 锡山甲, submitted after the imports (set up through the API as the
  // admin; the bureau's journey is clicks and typing only).
  const assessmentId = await page.evaluate(async (code) => {
    const me = await (await fetch('/api/me')).json();
    const post = (url, body, method = 'POST') => fetch(url, { method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf }, body: JSON.stringify(body) }).then((r) => r.json());
    // The import put 锡山甲 in the enterprise list already (one record per enterprise).
    const found = await (await fetch(`/api/enterprises?q=${code}`)).json();
    const e = found.length ? found[0] : await post('/api/enterprises', { name: '锡山甲', uscc: code, region: '320205' });
    const a = await post(`/api/enterprises/${e.id}/assessments`, { modules: ['profile'], date: '2025-11-30' });
    if (!a.id) return JSON.stringify({ e, a });
    for (const [q, v] of [['name', '锡山甲'], ['uscc', code], ['region', '320205'], ['employees', 300], ['revenue_last_year', 5000], ['smart_factory_tier', 'advanced']]) {
      await post(`/api/assessments/${a.id}/answers/profile/${q}`, v, 'PUT');
    }
    await post(`/api/assessments/${a.id}/submit`, {});
    return a.id;
  }, first);
  assert.ok(assessmentId > 0, String(assessmentId));

  // Rank: the first firm comes from the consultant's assessment; export and read back.
  await page.locator('#bureau-tab-rank').click();
  await page.getByLabel('排序条件').selectOption('xishan-sf-advanced-recommendation');
  await page.getByRole('button', { name: '排序', exact: true }).click();
  await page.locator('#b-rank-export').waitFor();
  const ranking = readXlsx(await download(page, () => page.locator('#b-rank-export .b-export-xlsx').click()));
  assert.equal(ranking[0][1], '统一社会信用代码');
  const exported = ranking.slice(1).map((r) => r[1]);
  for (const r of rows.slice(2)) assert.ok(exported.includes(r[0]), `${r[0]} is in the exported ranking`);
  // The sensitivity table shows the terms' titles, not their ids.
  const sens = await page.locator('#b-sensitivity').textContent();
  assert.doesNotMatch(sens, /\b[a-z]+_[a-z_]+\b/);

  // Open an enterprise from the ranking — 锡山甲 stands in its ineligible list (the assessment says it
  // is recognised at 先进级 already) — by its link: its record, assessment and report.
  await page.locator('#b-ineligible summary').click();
  await page.locator(`#b-ineligible li[data-id="${first}"] a.b-name`).click();
  await page.locator('#b-record-rounds').waitFor();
  assert.match(await page.locator('#b-record-rounds').textContent(), new RegExp(`评估 #${assessmentId}`));
  // Its rounds by year (2024's file, 2025's file, the assessment of 2025-11-30), the last one the latest.
  const rounds = await page.locator('#b-record-rounds tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.cells[1].textContent, !!tr.querySelector('.badge')]));
  assert.deepEqual(rounds, [['2024', false], ['2025', false], ['2025', true]]);
  // (the demo's enterprise has this USCC too, so its demo assessment is listed beside ours)
  const report = page.locator(`.b-record-report[href="/api/assessments/${assessmentId}/report?lang=zh-CN"]`);
  assert.equal(await report.count(), 1);
  const [reportPage] = await Promise.all([page.context().waitForEvent('page'), report.click()]);
  await reportPage.waitForLoadState();
  assert.match(await reportPage.content(), /锡山甲/);
  await reportPage.close();

  // Dashboard: export, drill down, last year's round beside this year's.
  await page.locator('#bureau-tab-dashboard').click();
  await page.getByLabel('地区代码').fill('320205');
  await page.getByRole('button', { name: '查看看板' }).click();
  await page.locator('#b-figures > li').first().waitFor();
  const dash = readXlsx(await download(page, () => page.locator('#b-dash-export .b-export-xlsx').click()));
  assert.equal(dash[0][0], '指标');
  assert.ok(dash.length > 1);
  const history = page.locator('.b-history-table').first();
  await history.waitFor();
  // Last year's round beside this year's (the first test's import, without a date, stands in the
  // year it was saved).
  const years = await history.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.year));
  assert.ok(years.includes('2024') && years.includes('2025'), `years shown: ${years}`);
  const figure = page.locator('#b-figures > li:not(.suppressed)').first();
  await figure.locator('.b-drill-btn').click();
  await figure.locator('.b-drill-result table tbody tr').first().waitFor();
  assert.ok(await figure.locator('.b-drill-result tbody tr').count() >= 1);

  // English: the import's problems in English.
  await page.locator('#lang-toggle').click();
  await page.getByRole('heading', { level: 1, name: 'Bureau' }).waitFor();
  await page.locator('#bureau-tab-import').click();
  await page.getByLabel('Data file (XLSX, CSV or JSON)').setInputFiles(thisYear);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.locator('#b-issues').waitFor();
  assert.match(await page.locator('#b-issues').textContent(), /is required but empty/);
  assert.match(await page.locator('#b-issues').textContent(), /appears on rows 3, 10/);
  // English: rank and export, open the enterprise from the ranking, the dashboard's years and a
  // drill-down.
  await page.locator('#bureau-tab-rank').click();
  await page.getByLabel('Criteria', { exact: true }).selectOption('xishan-sf-advanced-recommendation');
  await page.getByRole('button', { name: 'Rank', exact: true }).click();
  await page.locator('#b-rank-export').waitFor();
  const rankingEn = readXlsx(await download(page, () => page.locator('#b-rank-export .b-export-xlsx').click()));
  assert.equal(rankingEn[0][1], 'USCC');
  for (const r of rows.slice(2)) assert.ok(rankingEn.slice(1).some((x) => x[1] === r[0]), `${r[0]} is in the English export`);
  await page.locator('#b-ineligible summary').click();
  await page.locator(`#b-ineligible li[data-id="${first}"] a.b-name`).click();
  await page.locator('#b-record-rounds').waitFor();
  const reportEn = page.locator(`.b-record-report[href="/api/assessments/${assessmentId}/report?lang=en"]`);
  assert.equal(await reportEn.count(), 1);
  const [reportPageEn] = await Promise.all([page.context().waitForEvent('page'), reportEn.click()]);
  await reportPageEn.waitForLoadState();
  const reportHtmlEn = await reportPageEn.content();
  assert.match(reportHtmlEn, /<html lang="en"/);
  assert.match(reportHtmlEn, /锡山甲/); // the enterprise's name as it was given
  await reportPageEn.close();
  await page.locator('#bureau-tab-dashboard').click();
  await page.getByLabel('Region code', { exact: true }).fill('320205');
  await page.getByRole('button', { name: 'Show dashboard' }).click();
  await page.locator('#b-figures > li').first().waitFor();
  const dashEn = readXlsx(await download(page, () => page.locator('#b-dash-export .b-export-xlsx').click()));
  assert.equal(dashEn[0][0], 'Figure');
  const historyEn = page.locator('.b-history-table').first();
  await historyEn.waitFor();
  const yearsEn = await historyEn.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.year));
  assert.ok(yearsEn.includes('2024') && yearsEn.includes('2025'), `years shown: ${yearsEn}`);
  const figureEn = page.locator('#b-figures > li:not(.suppressed)').first();
  await figureEn.locator('.b-drill-btn').click();
  await figureEn.locator('.b-drill-result table tbody tr').first().waitFor();
  await page.locator('#lang-toggle').click();

  assert.deepEqual(page.errors, [], `page errors: ${page.errors.join('\n')}`);
  await page.context().close();
});

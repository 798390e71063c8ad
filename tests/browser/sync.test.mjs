// Sync in the UI (issue 16, item 3), in Debian's Chromium, in zh-CN and in English: a server and a
// laptop (two `assess serve`, each with the demo data). On the server's Sync page the user makes a
// machine token; on the laptop's Sync page the user types the server and the token and clicks "sync";
// the same answer is then changed on both sides and synced again; the server's Sync page shows the
// conflict with both values, the user clicks "keep this one" on the laptop's value, and the next
// sync brings it to the laptop. The UI is driven by clicks and typing only; the answer changes on
// each side are made through the API (the form has its own tests).
// Env: ASSESS_BIN (default build/assess), CHROMIUM (default /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
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
const catalogue = (tag) => JSON.parse(fs.readFileSync(path.join(root, 'web/i18n', `${tag}.json`), 'utf8'));
const SME = 'sme-digital-2024';

let browser;
const servers = [];

before(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
});

after(async () => {
  if (browser) await browser.close();
  for (const s of servers) {
    s.server.kill('SIGTERM');
    fs.rmSync(s.dataDir, { recursive: true, force: true });
  }
});

// An API session of the admin (setup and checks only).
async function apiSession(url, password) {
  const r = await fetch(`${url}api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'admin', password }),
  });
  assert.equal(r.status, 200);
  const cookie = (r.headers.get('set-cookie') || '').split(';')[0];
  const { csrf } = await r.json();
  return async (method, p, body) => {
    const res = await fetch(`${url}${p.slice(1)}`, {
      method,
      headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

async function login(page, url, password, lang) {
  await page.goto(url);
  await page.locator('#login-name').waitFor();
  await page.evaluate((l) => window.localStorage.setItem('assess.lang', l), lang);
  await page.reload();
  await page.locator('#login-name').fill('admin');
  await page.locator('#login-password').fill(password);
  await page.locator('form button[type="submit"]').first().click();
  await page.locator('#nav-sync').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
}

// The assessments of the demo enterprise, newest last.
async function demoAssessments(call) {
  const [e] = await call('GET', '/api/enterprises?limit=5');
  return (await call('GET', `/api/enterprises/${e.id}`)).assessments;
}

for (const lang of ['zh-CN', 'en']) {
  test(`a conflict is shown and resolved on the Sync page (${lang})`, async () => {
    const text = catalogue(lang);
    const server = await startServer({ bin, root, prefix: 'assess-sync-server-' });
    servers.push(server);
    const laptop = await startServer({ bin, root, prefix: 'assess-sync-laptop-' });
    servers.push(laptop);
    const onServer = await apiSession(server.url, server.password);
    const onLaptop = await apiSession(laptop.url, laptop.password);

    const serverPage = await browser.newPage();
    const laptopPage = await browser.newPage();
    await login(serverPage, server.url, server.password, lang);
    await login(laptopPage, laptop.url, laptop.password, lang);

    // On the server: a machine token, made on the Sync page.
    await serverPage.locator('#nav-sync').click();
    await serverPage.locator('#token-name').fill('laptop');
    await serverPage.locator('#token-add').click();
    const token = (await serverPage.locator('#token-new-value').textContent()).trim();
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal(await serverPage.locator('#conflicts-none').textContent(), text.sy_conflicts_none);

    // On the laptop: type the server and the token, click sync.
    await laptopPage.locator('#nav-sync').click();
    await laptopPage.locator('#sync-server').fill(server.url.replace(/\/$/, ''));
    await laptopPage.locator('#sync-token').fill(token);
    await laptopPage.locator('#sync-run').click();
    const status = laptopPage.locator('#sync-status');
    await status.filter({ hasText: text.sy_done.split('{')[0].trim() }).waitFor({ timeout: 60000 });

    // The laptop's assessment is now on the server, beside the server's own demo assessment.
    const [mine] = await demoAssessments(onLaptop);
    const onServerNow = await demoAssessments(onServer);
    assert.equal(onServerNow.length, 2);
    const copy = onServerNow[1];
    const question = 'raw_equipment_total';
    const before = (await onServer('GET', `/api/assessments/${copy.id}`)).answers[SME][question];
    assert.equal(before, (await onLaptop('GET', `/api/assessments/${mine.id}`)).answers[SME][question]);

    // The same answer changed on both sides, then the laptop syncs again.
    await onServer('PUT', `/api/assessments/${copy.id}/answers/${SME}/${question}`, 311);
    await onLaptop('PUT', `/api/assessments/${mine.id}/answers/${SME}/${question}`, 422);
    await laptopPage.locator('#sync-run').click();
    await status.filter({ hasText: lang === 'en' ? '1 conflicts' : '1 个冲突' }).waitFor({ timeout: 60000 });

    // The server's Sync page lists the conflict with both values, who and when.
    await serverPage.reload();
    const conflict = serverPage.locator('article.conflict');
    await conflict.waitFor();
    assert.equal(await conflict.count(), 1);
    const here = conflict.locator('[data-side="server"]');
    const incoming = conflict.locator('[data-side="incoming"]');
    assert.equal(await here.locator('h4').textContent(), text.sy_side_server);
    assert.equal(await incoming.locator('h4').textContent(), text.sy_side_incoming);
    assert.equal(await here.locator('.conflict-value').textContent(), '311');
    assert.equal(await incoming.locator('.conflict-value').textContent(), '422');
    assert.match(await incoming.textContent(), /admin/);
    assert.equal(await here.locator('button').textContent(), text.sy_keep);

    // Keep the laptop's value.
    await incoming.locator('button').click();
    await serverPage.locator('#conflicts-none').waitFor();
    assert.match(await serverPage.locator('#conflicts-status').textContent(), /422/);
    assert.equal((await onServer('GET', `/api/assessments/${copy.id}`)).answers[SME][question], 422);
    const [latest] = await onServer('GET', `/api/assessments/${copy.id}/audit`);
    assert.deepEqual([latest.old, latest.new, latest.user], [311, 422, 'admin']);

    // The next sync brings the kept value to the laptop.
    await laptopPage.locator('#sync-run').click();
    await status.filter({ hasText: lang === 'en' ? '0 conflicts' : '0 个冲突' }).waitFor({ timeout: 60000 });
    assert.equal((await onLaptop('GET', `/api/assessments/${mine.id}`)).answers[SME][question], 422);

    // The token is revoked on the server's Sync page; the laptop's next sync is refused.
    await serverPage.locator('#token-list button').click();
    await serverPage.locator('#token-list li', { hasText: text.sy_token_revoked.split('{')[0].trim() || 'revoked' }).waitFor();
    await laptopPage.locator('#sync-run').click();
    await status.filter({ hasText: lang === 'en' ? 'revoked' : '吊销' }).waitFor({ timeout: 60000 });
    await serverPage.close();
    await laptopPage.close();
  });
}

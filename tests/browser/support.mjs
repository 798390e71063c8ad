// support.mjs — shared by the browser tests (not a test file itself): starts `assess serve` with the
// demo data on a free port and reads its URL and the admin's one-time password from stdout.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The first start's one-time password must be replaced before the API allows anything else; the
// tests log in with the replacement.
async function replaceOneTimePassword(url, oneTime) {
  const login = await fetch(`${url}api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'admin', password: oneTime }),
  });
  if (!login.ok) throw new Error(`login with the one-time password: ${login.status} ${await login.text()}`);
  const cookie = (login.headers.get('set-cookie') || '').split(';')[0];
  const { csrf } = await login.json();
  const password = `browser-${oneTime}`;
  const r = await fetch(`${url}api/password`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
    body: JSON.stringify({ current_password: oneTime, new_password: password }),
  });
  if (!r.ok) throw new Error(`replacing the one-time password: ${r.status} ${await r.text()}`);
  return password;
}

// Resolves to { server, dataDir, url, password, oneTime }; rejects when the server exits or is silent
// 20 s. With keepOneTime the one-time password is left for the test to replace (password is then
// the one-time password).
// `args` are added to the command line (e.g. ['--data-root', dir]).
export function startServer({ bin, root, prefix, keepOneTime = false, args = [] }) {
  return new Promise((resolve, reject) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const server = spawn(bin, ['serve', '--port', '0', '--data-dir', dataDir, '--demo', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`assess serve did not start in 20 s\n${out}\n${err}`)), 20000);
    server.stdout.on('data', (d) => {
      out += d.toString();
      const u = out.match(/assess is running at (http:\/\/[^\s/]+\/)/);
      const p = out.match(/one-time password (\S+)/);
      if (u && p) {
        clearTimeout(timer);
        if (keepOneTime) {
          resolve({ server, dataDir, url: u[1], password: p[1], oneTime: p[1] });
          return;
        }
        replaceOneTimePassword(u[1], p[1]).then(
          (password) => resolve({ server, dataDir, url: u[1], password }),
          (e) => reject(e),
        );
      }
    });
    server.stderr.on('data', (d) => {
      err += d.toString();
    });
    server.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`assess serve exited with ${code}\n${out}\n${err}`));
    });
  });
}

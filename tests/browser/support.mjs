// support.mjs — shared by the browser tests (not a test file itself): starts `assess serve` with the
// demo data on a free port and reads its URL and the admin's one-time password from stdout.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Resolves to { server, dataDir, url, password }; rejects when the server exits or is silent 20 s.
export function startServer({ bin, root, prefix }) {
  return new Promise((resolve, reject) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const server = spawn(bin, ['serve', '--port', '0', '--data-dir', dataDir, '--demo'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`assess serve did not start in 20 s\n${out}\n${err}`)), 20000);
    server.stdout.on('data', (d) => {
      out += d.toString();
      const u = out.match(/assess is running at (http:\/\/[^\s/]+\/)/);
      const p = out.match(/one-time password (\S+)/);
      if (u && p) {
        clearTimeout(timer);
        resolve({ server, dataDir, url: u[1], password: p[1] });
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

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isolatedEnv, makeTempDir, waitFor, type TempDir } from '../support/temp';

/**
 * The kiosk fallback (nspawn/aios-session without Electron) puts no secret on
 * any command line: chromium is given a 0600 login page, not a token URL.
 * The compositor is a stand-in that records its argv (there is no display
 * here for a real cage); `aios` is the built CLI of this checkout.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(root, 'out', 'main', 'cli.js');
const NODE = path.join(root, 'node_modules', '.bin', 'node');

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('aios-kiosk-argv-');
});
afterEach(() => tmp.cleanup());

function cmdlines(): Array<{ pid: string; argv: string }> {
  const out: Array<{ pid: string; argv: string }> = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      out.push({ pid, argv: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // The process ended meanwhile.
    }
  }
  return out;
}

describe('the kiosk session (web fallback)', () => {
  it("gives chromium a login page, and no process's command line holds the ticket or the secret", async () => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    const home = tmp.join('home');
    const runtime = tmp.join('runtime');
    fs.mkdirSync(home);
    fs.mkdirSync(runtime, { mode: 0o700 });
    const aios = tmp.join('aios');
    fs.writeFileSync(aios, `#!/bin/sh\nexec ${JSON.stringify(NODE)} ${JSON.stringify(CLI)} "$@"\n`, { mode: 0o755 });
    const argvFile = tmp.join('cage.argv');
    const cage = tmp.join('cage');
    // Records its argv, then stands in for the compositor until the session is stopped.
    fs.writeFileSync(cage, `#!/bin/sh\nprintf '%s\\n' "$@" > ${JSON.stringify(argvFile)}\nexec sleep 600\n`, { mode: 0o755 });
    const env = isolatedEnv(home, {
      XDG_RUNTIME_DIR: runtime,
      AIOS: aios,
      AIOS_APP_DIR: tmp.join('no-app'),
      CAGE: cage,
      AIOS_CHROMIUM: 'chromium',
      LANG: 'C.UTF-8',
      OLLAMA_HOST: '127.0.0.1:9',
    });
    const session = spawn(path.join(root, 'nspawn', 'aios-session'), [], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let said = '';
    session.stderr.on('data', (d: Buffer) => (said += d.toString()));
    const ended = new Promise<void>((resolve) => session.once('exit', () => resolve()));
    try {
      await waitFor(
        () => fs.existsSync(argvFile) && fs.readFileSync(argvFile, 'utf8').includes('file://'),
        60_000,
        `cage to start (session said: ${said})`,
      );
      const argv = fs.readFileSync(argvFile, 'utf8').split('\n').filter(Boolean);
      const last = argv[argv.length - 1]!;
      expect(last).toMatch(/^file:\/\/.+\/login\.html$/);
      const loginPage = last.slice('file://'.length);
      expect(fs.statSync(loginPage).mode & 0o777).toBe(0o600);
      const page = fs.readFileSync(loginPage, 'utf8');
      const ticket = /[?&]ticket=([A-Za-z0-9_.-]+)/.exec(page)?.[1];
      expect(ticket).toBeDefined();
      const state = JSON.parse(fs.readFileSync(path.join(home, '.local', 'share', 'aios', 'web.json'), 'utf8')) as { address: string };
      expect(fs.statSync(path.join(home, '.local', 'share', 'aios', 'web.json')).mode & 0o777).toBe(0o600);
      const secretFile = path.join(home, '.local', 'share', 'aios', 'secrets', 'web-secret');
      expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
      const secret = fs.readFileSync(secretFile, 'utf8').trim();
      // Neither chromium's argv nor any process's command line on the machine (`ps aux`) holds a secret.
      expect(argv.join(' ')).not.toContain(ticket!);
      expect(argv.join(' ')).not.toContain('ticket=');
      for (const p of cmdlines()) {
        expect(p.argv, `pid ${p.pid}`).not.toContain(ticket!);
        expect(p.argv, `pid ${p.pid}`).not.toContain(secret);
      }
      // And the journal (the session's stderr) names the address, not the ticket.
      expect(said).toContain(`http://${state.address}:`);
      expect(said).not.toContain(ticket!);
    } finally {
      if (session.exitCode === null) process.kill(-session.pid!, 'SIGTERM');
      await ended;
    }
  }, 90_000);
});

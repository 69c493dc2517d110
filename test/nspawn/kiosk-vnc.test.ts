import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/process';
import { makeTempDir, waitFor, type TempDir } from '../support/temp';
import { gate, missingRequirement, nspawnDir, resultsDir } from './helpers';
import { distance, flat, luminance, readPng, thumbnail, type Frame } from './image';
import { captureVnc } from './vnc-capture';

// The kiosk user of this test: any uid that is not root will do; nobody's
// exists on every Debian machine.
const UID = 65534;
const GID = 65534;
const CHROMIUM = process.env.AIOS_CHROMIUM ?? '/usr/bin/chromium';
const g = gate(missingRequirement(['cage', 'wayvnc', 'gvnccapture', 'Xwayland', 'setpriv', CHROMIUM], true));

let tmp: TempDir;
const children: ChildProcess[] = [];
beforeEach(() => {
  tmp = makeTempDir('aios-kiosk-');
  fs.chmodSync(tmp.path, 0o755);
});
afterEach(async () => {
  // Each child leads its own process group (detached): end the group, so cage,
  // chromium and aios web go with the script that started them.
  for (const child of children.splice(0)) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group has ended
    }
  }
  tmp.cleanup();
});

/** Runs a command as the kiosk user, in a process group of its own. */
function asKioskUser(command: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn('setpriv', [`--reuid=${UID}`, `--regid=${GID}`, '--clear-groups', '--', ...command], {
    env,
    cwd: tmp.path,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

function kioskDir(name: string): string {
  const dir = tmp.join(name);
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.chownSync(dir, UID, GID);
  return dir;
}

describe.skipIf(g.skip)('the kiosk session, headless, seen over VNC', () => {
  it('falls back to chromium on aios web without Electron, and a VNC client on loopback sees the chat', async () => {
    g.check();
    if (!fs.existsSync(path.join(repoRoot, 'out/renderer/index.html'))) throw new Error('the renderer is not built (out/renderer): run npm run build');
    const home = kioskDir('home');
    const runtime = kioskDir('runtime');
    // The kiosk follows [ui] theme (no colour-scheme flag): dark here, while the reference browser asks for light.
    const configDir = path.join(home, '.config', 'syui', 'ai');
    fs.mkdirSync(configDir, { recursive: true });
    fs.writeFileSync(path.join(configDir, 'config.toml'), '[ui]\ntheme = "dark"\n');
    for (const p of [path.join(home, '.config'), path.join(home, '.config', 'syui'), configDir, path.join(configDir, 'config.toml')]) fs.chownSync(p, UID, GID);
    const base = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      AIOS_CONFIG_DIR: path.join(home, '.config', 'syui', 'ai'),
      XDG_RUNTIME_DIR: runtime,
      LANG: 'C.UTF-8',
    };

    // The machine's launcher and session script, against this checkout.
    // Chromium's sandbox needs user namespaces this test machine does not give
    // a non-root user, and there is no GPU: the flags a kiosk.env would set.
    const session = asKioskUser([path.join(nspawnDir, 'aios-session')], {
      ...base,
      WLR_BACKENDS: 'headless',
      WLR_RENDERER: 'pixman',
      WLR_LIBINPUT_NO_DEVICES: '1',
      AIOS: path.join(nspawnDir, 'aios'),
      AIOS_APP_DIR: repoRoot,
      AIOS_CHROMIUM: CHROMIUM,
      AIOS_CHROMIUM_FLAGS: '--no-sandbox --disable-gpu',
    });
    const socket = path.join(runtime, 'wayland-0');
    await waitFor(() => fs.existsSync(socket) && /aios web is serving on/.test(session.output()), 60_000, `cage's socket and aios web (session said: ${session.output().slice(0, 2000)})`);
    expect(session.output()).toMatch(/aios-session: Electron is not available \(.+\); falling back to aios web in cage -- \S*chromium --kiosk/);
    // No login secret in the journal or in what aios web printed: the kiosk logs in through a 0600 page.
    expect(session.output()).not.toMatch(/ticket=|token=/);
    const web = fs.readdirSync(runtime).find((n) => n.startsWith('aios-session.'));
    const printed = /serving on (http:\S+)/.exec(fs.readFileSync(path.join(runtime, web!, 'web.out'), 'utf8'))?.[1];
    expect(printed).toMatch(/^http:\/\/127\.\d+\.\d+\.\d+:\d+\/$/);
    // The reference browser logs in the way a second browser would: a fresh one-time link from the install.
    const login = asKioskUser([path.join(nspawnDir, 'aios'), 'web', '--login-url'], { ...base, AIOS_APP_DIR: repoRoot });
    await new Promise<void>((resolve) => login.child.once('exit', () => resolve()));
    const url = /(http:\/\/\S+)/.exec(login.output())?.[1];
    expect(url, `aios web --login-url said: ${login.output()}`).toBeDefined();

    const port = await freePort();
    const vncConfig = tmp.join('wayvnc.config');
    fs.writeFileSync(vncConfig, `address=127.0.0.1\nport=${port}\n`);
    const vnc = asKioskUser([path.join(nspawnDir, 'aios-vnc'), '--disable-input'], { ...base, AIOS_VNC_CONFIG: vncConfig });
    await waitFor(() => accepts(port), 30_000, `wayvnc on 127.0.0.1:${port} (it said: ${vnc.output()})`);

    // What the chat looks like at the VNC screen's size, drawn by a plain
    // headless Chromium from the same aios web.
    fs.mkdirSync(resultsDir, { recursive: true });
    const capture = path.join(resultsDir, 'kiosk-vnc.png');
    const first = await captureVnc('127.0.0.1', port, capture);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    let reference: Frame;
    try {
      // The reference asks for a light scheme: the page is dark only because config.toml says so.
      const page = await browser.newPage({ viewport: { width: first.width, height: first.height }, colorScheme: 'light' });
      await page.goto(url!);
      await page.getByRole('main', { name: 'Conversation' }).waitFor({ state: 'visible', timeout: 30_000 });
      await page.locator('footer[aria-label="Status"]').waitFor({ state: 'visible', timeout: 30_000 });
      await page.waitForTimeout(500); // let fonts and the status settle before the picture
      reference = readPng(await page.screenshot({ path: path.join(resultsDir, 'kiosk-reference.png') }));
    } finally {
      await browser.close();
    }
    const want = thumbnail(reference);
    // "Close" is a third of the way from the chat to a flat screen of its
    // average colour: a blank screen cannot pass, nor an error page.
    const close = distance(want, flat(want)) / 3;

    // The kiosk may still be loading: look until the screen matches, then judge.
    let frame = first;
    let far: number;
    const until = Date.now() + 60_000;
    for (;;) {
      far = distance(thumbnail(frame), want);
      if (far < close || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 1000));
      frame = await captureVnc('127.0.0.1', port, capture);
    }
    const got = thumbnail(frame);
    const stats = { size: `${frame.width}x${frame.height}`, toReference: far, close, toFlat: distance(got, flat(got)), referenceToFlat: distance(want, flat(want)), luminance: luminance(got) };
    console.log(`test/nspawn: VNC capture ${capture}: ${JSON.stringify(stats)}`);

    // Close to the chat as Chromium draws it, far from a blank screen of any
    // colour, and dark ([ui] theme = "dark"; an error page is white).
    expect(stats.referenceToFlat, 'the reference itself is nearly flat: the chat did not render').toBeGreaterThan(6);
    expect(stats.toReference, `the VNC capture (${capture}) does not look like the chat`).toBeLessThan(close);
    expect(stats.toFlat).toBeGreaterThan(stats.referenceToFlat / 2);
    expect(stats.luminance).toBeLessThan(90);
    expect(session.child.exitCode).toBeNull();
  }, 240_000);
});

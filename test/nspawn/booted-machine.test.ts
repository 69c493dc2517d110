/**
 * The aios machine, booted: the Debian root from `nspawn/build-rootfs
 * --distro debian`, unpacked twice as nspawn/install does for `--machine
 * aios-dev --machine aios-prod`, each booted by systemd-nspawn with its
 * settings rendered from nspawn/aios.nspawn (PrivateUsers=pick, the idmapped
 * shared memory folder, a private network). Everything is checked on the
 * real console (driven through tmux), the real units (nsenter + systemctl)
 * and a real VNC picture. The only stand-in is the model: the scripted
 * OpenAI-compatible server, reached through a unix socket (llm-bridge.ts).
 *
 * Set AIOS_TEST_ROOTFS=FILE to boot an archive built before instead of
 * building one (for working on this test; CI always builds).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from '@playwright/test';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLlmServer, type LlmServer } from '../support/llm-server';
import { repoRoot } from '../support/process';
import { makeTempDir, type TempDir } from '../support/temp';
import { withAiSettings } from '../../src/core/setup/ai-section';
import { buildHelloDeb, respond } from './demo-model';
import { gate, missingRequirement, nspawnDir, resultsDir } from './helpers';
import { distance, flat, luminance, readPng, thumbnail } from './image';
import { addForwarderUnit, BRIDGE_IN_MACHINE, MODEL_PORT_IN_MACHINE, startHostBridge, type HostBridge } from './llm-bridge';
import { addKioskDebugDropIn, forwardIntoNetwork, KIOSK_CDP_PORT, kioskPage, vncShowsPage } from './kiosk-cdp';
import { KIOSK_UID, Machine, renderSettings, unpackRootfs } from './machine';
import { podmanStore, type PodmanStore } from './podman';
import { stopTmux } from './tmux-console';
import { APPROVAL, hashTrees, packageGone, PROMPT, RAN_AS_TRANSACTION, runApproving } from './undo-checks';
import { captureVnc, freeVncPort } from './vnc-capture';

const g = gate(missingRequirement(['systemd-nspawn', 'mmdebstrap', 'nsenter', 'tmux', 'zstd', 'dpkg-deb', 'gvnccapture', 'npm'], true));
const DEB_CACHE = '/var/cache/aios-test/debs';
const PREVIEWED = /preview \(nothing was changed\):/;

let tmp: TempDir;
let llm: LlmServer;
let bridge: HostBridge;
let memoryDir: string;
const tmuxSocket = `aios-test-${process.pid}`;
const machines: Record<string, Machine> = {};
const timings: Record<string, number> = {};

const run = promisify(execFile);

function hostNotes(text: string): void {
  console.log(`test/nspawn/booted-machine: ${text}`);
}

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    timings[name] = Math.round((performance.now() - start) / 100) / 10;
  }
}

// The root is built once per run of this file and shared by both suites.
let rootTmp: TempDir | undefined;
let rootfs: Promise<string> | undefined;
function sharedRootfs(): Promise<string> {
  rootfs ??= (async () => {
    rootTmp = makeTempDir('aios-rootfs-');
    return rootfsArchive(rootTmp);
  })();
  return rootfs;
}
afterAll(() => rootTmp?.cleanup());

function rootfsArchive(dir: TempDir): string {
  const given = process.env.AIOS_TEST_ROOTFS;
  if (given && !process.env.CI) {
    if (!fs.existsSync(given)) throw new Error(`AIOS_TEST_ROOTFS=${given} does not exist`);
    hostNotes(`booting the archive given in AIOS_TEST_ROOTFS (${given}), not building one`);
    return given;
  }
  for (const f of ['out/main/cli.js', 'node_modules/node/bin/node']) {
    if (!fs.existsSync(path.join(repoRoot, f))) throw new Error(`${f} is missing: run npm ci && npm run build first (the Debian root copies the built app)`);
  }
  const out = dir.join('aios-rootfs.tar.zst');
  // The downloaded .debs are kept between runs on this machine (apt checks
  // each against the signed index); the root itself is built fresh each run.
  const r = spawnSync(path.join(nspawnDir, 'build-rootfs'), ['--distro', 'debian', '--out', out, '--uid', String(KIOSK_UID), '--cache', DEB_CACHE], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`build-rootfs failed (status ${r.status}):\n${r.stderr.slice(-4000)}`);
  return out;
}

describe.skipIf(g.skip)('the aios machine booted (Debian root, aios.nspawn settings), aios-dev and aios-prod at once', () => {
  beforeAll(async () => {
    g.check();
    tmp = makeTempDir('aios-booted-');
    fs.chmodSync(tmp.path, 0o755);
    const archive = await timed('build-rootfs', sharedRootfs);
    hostNotes(`rootfs ${archive}: ${(fs.statSync(archive).size / 1e6).toFixed(0)} MB`);

    // The host user's ~/.config/syui/ai, shared by both machines (uid 1000 =
    // the machines' `ai`), with the shipped config pointed at the model.
    const home = tmp.join('home');
    memoryDir = path.join(home, '.config/syui/ai');
    fs.mkdirSync(path.join(memoryDir, 'gpt'), { recursive: true, mode: 0o700 });
    for (const dir of [path.join(home, '.config'), path.join(home, '.config/syui'), memoryDir, path.join(memoryDir, 'gpt')]) fs.chownSync(dir, KIOSK_UID, KIOSK_UID);
    // The shipped file with [ai] filled in, as the setup form would write it.
    const shipped = fs.readFileSync(path.join(repoRoot, 'cfg/config.toml'), 'utf8');
    const config = withAiSettings(shipped, { base_url: `http://127.0.0.1:${MODEL_PORT_IN_MACHINE}/v1`, model: 'scripted', api_key_env: 'OPENAI_API_KEY' }, 'cfg/config.toml');
    fs.writeFileSync(path.join(memoryDir, 'config.toml'), config, { mode: 0o600 });
    fs.chownSync(path.join(memoryDir, 'config.toml'), KIOSK_UID, KIOSK_UID);

    llm = await startLlmServer();
    llm.setResponder(respond);
    bridge = await startHostBridge(tmp.join('llm'), Number(new URL(llm.url).port));
    const deb = tmp.join('hello.deb');
    buildHelloDeb(tmp.path, deb);

    await timed('unpack x2', async () => {
      for (const name of ['aios-dev', 'aios-prod']) {
        const dir = tmp.join('machines', name);
        unpackRootfs(archive, dir);
        // aios.nspawn as the installer renders it, plus one test-only line
        // for the model's socket (a --bind on the command line would replace
        // the file's Bind= lines instead of adding to them).
        fs.writeFileSync(tmp.join('machines', `${name}.nspawn`), `${renderSettings(home)}\n[Files]\n# test scaffolding\nBindReadOnly=${bridge.dir}:${BRIDGE_IN_MACHINE}\n`);
        addForwarderUnit(dir);
        // aios-dev only: the kiosk's browser with DevTools on the machine's loopback, for the kiosk Undo test.
        if (name === 'aios-dev') addKioskDebugDropIn(dir);
        fs.copyFileSync(deb, path.join(dir, 'home/ai/hello.deb'));
        fs.chownSync(path.join(dir, 'home/ai/hello.deb'), KIOSK_UID, KIOSK_UID);
      }
    });
    await timed('boot to [aios] > (both)', async () => {
      for (const name of ['aios-dev', 'aios-prod']) {
        machines[name] = await Machine.boot({ dir: tmp.join('machines', name), name, tmuxSocket });
      }
      await Promise.all(Object.values(machines).map((m) => m.waitScreen(PROMPT, 180_000)));
    });
  }, 1_200_000);

  afterAll(async () => {
    if (g.skip) return;
    await Promise.all(Object.values(machines).map((m) => m.powerOff().catch((err: unknown) => hostNotes(`${m.name}: power off: ${String(err)}`))));
    stopTmux(tmuxSocket);
    await bridge?.close();
    await llm?.close();
    hostNotes(`timings (s): ${JSON.stringify(timings)}`);
    tmp?.cleanup();
  }, 180_000);

  it('autologin runs aios chat on the console of each machine, named after the machine', async () => {
    for (const m of Object.values(machines)) {
      const screen = m.screen();
      expect(screen).toMatch(PROMPT);
      expect(screen).not.toMatch(/login incorrect|Permission denied/i);
      expect((await m.exec(['hostname'])).stdout.trim()).toBe(m.name);
      // The chat runs as the kiosk user, on the app's own Node (>= 22).
      const ps = await m.exec(['ps', '-u', 'ai', '-o', 'args=']);
      expect(ps.stdout).toMatch(/^\/opt\/aios\/node_modules\/node\/bin\/node \/opt\/aios\/bin\/aios\.mjs chat$/m);
      // The host's folder is the kiosk user's config folder, owners kept (idmap).
      const seen = await m.exec(['runuser', '-u', 'ai', '--', 'ls', '-ln', '/home/ai/.config/syui/ai']);
      expect(seen.stdout).toMatch(/^-rw------- 1 1000 1000 \d+ .* config\.toml$/m);
      expect(screen).toContain(`aios chat · scripted @ http://127.0.0.1:${MODEL_PORT_IN_MACHINE}/v1`);
    }
    const version = await machines['aios-dev']!.exec(['/opt/aios/node_modules/node/bin/node', '--version']);
    expect(Number(/^v(\d+)/.exec(version.stdout)?.[1])).toBeGreaterThanOrEqual(22);
  });

  it('systemd reaches running: no unit failed', async () => {
    await timed('is-system-running', async () => {
      for (const m of Object.values(machines)) {
        const r = await m.exec(['systemctl', 'is-system-running', '--wait'], 120_000);
        const failed = r.stdout.trim() === 'running' ? '' : (await m.exec(['systemctl', '--failed', '--no-legend'])).stdout;
        expect(`${m.name}: ${r.stdout.trim()} ${failed}`).toBe(`${m.name}: running `);
      }
    });
  }, 180_000);

  it('the kiosk over VNC shows the chat (dark, drawn, not a white rectangle)', async () => {
    fs.mkdirSync(resultsDir, { recursive: true });
    const m = machines['aios-dev']!;
    const file = path.join(resultsDir, 'booted-machine-vnc.png');
    await timed('vnc picture', async () => {
      const until = Date.now() + 90_000;
      for (;;) {
        try {
          // wayvnc listens on 127.0.0.1:5900 in the machine: capture from inside its network.
          await m.inNetwork(['gvnccapture', '127.0.0.1:0', file], 40_000);
          const frame = thumbnail(readPng(fs.readFileSync(file)));
          const stats = { toFlat: distance(frame, flat(frame)), luminance: luminance(frame) };
          if ((stats.toFlat > 3 && stats.luminance < 90) || Date.now() > until) {
            hostNotes(`VNC capture ${file}: ${JSON.stringify(stats)}`);
            expect(stats.luminance, `the kiosk (${file}) is bright: chromium painted a white page`).toBeLessThan(90);
            expect(stats.toFlat, `the kiosk (${file}) is flat: nothing drawn`).toBeGreaterThan(3);
            return;
          }
        } catch (err) {
          if (Date.now() > until) throw err;
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
    });
    const journal = await m.exec(['journalctl', '-b', '-u', 'aios-kiosk', '--no-pager', '-o', 'cat']);
    expect(journal.stdout).toMatch(/aios web is serving on http:\/\/127\.\d+\.\d+\.\d+:\d+\/ \(login page \S+\)/);
    expect(journal.stdout).not.toMatch(/ticket=|token=/);
  }, 180_000);

  it('kiosk and VNC units are active and never restarted, on both machines', async () => {
    for (const m of Object.values(machines)) {
      const units = await m.units(['aios-kiosk.service', 'aios-vnc.service', 'aios-test-llm.service'], ['ActiveState', 'SubState', 'NRestarts']);
      expect(units).toEqual({
        'aios-kiosk.service': { ActiveState: 'active', SubState: 'running', NRestarts: '0' },
        'aios-vnc.service': { ActiveState: 'active', SubState: 'running', NRestarts: '0' },
        'aios-test-llm.service': { ActiveState: 'active', SubState: 'running', NRestarts: '0' },
      });
    }
  });

  // aios-prod's profile asks before more (installs wait for approval, a command no rule names asks): each question is
  // answered yes on its console, as a person there would.
  it.each(['aios-dev', 'aios-prod'])(
    "%s: transactions through the kiosk user's passwordless sudo: an install, an /etc edit, an rm -rf and a chmod from the chat, each undone newest first, leave /usr, /etc, /var/lib/dpkg and the home as they were, dpkg's audit clean",
    async (name) => {
      const m = machines[name]!;
      const asAi = (cmd: string) => m.exec(['runuser', '-u', 'ai', '--', 'sh', '-c', cmd]);
      // In a folder of the home: files directly in /home/ai are read-only in a transaction there, as the shared memory
      // folder is bound beneath it (docs/transactions.md: overlaid child by child around it).
      await asAi('mkdir -p /home/ai/work/notes/deep && echo a > /home/ai/work/notes/deep/a.txt && echo b > /home/ai/work/notes/b.txt && echo plan > /home/ai/work/plan.txt && chmod 644 /home/ai/work/plan.txt');
      const before = await timed(`${name}: hash trees`, () => hashTrees(m));
      const series = ['sudo apt-get install -y ./hello.deb', "sudo sed -i 's/$/+aios/' /etc/debian_version", 'rm -rf /home/ai/work/notes', 'sudo chmod 600 /home/ai/work/plan.txt'];
      const asked: number[] = [];
      await timed(`${name}: transaction series`, async () => {
        for (const command of series) {
          const done = m.count(RAN_AS_TRANSACTION);
          asked.push(await runApproving(m, `run: ${command}`, 240_000));
          const screen = m.screen();
          expect(m.count(RAN_AS_TRANSACTION), `${command}:\n${screen.slice(screen.lastIndexOf(command))}`).toBe(done + 1);
        }
      });
      hostNotes(`${name}: questions asked by the series: ${JSON.stringify(Object.fromEntries(series.map((c, i) => [c, asked[i]])))}`);
      // Every one of these asks on both machines: a local package, and commands no rule names or that delete.
      expect(asked.every((n) => n >= 1)).toBe(true);
      expect((await m.exec(['dpkg-query', '-W', '-f', '${Status}', 'hello'])).stdout).toBe('install ok installed');
      expect((await m.exec(['cat', '/etc/debian_version'])).stdout).toMatch(/\+aios$/m);
      expect((await m.exec(['test', '-e', '/home/ai/work/notes'])).code).not.toBe(0);
      expect((await m.exec(['stat', '-c', '%a', '/home/ai/work/plan.txt'])).stdout.trim()).toBe('600');
      // The undo records are root's, in root's state folder (the kiosk user reached them through sudo -n).
      expect((await m.exec(['stat', '-c', '%U %a', '/var/lib/aios/transactions/records'])).stdout.trim()).toBe('root 700');
      await timed(`${name}: undo x4`, async () => {
        for (const command of [...series].reverse()) {
          const undone = m.count(/undone: /);
          const prompts = m.count(PROMPT);
          m.type('/undo');
          await m.waitScreen(PROMPT, 120_000, prompts);
          const screen = m.screen();
          expect(m.count(/undone: /), screen.slice(screen.lastIndexOf('/undo'))).toBe(undone + 1);
          expect(screen.slice(screen.lastIndexOf('/undo'))).toContain(`undone: ${command}`);
        }
      });
      expect(await hashTrees(m)).toBe(before);
      expect(await packageGone(m, 'hello', '/usr/bin/hello')).toMatchObject({ status: expect.stringMatching(/package 'hello' is not installed/), file: false, audit: { code: 0, stdout: '' } });
    },
    900_000,
  );

  it("the kiosk's page (chromium in cage on aios web), driven through its DevTools on the machine's loopback: an install runs as a transaction, its card offers Undo (seen over VNC), and Undo takes the package back out", async () => {
    const dev = machines['aios-dev']!;
    const prod = machines['aios-prod']!;
    // The debugging port is the test's drop-in's, on loopback only; aios-prod, as shipped, has none.
    const listening = async (m: Machine) => (await m.inNetwork(['ss', '-Hltn'])).split('\n').map((l) => l.trim().split(/\s+/)[3] ?? '').filter((a) => a.endsWith(`:${KIOSK_CDP_PORT}`));
    expect(await listening(dev)).toEqual([`127.0.0.1:${KIOSK_CDP_PORT}`]);
    expect(await listening(prod)).toEqual([]);
    const prodBrowser = (await prod.exec(['ps', '-u', 'ai', '-o', 'args='])).stdout;
    expect(prodBrowser).toMatch(/chromium.* --kiosk /);
    expect(prodBrowser).not.toContain('--remote-debugging');

    const command = 'sudo apt-get install -y ./hello.deb';
    const before = await hashTrees(dev);
    fs.mkdirSync(resultsDir, { recursive: true });
    const forward = await forwardIntoNetwork(await dev.init(), KIOSK_CDP_PORT);
    const browser = await chromium.connectOverCDP(`http://127.0.0.1:${forward.port}`, { timeout: 60_000 });
    try {
      const page = await kioskPage(browser);
      // Playwright emulates a light colour scheme on the pages it attaches to: undo that, so the kiosk stays as a
      // person sees it (chromium's --force-dark-mode).
      await page.emulateMedia({ colorScheme: null });
      page.setDefaultTimeout(240_000);
      const composer = page.getByTestId('composer').getByRole('textbox', { name: 'Message' });
      await composer.fill(`run: ${command}`);
      await composer.press('Enter');
      // A local package asks (as on the console): the kiosk's own approval dialog, approved with a click.
      await page.getByRole('dialog', { name: 'Approve command' }).getByRole('button', { name: 'Approve', exact: true }).click();
      const card = page
        .getByTestId('command-card')
        .filter({ has: page.getByTestId('command-text').getByText(command, { exact: true }) })
        .last();
      await card.and(page.locator('[data-state="done"]')).waitFor();
      await page.getByTestId('message').and(page.locator('[data-role="assistant"]')).filter({ hasText: RAN_AS_TRANSACTION }).last().waitFor();
      expect(await card.getByTestId('command-effects').textContent()).toMatch(/^changed: .*; packages \+hello \S+ \(\/undo puts it back\)$/);
      expect((await dev.exec(['dpkg-query', '-W', '-f', '${Status}', 'hello'])).stdout).toBe('install ok installed');
      const undo = card.getByRole('button', { name: 'Undo', exact: true });
      await undo.scrollIntoViewIfNeeded();
      // The evidence: the kiosk's screen over VNC, with the card and its Undo, next to the page's own screenshot.
      const shot = path.join(resultsDir, 'booted-machine-kiosk-undo.png');
      const seen = await vncShowsPage(dev, page, shot);
      hostNotes(`kiosk VNC capture with the card ${shot}: ${JSON.stringify(seen)}`);
      expect(seen.toPage, `the VNC picture (${shot}) does not look like the kiosk's page`).toBeLessThan(seen.close);
      expect(seen.luminance, `the VNC picture (${shot}) is not the dark kiosk`).toBeLessThan(90);
      await undo.click();
      await page.getByTestId('message').and(page.locator('[data-role="system"]')).filter({ hasText: `undone: ${command}` }).last().waitFor();
      const after = path.join(resultsDir, 'booted-machine-kiosk-undone.png');
      hostNotes(`kiosk VNC capture after Undo ${after}: ${JSON.stringify(await vncShowsPage(dev, page, after))}`);
    } finally {
      await browser.close();
      await forward.close();
    }
    expect(await packageGone(dev, 'hello', '/usr/bin/hello')).toMatchObject({ status: expect.stringMatching(/package 'hello' is not installed/), file: false, audit: { code: 0, stdout: '' } });
    expect(await hashTrees(dev)).toBe(before);
    // Driving it left the kiosk as it was: the session never restarted.
    expect((await dev.units(['aios-kiosk.service'], ['NRestarts']))['aios-kiosk.service']).toEqual({ NRestarts: '0' });
  }, 600_000);

  it('"install hello": the model runs sudo apt-get install -y ./hello.deb, which asks (a local package is not the distribution\'s), and approved, dpkg shows it installed', async () => {
    const dev = machines['aios-dev']!;
    const asks = dev.count(APPROVAL);
    await timed('install hello', async () => {
      dev.type('install hello');
      await dev.waitScreen(APPROVAL, 120_000, asks);
      const prompts = dev.count(PROMPT);
      dev.type('y');
      await dev.waitScreen(PROMPT, 120_000, prompts);
    });
    const screen = dev.screen();
    const turn = screen.slice(screen.lastIndexOf('install hello'));
    expect(turn).toContain('sudo apt-get install -y ./hello.deb');
    // A notify rule covers packages from the distribution, not a .deb the AI may have built itself.
    expect(turn).toMatch(APPROVAL);
    expect(turn).toContain('Done: run_command finished.');
    const status = await dev.exec(['dpkg', '-s', 'hello']);
    expect(status.stdout).toMatch(/^Status: install ok installed$/m);
    expect(status.stdout).toMatch(/^Version: 1\.0-aios-test$/m);
    // What the model was told about the machine (nspawn/etc/prompt.txt).
    const system = llm.requests[0]!.body.messages[0]!;
    expect(system.role).toBe('system');
    expect(system.content).toContain('`sudo` needs no password here');
    expect(system.content).toContain('no terminal and no stdin');
    // What the model got back: the command's real exit code and output.
    const toolResult = llm.requests.map((r) => r.body.messages.at(-1)).find((m) => m?.role === 'tool');
    expect(toolResult?.content).toMatch(/Setting up hello \(1\.0-aios-test\)/);
  }, 180_000);

  it('in a new conversation, "what did I install?" is answered from recall_history with the package name', async () => {
    const dev = machines['aios-dev']!;
    dev.type('/clear');
    await dev.waitScreen(/\(new conversation\)/, 30_000);
    const prompts = dev.count(PROMPT);
    const before = llm.requests.length;
    dev.type('what did I install?');
    await dev.waitScreen(PROMPT, 120_000, prompts);
    const screen = dev.screen();
    expect(screen.slice(screen.lastIndexOf('what did I install?'))).toContain('You installed hello (sudo apt-get install -y ./hello.deb).');
    const asked = llm.requests.slice(before).map((r) => r.body);
    // A new conversation: the model was not told about the first one.
    expect(asked[0]!.messages.some((m) => m.role === 'user' && /install hello/.test(m.content ?? ''))).toBe(false);
    const recalled = asked.find((b) => b.messages.at(-1)?.role === 'tool');
    expect(recalled?.messages.at(-1)?.content).toContain('sudo apt-get install -y ./hello.deb');
  }, 180_000);

  it('!sudo -n id -u asks for approval and, approved, answers 0 (root in the machine, without a password)', async () => {
    const dev = machines['aios-dev']!;
    const asks = dev.count(APPROVAL);
    dev.type('!sudo -n id -u');
    await dev.waitScreen(APPROVAL, 30_000, asks);
    const prompts = dev.count(PROMPT);
    dev.type('y');
    await dev.waitScreen(PROMPT, 60_000, prompts);
    const screen = dev.screen();
    const after = screen.slice(screen.lastIndexOf('!sudo -n id -u'));
    expect(after).toMatch(/^0$/m);
    expect(after).not.toMatch(/password is required|a terminal is required/);
  }, 120_000);

  it('a memory saved on aios-dev is found on aios-prod and in the host folder', async () => {
    const dev = machines['aios-dev']!;
    const prod = machines['aios-prod']!;
    let prompts = dev.count(PROMPT);
    dev.type('remember that my editor is neovim, set up on aios-dev');
    await dev.waitScreen(PROMPT, 120_000, prompts);
    expect(dev.screen()).toContain('Saved to the shared memory.');
    prompts = prod.count(PROMPT);
    prod.type('/memory neovim');
    await prod.waitScreen(PROMPT, 30_000, prompts);
    const screen = prod.screen();
    expect(screen.slice(screen.lastIndexOf('/memory neovim'))).toContain('my editor is neovim, set up on aios-dev');
    const db = new Database(path.join(memoryDir, 'gpt/memory.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT content FROM memories').pluck().all()).toContain('my editor is neovim, set up on aios-dev');
    } finally {
      db.close();
    }
    for (const name of fs.readdirSync(path.join(memoryDir, 'gpt'))) expect(fs.statSync(path.join(memoryDir, 'gpt', name)).uid).toBe(KIOSK_UID);
  }, 180_000);

  it("aios-prod's profile asks before the local package's install, showing the files it would add", async () => {
    const line = '!sudo apt-get install -y ./hello.deb';
    const prod = machines['aios-prod']!;
    const prodAsks = prod.count(APPROVAL);
    const previews = prod.count(PREVIEWED);
    prod.type(line);
    await prod.waitScreen(APPROVAL, 60_000, prodAsks);
    // The question comes at once; the preview runs the install in a throwaway overlay inside the machine and follows.
    await prod.waitScreen(PREVIEWED, 120_000, previews);
    const asked = prod.screen().slice(prod.screen().lastIndexOf(line));
    expect(asked).toMatch(/preview \(nothing was changed\):/);
    // From the shell, as the kiosk user: the same preview lists the package's program as added.
    const shell = await prod.exec(['runuser', '-u', 'ai', '--', 'sh', '-c', "cd /home/ai && HOME=/home/ai USER=ai /opt/aios/node_modules/node/bin/node /opt/aios/bin/aios.mjs policy check --preview --json -- 'sudo apt-get install -y ./hello.deb'"], 120_000);
    const preview = (JSON.parse(shell.stdout) as { preview?: { changes: Array<{ kind: string; path: string }>; limits: string[] } }).preview;
    const changes = preview?.changes ?? [];
    expect(changes, `${shell.stderr}\n${preview?.limits.join('\n') ?? 'no preview in the output'}`).toContainEqual(expect.objectContaining({ kind: 'added', path: '/usr/bin/hello' }));
    const prompts = prod.count(PROMPT);
    prod.type('n');
    await prod.waitScreen(PROMPT, 60_000, prompts);
    // Declined: not installed on prod.
    expect((await prod.exec(['dpkg-query', '-W', '-f', '${Status}', 'hello'])).stdout).not.toContain('install ok installed');
  }, 240_000);

  it('inside the machine the quiet path starts confined, and a fork bomb in the preview stops at its process limit (no cgroups there: RLIMIT_NPROC)', async () => {
    const prod = machines['aios-prod']!;
    // Not in the home: the machine binds the memory folder beneath it, so the preview keeps /home read-only there.
    const asAi = (cmd: string) => prod.exec(['runuser', '-u', 'ai', '--', 'sh', '-c', `mkdir -p /var/tmp/aios-bomb && cd /var/tmp/aios-bomb && HOME=/home/ai USER=ai ${cmd}`], 120_000);
    const doctor = await asAi('/opt/aios/node_modules/node/bin/node /opt/aios/bin/aios.mjs doctor || true');
    expect(doctor.stdout).toMatch(/bubblewrap {3}\S+ [\d.]+: auto-allowed commands run confined/);
    // The shipped five seconds are short for a fork bomb on a loaded host: the same config with a longer preview.
    await asAi('echo report > bomb.txt && cp /home/ai/.config/syui/ai/config.toml c.toml && printf "\\n[preview]\\ntime_limit_s = 120\\n" >> c.toml');
    // dash stops at the first refused fork (bash would retry for seconds, then give up); the sleeps go before the count.
    const bomb = `echo "nproc=$(ulimit -u)" >> bomb.txt; sh -c 'i=0; while [ $i -lt 900 ]; do sleep 60 & i=$((i+1)); done' 2>/tmp/err; kill -9 -1; wait; echo "refused=$(grep -ci fork /tmp/err)" >> bomb.txt`;
    const shell = await asAi(`/opt/aios/node_modules/node/bin/node /opt/aios/bin/aios.mjs policy check --config c.toml --cwd /var/tmp/aios-bomb --preview --json -- '${bomb.replace(/'/g, `'\\''`)}'`);
    const preview = (JSON.parse(shell.stdout) as { preview?: { changes: Array<{ path: string; diff?: string }>; limits: string[] } }).preview;
    const diff = preview?.changes.find((c) => c.path.endsWith('/bomb.txt'))?.diff ?? '';
    const why = `${shell.stderr}\n${preview?.limits.join('\n') ?? 'no preview'}`;
    // RLIMIT_NPROC: the user's processes in the machine plus 512 (not "unlimited").
    expect(Number(/\+nproc=(\d+)/.exec(diff)?.[1]), why).toBeLessThan(900);
    expect(diff, why).toMatch(/\+refused=[1-9]/);
  }, 240_000);
});

const gOci = gate(missingRequirement(['podman', 'runc', 'mmdebstrap', 'zstd', 'tmux', 'gvnccapture', 'npm'], true));
const VERSION = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const TAG = `localhost/aios-machine:${VERSION}`;

describe.skipIf(gOci.skip)('the machine image aios-machine (nspawn/build-image --image machine): podman load, and the full machine with --systemd=always', () => {
  let otmp: TempDir;
  let builder: PodmanStore;
  let store: PodmanStore;
  let imageFile: string;

  beforeAll(async () => {
    gOci.check();
    otmp = makeTempDir('aios-oci-');
    fs.chmodSync(otmp.path, 0o755);
    const archive = await sharedRootfs();
    // Built in one podman store, loaded into another: the load is real.
    builder = podmanStore(otmp.join('build-store'));
    store = podmanStore(otmp.join('store'));
    imageFile = otmp.join('aios-machine-image.tar');
    await timed('build-image', async () => {
      const r = spawnSync(path.join(nspawnDir, 'build-image'), ['--image', 'machine', '--rootfs', archive, '--out', imageFile], { env: builder.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (r.status !== 0) throw new Error(`build-image failed (status ${r.status}):\n${r.stderr.slice(-4000)}`);
    });
  }, 1_200_000);

  afterAll(async () => {
    if (gOci.skip) return;
    await builder?.destroy();
    await store?.destroy();
    hostNotes(`timings (s): ${JSON.stringify(timings)}`);
    otmp?.cleanup();
  }, 180_000);

  it('is a docker-archive that podman load accepts, with the labels, /sbin/init, the memory volume, and the app in its own two layers', async () => {
    const entries = execFileSync('tar', ['-tvf', imageFile], { encoding: 'utf8' }).split('\n');
    expect(entries.some((e) => e.endsWith(' manifest.json'))).toBe(true);
    const layerSizes = entries.filter((e) => e.startsWith('-') && /[0-9a-f]{64}\.tar$/.test(e)).map((e) => Number(e.split(/\s+/)[2]));
    expect(layerSizes).toHaveLength(3);
    hostNotes(`machine image archive ${(fs.statSync(imageFile).size / 1e6).toFixed(1)} MB; layers (OS, dependencies, app) uncompressed: ${layerSizes.map((n) => `${(n / 1e6).toFixed(1)} MB`).join(', ')}`);
    const loaded = await timed('podman load', () => store.podman(['load', '--input', imageFile], 300_000));
    expect(loaded.stdout).toContain(`Loaded image: ${TAG}`);
    const config = JSON.parse((await store.podman(['image', 'inspect', TAG, '--format', '{{json .Config}}'])).stdout) as {
      Cmd: string[];
      Volumes: Record<string, unknown>;
      StopSignal: string;
      Labels: Record<string, string>;
    };
    expect(config).toMatchObject({ Cmd: ['/sbin/init'], StopSignal: 'SIGRTMIN+3', Volumes: { '/home/ai/.config/syui/ai': {} } });
    expect(config.Labels).toMatchObject({
      'org.opencontainers.image.title': 'aios-machine',
      'org.opencontainers.image.version': VERSION,
      'org.opencontainers.image.source': 'https://github.com/syui/aios',
      'org.opencontainers.image.licenses': 'MIT',
    });
  }, 600_000);

  it('--systemd=always boots the machine: running, kiosk and VNC active, the chat on a published loopback VNC port', async () => {
    const port = await freeVncPort();
    await store.podman(['run', '--detach', '--name', 'aios-oci-boot', '--systemd=always', '--publish', `127.0.0.1:${port}:5900`, TAG]);
    try {
      // Until systemd in the container has its bus, systemctl cannot ask it.
      const state = await timed('boot mode to running', async () => {
        const end = Date.now() + 180_000;
        for (;;) {
          try {
            return (await store.podman(['exec', 'aios-oci-boot', 'systemctl', 'is-system-running', '--wait'], 120_000)).stdout.trim();
          } catch (err) {
            if (Date.now() > end) return (err as Error).message;
            await new Promise((r) => setTimeout(r, 500));
          }
        }
      });
      expect(state).toBe('running');
      for (const unit of ['aios-kiosk.service', 'aios-vnc.service']) {
        const show = await store.podman(['exec', 'aios-oci-boot', 'systemctl', 'show', unit, '--property=ActiveState', '--property=NRestarts']);
        expect(show.stdout).toMatch(/^ActiveState=active$/m);
        expect(show.stdout).toMatch(/^NRestarts=0$/m);
      }
      fs.mkdirSync(resultsDir, { recursive: true });
      const file = path.join(resultsDir, 'oci-boot-vnc.png');
      const until = Date.now() + 150_000;
      let stats: { toFlat: number; luminance: number } | undefined;
      let lastError = '';
      while (Date.now() < until) {
        try {
          const frame = thumbnail(await captureVnc('127.0.0.1', port, file));
          stats = { toFlat: distance(frame, flat(frame)), luminance: luminance(frame) };
          if (stats.toFlat > 3 && stats.luminance < 90) break;
        } catch (err) {
          lastError = (err as Error).message; // wayvnc may still be starting
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
      hostNotes(`OCI boot mode VNC capture ${file}: ${JSON.stringify(stats ?? { lastError })}`);
      if (!stats || stats.luminance >= 90 || stats.toFlat <= 3) {
        // Say whether wayvnc answers inside the container at all, what is published, and what the units said.
        const pid = (await store.podman(['inspect', 'aios-oci-boot', '--format', '{{.State.Pid}}'])).stdout.trim();
        const inside = await run('nsenter', ['-t', pid, '-n', 'gvnccapture', '127.0.0.1:0', `${file}.inside.png`], { timeout: 40_000 }).then(
          () => `answers inside the container (${file}.inside.png)`,
          (err: Error) => `does not answer inside the container either: ${err.message}`,
        );
        const ports = await store.podman(['port', 'aios-oci-boot']).then(
          (r) => r.stdout.trim(),
          (err: Error) => err.message,
        );
        // Another rule for the same port (a container of another store never torn down) would win over ours.
        const rules = (await run('iptables', ['-t', 'nat', '-S']).then((r) => r.stdout, (err: Error) => err.message))
          .split('\n')
          .filter((l) => l.includes(`--dport ${port} `))
          .join('\n');
        // wayvnc repeats some lines many times a second: keep each message once, the last 40.
        const journal = await store
          .podman(['exec', 'aios-oci-boot', 'journalctl', '-b', '-u', 'aios-vnc', '-u', 'aios-kiosk', '--no-pager', '-n', '2000', '-o', 'cat'])
          .then(
            (r) => [...new Set(r.stdout.split('\n').map((l) => l.replace(/^[\d:.]+ /, '')))].slice(-40).join('\n'),
            (err: Error) => err.message,
          );
        const what = !stats
          ? `no VNC picture came through 127.0.0.1:${port}; the last error: ${lastError}`
          : `the kiosk (${file}) is ${stats.luminance >= 90 ? 'bright: chromium painted a white page' : 'flat: nothing drawn'} (${JSON.stringify(stats)})`;
        expect.fail(`${what}\npublished: ${ports}; NAT rules for the port:\n${rules}\nwayvnc ${inside}\nthe kiosk's and wayvnc's journal:\n${journal}`);
      }
    } finally {
      await store.podman(['rm', '--force', '--time', '5', 'aios-oci-boot']).catch(() => undefined);
    }
  }, 500_000);
});

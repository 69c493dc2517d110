/**
 * Test scaffolding: the kiosk's own Chromium (the chromium fallback of
 * nspawn/aios-session, showing `aios web` in cage) driven over the DevTools
 * protocol, as Playwright's connectOverCDP does. Nothing of it is in the
 * shipped machine:
 * - a drop-in the test adds to aios-kiosk.service passes chromium
 *   `--remote-debugging-port`, which chromium binds on the machine's
 *   loopback only (the machine as built has no debugging port);
 * - the machine's network is private, so a forwarder on the host's loopback
 *   reaches that port by starting, for each connection, a small pipe in the
 *   machine's network namespace (nsenter -n, the host's own Node).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { projectNode } from './helpers';
import { distance, flat, luminance, readPng, thumbnail } from './image';
import type { Machine } from './machine';

/** The kiosk browser's DevTools port, on the machine's 127.0.0.1. */
export const KIOSK_CDP_PORT = 9222;

const DROP_IN = `# aios test scaffolding (test/nspawn/kiosk-cdp.ts), not part of the machine:
# chromium's DevTools on the machine's loopback, for the test to drive the kiosk page.
[Service]
Environment=AIOS_CHROMIUM_FLAGS=--remote-debugging-port=${KIOSK_CDP_PORT}
`;

/** Adds the test-only drop-in that turns on the kiosk browser's remote debugging (loopback) to an unpacked root. */
export function addKioskDebugDropIn(root: string): void {
  const dir = path.join(root, 'etc/systemd/system/aios-kiosk.service.d');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'aios-test-cdp.conf'), DROP_IN);
}

// Runs in the machine's network namespace: stdin/stdout <-> 127.0.0.1:PORT there.
const PIPE = `const s = require('node:net').connect(Number(process.argv[1]), '127.0.0.1');
process.stdin.pipe(s).pipe(process.stdout);
s.on('error', (e) => { process.stderr.write(e.message); process.exit(1); });
s.on('close', () => process.exit(0));`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Forwarder {
  /** The port on the host's 127.0.0.1. */
  port: number;
  close(): Promise<void>;
}

/** Serves, on the host's 127.0.0.1 (a free port), the TCP port PORT of the loopback in the network namespace of process PID. */
export async function forwardIntoNetwork(pid: number, port: number): Promise<Forwarder> {
  const pipes = new Set<ChildProcess>();
  const clients = new Set<net.Socket>();
  const server = net.createServer((client) => {
    clients.add(client);
    const pipe = spawn('nsenter', ['-t', String(pid), '-n', projectNode, '-e', PIPE, String(port)], { stdio: ['pipe', 'pipe', 'ignore'] });
    pipes.add(pipe);
    client.pipe(pipe.stdin!);
    pipe.stdout!.pipe(client);
    pipe.stdin!.on('error', () => client.destroy());
    client.on('error', () => pipe.kill());
    client.on('close', () => {
      clients.delete(client);
      pipe.kill();
    });
    pipe.on('exit', () => {
      pipes.delete(pipe);
      client.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      const exits = [...pipes].map((p) => new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once('exit', r))));
      for (const p of pipes) p.kill();
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(exits);
    },
  };
}

/** The kiosk's page of `aios web` (it opened a file:// login page first, which moves on to the server's address). */
export async function kioskPage(browser: Browser, timeoutMs = 60_000): Promise<Page> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const pages = browser.contexts().flatMap((c) => c.pages());
    const page = pages.find((p) => /^http:\/\/127\.\d+\.\d+\.\d+:\d+\//.test(p.url()));
    if (page) return page;
    if (Date.now() > end) throw new Error(`the kiosk browser shows no aios web page; its pages: ${pages.map((p) => p.url()).join(', ') || 'none'}`);
    await sleep(500);
  }
}

/**
 * Saves a VNC picture of machine M's screen as FILE once it looks like PAGE
 * (a DevTools screenshot of the same page, saved beside it): "looks like" is
 * a third of the way from the page to a flat screen of its average colour, as
 * in kiosk-vnc.test.ts. Returns the last figures either way.
 */
export async function vncShowsPage(m: Machine, page: Page, file: string, timeoutMs = 60_000): Promise<{ toPage: number; close: number; luminance: number }> {
  const want = thumbnail(readPng(await page.screenshot({ path: file.replace(/\.png$/, '.page.png') })));
  const close = distance(want, flat(want)) / 3;
  const end = Date.now() + timeoutMs;
  for (;;) {
    // wayvnc listens on 127.0.0.1:5900 in the machine: capture from inside its network.
    await m.inNetwork(['gvnccapture', '127.0.0.1:0', file], 40_000);
    const got = thumbnail(readPng(fs.readFileSync(file)));
    const stats = { toPage: distance(got, want), close, luminance: luminance(got) };
    if (stats.toPage < close || Date.now() > end) return stats;
    await sleep(1000);
  }
}

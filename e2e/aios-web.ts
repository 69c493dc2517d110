/**
 * Starts the built `aios web` as a child process on a free loopback port,
 * with an environment that points HOME and every config variable into a
 * throwaway home. Plain Node (no Playwright): the render benchmark uses it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isolatedEnv as baseIsolatedEnv } from '../test/support/temp';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
export const CLI = path.join(REPO_ROOT, 'out', 'main', 'cli.js');
const RENDERER_INDEX = path.join(REPO_ROOT, 'out', 'renderer', 'index.html');

/** The project's Node 24 when installed (better-sqlite3 crashes the system Node 20). */
export function nodeBinary(): string {
  const local = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');
  return fs.existsSync(local) ? local : process.execPath;
}

export class AiosWebStartError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(`${message}\n--- aios web stderr ---\n${stderr}`);
    this.name = 'AiosWebStartError';
  }
}

export interface LaunchOptions {
  /** The throwaway home; config lives in `<home>/.config/syui/ai`. Not removed by `stop()`. */
  home: string;
  /** Where chat commands run (the process's cwd); default: `home`. */
  cwd?: string;
  env?: Record<string, string>;
  /** More arguments of `aios web`. */
  args?: string[];
}

export interface RunningAiosWeb {
  /** The printed URL, carrying a one-time `?ticket=`. */
  url: string;
  process: ChildProcess;
  /** Everything the server wrote to stderr so far (for failure reports). */
  stderr(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. Idempotent. */
  stop(): Promise<void>;
}

/** A throwaway home for one `aios web`; realpath because /tmp may be a symlink and the core reports real paths (cwd, config file). */
export function tempHome(prefix: string): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** The environment `aios web` gets: nothing of the runner's own home or keys leaks in. */
export function isolatedEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return baseIsolatedEnv(home, {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    SHELL: '/bin/bash',
    LANG: 'C.UTF-8',
    USER: 'tester',
    ...extra,
  });
}

export function assertBuilt(): void {
  for (const f of [CLI, RENDERER_INDEX]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: build first (npx electron-vite build --logLevel warn)`);
  }
}

export async function launchAiosWeb(options: LaunchOptions): Promise<RunningAiosWeb> {
  assertBuilt();
  // No --port: the install's own address and port (kept in the throwaway home's web.json), so a restart comes back at the same place.
  const child = spawn(nodeBinary(), [CLI, 'web', ...(options.args ?? [])], {
    cwd: options.cwd ?? options.home,
    env: isolatedEnv(options.home, options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new AiosWebStartError('aios web did not print its URL within 20 s', stderr)), 20_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /serving on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new AiosWebStartError(`aios web exited with ${code ?? signal} before serving`, stderr));
      });
    });
    return { url, process: child, stderr: () => stderr, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `url` with extra query parameters (the printed URL already has `?ticket=`). */
export function withParams(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

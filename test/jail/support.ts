import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, tsxBin } from '../support/process';

/** Whom a jailed command runs as in the attack tests. */
export interface Actor {
  label: string;
  /** Undefined: root, in this process's uid. */
  uid?: number;
  gid?: number;
  home: string;
}

export interface DriverResult {
  ran: boolean;
  exitCode: number | null;
  output?: string;
  limits?: string[];
  lines?: string[];
  changes?: string[];
  /** The preview's diffs, joined. */
  diffs?: string;
  confined?: boolean;
  spawnError?: string;
}

const driver = path.join(import.meta.dirname, 'driver.mts');

/** Another user runs aios from this checkout: say so plainly when it cannot read it (a checkout inside a private folder). */
function checkReadable(actor: Actor): void {
  if (actor.uid === undefined) return;
  const r = spawnSync('setpriv', [`--reuid=${actor.uid}`, `--regid=${actor.gid}`, '--init-groups', '--', 'test', '-r', driver], {
    stdio: 'ignore',
  });
  if (r.status !== 0)
    throw new Error(
      `${actor.label} cannot read the checkout at ${repoRoot}: these tests run aios as that user; make the folders above it readable (chmod o+rx) or clone elsewhere`,
    );
}

export function driverArgv(actor: Actor, req: object): string[] {
  checkReadable(actor);
  const base = [process.execPath, tsxBin, driver, JSON.stringify(req)];
  return actor.uid === undefined ? base : ['setpriv', `--reuid=${actor.uid}`, `--regid=${actor.gid}`, '--init-groups', '--', ...base];
}

/** Runs the driver (as the actor) and returns what it printed. */
/** `inheritFd`: handed to the driver as its fd 3, as a descriptor aios would hold without close-on-exec. */
export function drive(
  actor: Actor,
  req: { mode: 'quiet' | 'approved' | 'preview'; command: string; cwd: string; paths?: string[]; timeoutMs?: number; pty?: boolean },
  inheritFd?: number,
): Promise<DriverResult> {
  const argv = driverArgv(actor, req);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: actor.home },
      stdio: ['ignore', 'pipe', 'pipe', ...(inheritFd === undefined ? [] : [inheritFd])],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as DriverResult);
      } catch {
        reject(new Error(`driver exited ${code}: ${err || out}`));
      }
    });
  });
}

/**
 * A temporary user, optionally with passwordless sudo (as `ai` in the
 * machine), removed by `remove()`. Needs root.
 */
export function tempUser(sudo: boolean): Actor & { name: string; remove: () => void } {
  const name = `aiosj${process.pid % 100000}${sudo ? 's' : 'n'}`;
  spawnSync('userdel', ['-r', name], { stdio: 'ignore' });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `aios-jail-home-`));
  const r = spawnSync('useradd', ['-M', '-d', home, '-s', '/bin/bash', '-U', name], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`useradd failed: ${r.stderr}`);
  const uid = Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim());
  fs.chownSync(home, uid, gid);
  fs.chmodSync(home, 0o755);
  const sudoers = `/etc/sudoers.d/${name}`;
  if (sudo) fs.writeFileSync(sudoers, `${name} ALL=(ALL) NOPASSWD: ALL\n`, { mode: 0o440 });
  return {
    label: `${sudo ? 'a user with passwordless sudo' : 'an unprivileged user'} (${name})`,
    name,
    uid,
    gid,
    home,
    remove: () => {
      fs.rmSync(sudoers, { force: true });
      spawnSync('pkill', ['-KILL', '-u', name], { stdio: 'ignore' });
      spawnSync('userdel', [name], { stdio: 'ignore' });
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A working tree owned by the actor. */
export function treeFor(actor: Actor): string {
  const dir = fs.mkdtempSync(path.join(actor.home === os.tmpdir() ? os.tmpdir() : actor.home, 'tree-'));
  if (actor.uid !== undefined) fs.chownSync(dir, actor.uid, actor.gid ?? actor.uid);
  return fs.realpathSync(dir);
}

const CORE_PATTERN = '/proc/sys/kernel/core_pattern';

/**
 * Runs `attack`, then checks kernel.core_pattern is what it was. If the
 * attack did change it, it is put back at once (a changed core_pattern runs
 * a program as the host's root on the next crash) and the check fails.
 */
export async function guardCorePattern<T>(attack: () => Promise<T>): Promise<{ result: T; changedTo: string | null }> {
  const before = fs.readFileSync(CORE_PATTERN, 'utf8');
  try {
    const result = await attack();
    const after = fs.readFileSync(CORE_PATTERN, 'utf8');
    return { result, changedTo: after === before ? null : after };
  } finally {
    if (fs.readFileSync(CORE_PATTERN, 'utf8') !== before) fs.writeFileSync(CORE_PATTERN, before.trim());
  }
}

import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const tsxBin = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
export const cliEntry = path.join(repoRoot, 'src', 'hosts', 'cli.ts');

/**
 * PATH with the project's node_modules/.bin first, so `tsx`'s `env node`
 * finds the project's Node 24 (the system Node 20 crashes better-sqlite3).
 */
export function projectPath(base = process.env.PATH ?? ''): string {
  return `${path.join(repoRoot, 'node_modules', '.bin')}${path.delimiter}${base}`;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `aios ARGS` from source, synchronously. */
export function runAios(args: string[], env: Record<string, string>, input?: string): CliResult {
  const r = spawnSync(tsxBin, [cliEntry, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...env, PATH: projectPath(env.PATH) },
    timeout: 120_000,
    ...(input !== undefined ? { input } : {}),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs `aios ARGS` from source without blocking this process, for tests whose
 * servers (the scripted LLM, an MCP server) live in this process and must keep
 * answering. Killed after `timeoutMs`.
 */
export async function runAsync(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Exited> {
  const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], {
    cwd: repoRoot,
    env: { ...env, PATH: projectPath(env.PATH) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return await collect(child);
  } finally {
    clearTimeout(guard);
  }
}

/**
 * Starts a TypeScript file in a Node process of its own (this Node, with
 * tsx's loader), so the pid is the program itself: a signal sent to it is not
 * relayed through a tsx wrapper that would leave the program orphaned on
 * SIGKILL. The caller must end it.
 */
export function spawnTsx(file: string, args: string[], env: Record<string, string>, options: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: repoRoot,
    env: { ...env, PATH: projectPath(env.PATH) },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...options,
  });
}

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Collects a child's output and resolves when it exits. */
export function collect(child: ChildProcess): Promise<Exited> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** True while a process with this pid exists (signal 0 probes without sending). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** State and process group of a pid from /proc/<pid>/stat, or undefined once it is gone (reaped). */
function procStat(pid: number | string): { state: string; pgrp: number } | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses, so split after the last ')'.
  const [state = '', , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state, pgrp: Number(pgrp) };
}

/**
 * True while a process runs: a zombie has ended and only waits for its parent
 * to reap it, which a parent such as tmux may do late (it can miss a SIGCHLD).
 */
export function isRunning(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/**
 * The processes of a process group that are still running (zombies, which
 * are dead and only wait to be reaped by their parent, do not count), read
 * from /proc. Linux only.
 */
export function livingGroupMembers(pgid: number): number[] {
  const living: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(entry);
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') living.push(Number(entry));
  }
  return living;
}

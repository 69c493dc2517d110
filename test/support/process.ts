import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const tsxBin = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
export const cliEntry = path.join(repoRoot, 'src', 'main', 'cli.ts');

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

import { spawnSync } from 'node:child_process';
import path from 'node:path';

const repo = path.join(import.meta.dirname, '..', '..');

/**
 * Runs a bench driver (a script in bench/lib, under tsx) as `user`, with the
 * request as its one argument, and gives back its last line of output parsed
 * as JSON: the figures it measured. The sudo cases run this way, because
 * aios through sudo is aios started by someone who is not root.
 */
export function driveAsUser<T>(user: { uid?: number; gid?: number; home: string }, driver: string, request: unknown, timeoutMs: number): T {
  if (user.uid === undefined || user.gid === undefined) throw new Error('driveAsUser: the user has no uid (root drives in process)');
  const r = spawnSync(
    'setpriv',
    [
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      '--init-groups',
      '--',
      process.execPath,
      path.join(repo, 'node_modules', '.bin', 'tsx'),
      path.join(repo, 'bench', 'lib', driver),
      JSON.stringify(request),
    ],
    { cwd: repo, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: user.home }, encoding: 'utf8', timeout: timeoutMs },
  );
  try {
    const got = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as T | null;
    if (got !== null) return got;
  } catch {
    // Reported below, with what the driver said.
  }
  throw new Error(`the driver ${driver} failed (exit ${r.status}): ${r.stderr || r.stdout}`);
}

import { spawnSync } from 'node:child_process';

/**
 * The sqlite3 command-line shell (Debian's `sqlite3` package), used as a
 * writer that is not aios. Tests that need it fail with this message rather
 * than skip: CI installs the package.
 */
export function sqlite3(file: string, script: string, timeoutMs = 120_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('sqlite3', ['-bail', file], { input: script, encoding: 'utf8', timeout: timeoutMs });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('the sqlite3 command-line shell is not installed: apt-get install -y sqlite3');
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Quotes a value as an SQL string literal. */
export const sqlText = (s: string): string => `'${s.replace(/'/g, "''")}'`;

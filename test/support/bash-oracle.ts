import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * bash as the oracle: a line is run by a real bash in which no program
 * exists (PATH points nowhere), so each command it would run lands in
 * `command_not_found_handle` and is recorded instead of executed.
 */

export const BASH = ['/usr/bin/bash', '/bin/bash'].find((p) => fs.existsSync(p));

const RS = '\u001e';
const US = '\u001f';

/** The argv of every command bash tried to run for `line`, run in `dir` (also its HOME). */
export function bashRuns(line: string, dir: string): string[][] {
  const log = path.join(dir, 'log');
  fs.writeFileSync(log, '');
  // One write per record (O_APPEND), so pipeline stages running at once do not interleave.
  const prelude = `command_not_found_handle() { local r; printf -v r '%s${US}' "$@"; printf '%s${RS}' "$r" >> "$AIOS_ORACLE_LOG"; return 0; }\nPATH=/aios-oracle-no-such-dir\nFUNCNEST=20\n`;
  const script = path.join(dir, 'line.sh');
  fs.writeFileSync(script, `${prelude}${line}\n`);
  const r = spawnSync(BASH as string, ['--norc', '--noprofile', script], {
    cwd: dir,
    env: { AIOS_ORACLE_LOG: log, HOME: dir, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
    timeout: 10_000,
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  return fs
    .readFileSync(log, 'utf8')
    .split(RS)
    .filter((rec) => rec !== '')
    .map((rec) => rec.split(US).slice(0, -1));
}

/** Does some segment run exactly `argv` (possibly behind wrappers such as `time`)? */
export function seen(segments: ReadonlyArray<{ argv: string[]; wrappers: string[] }>, argv: readonly string[]): boolean {
  const want = JSON.stringify(argv);
  return segments.some(
    (s) => JSON.stringify(s.argv) === want || (s.wrappers.length > 0 && JSON.stringify(s.argv.slice(-argv.length)) === want),
  );
}

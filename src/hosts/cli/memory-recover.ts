import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function runSqlite(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn('sqlite3', args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    c.stdout!.on('data', (d: Buffer) => out.push(d));
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('error', (err: NodeJS.ErrnoException) =>
      resolve({
        code: 127,
        stdout: '',
        stderr: err.code === 'ENOENT' ? 'the sqlite3 program is not installed (Debian: apt-get install sqlite3)' : err.message,
      }),
    );
    c.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr }));
    if (input !== undefined) {
      c.stdin!.on('error', () => undefined);
      c.stdin!.end(input);
    }
  });
}

/** `sqlite3 SOURCE DOT | sqlite3 TARGET`; whether it worked and what sqlite3 said. */
async function pipeThroughSqlite(source: string, dot: '.recover' | '.dump', target: string): Promise<{ ok: boolean; said: string }> {
  const dump = await runSqlite([source, dot]);
  if (dump.code === 127) return { ok: false, said: dump.stderr };
  // .dump ends a file it could not read whole with ROLLBACK; what it did read is still wanted.
  const sql = dot === '.dump' ? dump.stdout.replace(/ROLLBACK; -- due to errors\s*$/, 'COMMIT;\n') : dump.stdout;
  const load = await runSqlite([target], sql);
  const said = `${dump.stderr}${load.stderr}`.trim();
  return { ok: dump.code === 0 && load.code === 0 && !/error/i.test(said), said };
}

/**
 * `aios memory recover`: SQLite's own recovery (`sqlite3 FILE .recover`, or
 * `.dump` where this sqlite3 lacks .recover) into a new file beside the
 * damaged one. The damaged file is only read (through a copy); switching to
 * the recovered copy is the person's step, said in words.
 */
export async function recoverMemoryFile(file: string, out: (line: string) => void): Promise<number> {
  if (!fs.existsSync(file)) {
    out(`aios memory recover: ${file} does not exist`);
    return 1;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const target = `${file}.recovered-${stamp}`;
  // sqlite3 opens its input for writing, and the damaged file must stay as it is: it reads a copy.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-recover-'));
  try {
    const copy = path.join(work, 'damaged.db');
    fs.copyFileSync(file, copy);
    if (fs.existsSync(`${file}-wal`)) fs.copyFileSync(`${file}-wal`, `${copy}-wal`);
    let r = await pipeThroughSqlite(copy, '.recover', target);
    if (!r.ok) {
      fs.rmSync(target, { force: true });
      const dumped = await pipeThroughSqlite(copy, '.dump', target);
      // .dump of a damaged file reports the damage it skipped; what it could read is in the target.
      r = { ok: fs.existsSync(target) && !/not installed/.test(dumped.said), said: dumped.said };
      if (r.ok) {
        const check = await runSqlite([target, 'SELECT count(*) FROM memories']);
        if (check.code !== 0) r = { ok: false, said: `${dumped.said}\n${check.stderr}`.trim() };
      }
    }
    if (!r.ok) {
      fs.rmSync(target, { force: true });
      out(`aios memory recover: recovery failed: ${r.said || 'sqlite3 failed'}`);
      return 1;
    }
    out(`recovered what could be read from ${file} into ${target}`);
    if (r.said) out(`sqlite3 said: ${r.said.split('\n').slice(0, 5).join('; ')}`);
    out(`${file} was not changed. To use the recovered copy: stop aios (and aigpt), then`);
    out(`  mv '${file}' '${file}.damaged' && mv '${target}' '${file}'`);
    return 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

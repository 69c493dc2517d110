/**
 * Runs one command the way aios runs the AI's commands, as whoever starts
 * this script, and prints the result as JSON: `quiet` (the confined quiet
 * path), `approved` (an approved command) or `preview`. The attack tests
 * start it as root and as other users (setpriv), with and without sudo.
 */
import { Executor, Sandbox, confinementFor } from '../../src/core/executor';
import { DEFAULT_PREVIEW, previewCommand } from '../../src/core/preview';

const req = JSON.parse(process.argv[2] ?? '{}') as {
  mode: 'quiet' | 'approved' | 'preview';
  command: string;
  cwd: string;
  paths?: string[];
  timeoutMs?: number;
  pty?: boolean;
};
// A terminal pane's pty, as aios holds one: node-pty keeps its master open without close-on-exec.
const pane = req.pty ? (await import('node-pty')).spawn('/bin/sleep', ['60'], {}) : undefined;
const env = { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: process.env.HOME ?? '/nonexistent', LANG: 'C.UTF-8' };
if (req.mode === 'preview') {
  const p = await previewCommand(
    { command: req.command, cwd: req.cwd, env },
    { ...DEFAULT_PREVIEW, ...(req.paths ? { paths: req.paths } : {}), timeoutMs: req.timeoutMs ?? 20_000 },
  );
  console.log(
    JSON.stringify({
      ran: p.ran,
      exitCode: p.exitCode,
      limits: p.limits,
      lines: p.lines,
      changes: p.changes.map((c) => `${c.kind} ${c.path}`),
      diffs: p.changes.map((c) => c.diff ?? '').join('\n'),
    }),
  );
} else {
  const ex = new Executor({ sandbox: new Sandbox(), env });
  const r = await ex.run({
    command: req.command,
    cwd: req.cwd,
    timeoutMs: req.timeoutMs ?? 20_000,
    ...(req.mode === 'quiet' ? { confinement: confinementFor(req.cwd, {}) } : {}),
  });
  console.log(
    JSON.stringify({
      ran: r.spawnError === undefined,
      exitCode: r.exitCode,
      output: r.fullOutput,
      confined: r.confined,
      spawnError: r.spawnError,
    }),
  );
}
pane?.kill();
process.exit(0);

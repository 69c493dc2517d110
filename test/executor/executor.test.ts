import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Executor, capHeadTail } from '../../src/core/executor';
import { isAlive } from '../support/process';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-exec-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Executor', () => {
  it('streams stdout and stderr and reports the exit code', async () => {
    const chunks: string[] = [];
    const r = await new Executor().run({ command: 'echo out; echo err >&2; exit 3', cwd: dir, onOutput: (c) => chunks.push(c) });
    expect(r.exitCode).toBe(3);
    expect(r.signal).toBeNull();
    expect(r.fullOutput).toContain('out\n');
    expect(r.fullOutput).toContain('err\n');
    expect(chunks.join('')).toContain('out');
    expect(r.endedAt.getTime()).toBeGreaterThanOrEqual(r.startedAt.getTime());
    expect(r.timedOut).toBe(false);
  });

  it('runs in the given cwd and passes UTF-8 through', async () => {
    const r = await new Executor().run({ command: 'pwd; echo 日本語テキスト', cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain(fs.realpathSync(dir));
    expect(r.output).toContain('日本語テキスト');
  });

  it('reports a cwd that does not exist instead of throwing', async () => {
    const r = await new Executor().run({ command: 'true', cwd: path.join(dir, 'missing') });
    expect(r.exitCode).toBeNull();
    expect(r.spawnError).toMatch(/ENOENT/);
  });

  it('a timeout kills the whole process group, grandchildren included', async () => {
    const pidFile = path.join(dir, 'pid');
    const canary = path.join(dir, 'canary');
    const r = await new Executor({ killGraceMs: 200 }).run({
      // The grandchild writes its pid, then would touch the canary if it survived.
      // /proc/self/stat names the host's pid (the command's own PID namespace keeps the host's /proc).
      command: `sh -c 'read -r me _ < /proc/self/stat; echo $me > ${pidFile}; sleep 2; touch ${canary}' & wait`,
      cwd: dir,
      timeoutMs: 300,
    });
    expect(r.timedOut).toBe(true);
    const gpid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    await waitFor(() => !isAlive(gpid));
    await new Promise((res) => setTimeout(res, 2300));
    expect(fs.existsSync(canary)).toBe(false);
  });

  it('cancel kills the group, even a child that ignores SIGTERM', async () => {
    const pidFile = path.join(dir, 'pid');
    const ac = new AbortController();
    const p = new Executor({ killGraceMs: 200 }).run({
      command: `sh -c 'trap "" TERM; read -r me _ < /proc/self/stat; echo $me > ${pidFile}; while true; do sleep 0.05; done' & wait`,
      cwd: dir,
      signal: ac.signal,
    });
    await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '');
    const gpid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    expect(isAlive(gpid)).toBe(true);
    ac.abort();
    const r = await p;
    expect(r.cancelled).toBe(true);
    await waitFor(() => !isAlive(gpid));
  });

  it('does not wait for a backgrounded job that keeps the pipes open, and ends it with the command (nothing the AI starts outlives its card)', async () => {
    const pidFile = path.join(dir, 'daemon');
    const r = await new Executor({ drainMs: 100 }).run({
      command: `sh -c 'read -r me _ < /proc/self/stat; echo $me > ${pidFile}; exec sleep 20' & sleep 0.2; echo started`,
      cwd: dir,
    });
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain('started');
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    await waitFor(() => !isAlive(pid));
  });

  it('an already aborted signal never starts the command', async () => {
    const canary = path.join(dir, 'canary');
    const ac = new AbortController();
    ac.abort();
    const r = await new Executor().run({ command: `touch ${canary}`, cwd: dir, signal: ac.signal });
    expect(r.cancelled).toBe(true);
    expect(fs.existsSync(canary)).toBe(false);
  });

  it('caps what the model sees to head and tail with a marker, and bounds the UI copy', async () => {
    const r = await new Executor({ modelOutputMax: 500, fullOutputMax: 20_000 }).run({
      command: 'echo FIRSTLINE; seq 1 20000; echo LASTLINE',
      cwd: dir,
    });
    expect(r.output.length).toBeLessThanOrEqual(500);
    expect(r.output).toContain('FIRSTLINE');
    expect(r.output).toContain('LASTLINE');
    expect(r.output).toMatch(/characters omitted/);
    expect(r.fullOutput.length).toBeLessThan(20_100);
    expect(r.fullOutput).toContain('FIRSTLINE');
    expect(r.fullOutput).toContain('LASTLINE');
    expect(r.outputTruncated).toBe(true);
  });
});

describe('capHeadTail', () => {
  it('leaves short text alone and never exceeds the cap', () => {
    expect(capHeadTail('abc', 10)).toEqual({ text: 'abc', truncated: false });
    const long = 'x'.repeat(10_000);
    for (const max of [60, 100, 1000]) expect(capHeadTail(long, max).text.length).toBeLessThanOrEqual(max);
  });
});

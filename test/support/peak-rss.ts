import { spawn, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';

/** What one measured child process did. */
export interface MeasuredRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From spawn to exit, in milliseconds. */
  wallMs: number;
  /** The kernel's high-water mark of the child's resident set (VmHWM), in kB. */
  peakRssKb: number;
  stdout: string;
  stderr: string;
}

/** VmHWM of a live process in kB, or undefined once it is gone (or a zombie). */
function readPeakRssKb(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs a command to its end and reports its wall time and peak RSS. The peak
 * is read from /proc/PID/status every few milliseconds while the child lives:
 * VmHWM only grows, so the last reading is the peak up to a few ms before the
 * exit, which is precise enough to tell 80 MB from 570 MB. Linux only (as is
 * aios); no /usr/bin/time needed.
 */
export function runMeasured(command: string, args: string[], options: SpawnOptions & { timeoutMs?: number } = {}): Promise<MeasuredRun> {
  const { timeoutMs = 60_000, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
    let peakRssKb = 0;
    let stdout = '';
    let stderr = '';
    const sample = (): void => {
      if (child.pid === undefined) return;
      peakRssKb = Math.max(peakRssKb, readPeakRssKb(child.pid) ?? 0);
    };
    const poll = setInterval(sample, 5);
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.once('error', (err) => {
      clearInterval(poll);
      clearTimeout(killer);
      reject(err);
    });
    child.once('exit', () => sample());
    child.once('close', (code, signal) => {
      const wallMs = performance.now() - started;
      clearInterval(poll);
      clearTimeout(killer);
      resolve({ code, signal, wallMs, peakRssKb, stdout, stderr });
    });
  });
}

import fs from 'node:fs';

/**
 * CPU time spent so far by this process and by the children it has waited
 * for (their whole trees, as each parent waits for its own), in ms. A busy
 * machine stretches wall-clock figures by whatever else runs; the CPU a
 * command costs stays put, so the benches print both. Children's time comes
 * in the kernel's clock ticks (10 ms here): summed over many runs, it
 * averages out.
 */
const TICK_MS = 10;
export function cpuMs(): number {
  const self = process.cpuUsage();
  return (self.user + self.system) / 1000 + processCpuMs('self', true);
}

/** A process's CPU time in ms from /proc (its own, and with `childrenOnly` only that of the children it waited for). */
export function processCpuMs(pid: number | 'self', childrenOnly = false): number {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Fields after the command name (which may hold spaces), from field 3: utime, stime, cutime, cstime are 14 to 17.
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  const children = ((f[13] ?? 0) + (f[14] ?? 0)) * TICK_MS;
  return childrenOnly ? children : ((f[11] ?? 0) + (f[12] ?? 0)) * TICK_MS + children;
}

/** Adds each call's CPU time to a named total; `perRun` gives the mean per call. */
export class CpuTally {
  private readonly totals = new Map<string, { ms: number; n: number }>();

  /** `settleMs`: an idle wait before the tally ends, for children that exit (and are counted) after `fn` resolves. */
  async measure<T>(name: string, fn: () => Promise<T>, settleMs = 0): Promise<T> {
    const c0 = cpuMs();
    try {
      return await fn();
    } finally {
      if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
      const t = this.totals.get(name) ?? { ms: 0, n: 0 };
      t.ms += cpuMs() - c0;
      t.n++;
      this.totals.set(name, t);
    }
  }

  perRun(name: string): number {
    const t = this.totals.get(name);
    return t && t.n > 0 ? t.ms / t.n : NaN;
  }
}

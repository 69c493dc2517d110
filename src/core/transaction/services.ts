import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Effect } from './types';

/**
 * What a package's maintainer scripts would have told systemd, done after
 * the commit. Inside a transaction there is no systemd to talk to (no /run):
 * `deb-systemd-helper enable` lands its links as files, but the daemon-reload
 * and the `deb-systemd-invoke start` of what it enabled do nothing there.
 * After the commit, when systemd runs the machine, aios does those two
 * itself, each said with its exit status: `systemctl daemon-reload`, then
 * `systemctl start` of the units the command newly enabled (links added in a
 * `.wants`/`.requires` folder). Units whose files changed are not restarted
 * (an upgrade's restart is the person's call): the line says how. Neither
 * can be undone by the transaction: undo puts the files back, not the
 * services, and the undo record says so.
 */

export interface UnitChanges {
  /** Unit files (and links) added, changed or deleted. */
  files: number;
  /** Units newly enabled (a link added in a .wants/.requires folder): started after the commit. */
  enabled: string[];
  /** Units whose files changed (not added): not restarted. */
  changed: string[];
}

export interface AfterCommit {
  /** Each action and its exit status, or why none ran; one line each for the card. */
  lines: string[];
  /** What ran that undo does not reverse, for the undo record. */
  notUndone: string[];
}

const UNIT_DIRS = ['usr/lib/systemd/system', 'lib/systemd/system', 'etc/systemd/system'];
const UNIT_NAME = /^[\w@:.\\-]+\.(?:service|socket|timer|path|target|mount)$/;

/** Unit files the command touched, under `root` ('/' on the machine), or null when none. */
export function unitChanges(effects: readonly Effect[], root = '/'): UnitChanges | null {
  const dirs = UNIT_DIRS.map((d) => `${path.join(root, d)}/`);
  const touched = effects.filter((e) => e.type !== 'dir' && dirs.some((d) => e.path.startsWith(d)));
  if (touched.length === 0) return null;
  const names = (es: readonly Effect[]) => [...new Set(es.map((e) => path.basename(e.path)).filter((n) => UNIT_NAME.test(n)))];
  return {
    files: touched.length,
    enabled: names(touched.filter((e) => e.change === 'added' && /\.(?:wants|requires)\/[^/]+$/.test(e.path))),
    changed: names(touched.filter((e) => e.change === 'changed' && e.type === 'file' && !/\.(?:wants|requires)\//.test(e.path))),
  };
}

/** systemd runs this machine: its run-time folder is there (what sd_booted checks). */
export const systemdRunning = (marker = '/run/systemd/system'): boolean =>
  fs.statSync(marker, { throwIfNoEntry: false })?.isDirectory() ?? false;

const systemctl = (args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) =>
  new Promise<{ code: number | null; why: string }>((resolve) => {
    execFile('systemctl', args, { env, timeout: timeoutMs, maxBuffer: 256 * 1024 }, (err, _out, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      const why =
        err && code === null
          ? err.killed
            ? `did not finish in ${timeoutMs / 1000} s`
            : err.message
          : (String(stderr).trim().split('\n')[0] ?? '');
      resolve({ code, why });
    });
  });

/** Tells systemd what the commit changed, when it runs here; otherwise says so and does nothing. */
export async function actOnUnits(u: UnitChanges, o: { env: NodeJS.ProcessEnv; marker?: string; timeoutMs?: number }): Promise<AfterCommit> {
  const restart =
    u.changed.length > 0
      ? [`changed units were not restarted: ${u.changed.join(' ')} (if they run: sudo systemctl try-restart ${u.changed.join(' ')})`]
      : [];
  if (!systemdRunning(o.marker)) {
    const would = ['sudo systemctl daemon-reload', ...(u.enabled.length ? [`sudo systemctl start ${u.enabled.join(' ')}`] : [])].join(
      ' && ',
    );
    return {
      lines: [
        `systemd units changed (${u.files} files); systemd is not running here (no /run/systemd/system), so nothing was reloaded or started (where it runs: ${would})`,
        ...restart,
      ],
      notUndone: [],
    };
  }
  const timeoutMs = o.timeoutMs ?? 90_000;
  const lines: string[] = [];
  const notUndone: string[] = [];
  const act = async (args: string[]) => {
    const r = await systemctl(args, o.env, timeoutMs);
    lines.push(
      `after the commit: systemctl ${args.join(' ')}: ${r.code === 0 ? 'exit 0' : `${r.code === null ? 'failed' : `exit ${r.code}`}${r.why ? ` (${r.why})` : ''}`}`,
    );
    return r.code === 0;
  };
  await act(['daemon-reload']);
  notUndone.push('systemctl daemon-reload');
  if (u.enabled.length > 0) {
    await act(['start', ...u.enabled]);
    notUndone.push(`systemctl start ${u.enabled.join(' ')} (to stop: sudo systemctl stop ${u.enabled.join(' ')})`);
  }
  return { lines: [...lines, ...restart], notUndone };
}

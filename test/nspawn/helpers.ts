import fs from 'node:fs';
import path from 'node:path';
import { findExecutable } from '../../src/core/executable';
import { repoRoot } from '../support/process';

export const nspawnDir = path.join(repoRoot, 'nspawn');
export const projectNode = fs.realpathSync(path.join(repoRoot, 'node_modules', '.bin', 'node'));

/** Where a person can look at what a test produced (test-results/ is gitignored). */
export const resultsDir = path.join(repoRoot, 'test-results', 'nspawn');

/**
 * Why a test that needs real containers or a real compositor cannot run here,
 * or undefined when it can. CI installs the packages and runs as root, so
 * there a missing requirement is a failure, not a skip.
 */
export function missingRequirement(commands: string[], needRoot: boolean): string | undefined {
  if (needRoot && process.getuid?.() !== 0) return 'needs root (systemd-nspawn and a second user)';
  const missing = commands.filter((c) => findExecutable(c, process.env.PATH) === undefined);
  return missing.length > 0 ? `missing commands: ${missing.join(', ')} (apt-get install -y systemd-container cage wayvnc gvncviewer xwayland chromium)` : undefined;
}

/** describe() for a suite that must run in CI: skipped elsewhere with the reason printed, failing in CI. */
export function gate(reason: string | undefined): { skip: boolean; check: () => void } {
  const ci = Boolean(process.env.CI);
  if (reason && !ci) console.warn(`test/nspawn: skipping: ${reason}`);
  return {
    skip: Boolean(reason) && !ci,
    check: () => {
      if (reason) throw new Error(`cannot run here: ${reason}; CI must run this suite`);
    },
  };
}

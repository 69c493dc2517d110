/**
 * When a kept preview is the run a transaction would make, and each reason it
 * is not, in words (what the debug log and the run's result say). The kept
 * run is data here; the real runs are in preview-commit.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OverlayRun } from '../../src/core/jail/preview';
import type { KeptPreview } from '../../src/core/preview';
import { SUDO_IN_PREVIEW } from '../../src/core/preview/summary';
import { previewReuseRefusal, stepsOutside } from '../../src/core/transaction/preview-reuse';

// An upper layer that exists (the kept run's), and one that does not.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-reuse-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const env = { PATH: '/usr/bin:/bin', LANG: 'C' };
const run = (o: Partial<OverlayRun> = {}): OverlayRun => ({
  stateDir: '/dev/shm/aios-preview-x',
  elevated: false,
  targets: [{ dir: '/srv/m', upper: dir, listings: '' }],
  exitCode: 0,
  timedOut: false,
  setupError: null,
  unmounted: [],
  submounts: [],
  writable: [],
  stdout: '',
  stderr: '',
  durationMs: 1,
  ...o,
});
const kept = (o: Partial<KeptPreview> = {}, r: Partial<OverlayRun> = {}): KeptPreview => ({
  run: run(r),
  beganNs: 1n,
  command: 'echo x >> /srv/m/f',
  cwd: '/srv/m/p',
  shell: undefined,
  env,
  paths: ['/srv/m'],
  network: false,
  limits: [],
  ...o,
});
const want = {
  command: 'echo x >> /srv/m/f',
  cwd: '/srv/m/p',
  shell: undefined,
  env,
  targets: ['/srv/m/p', '/srv/m'],
  network: true,
  runAs: undefined,
};
const someone = { uid: 1234, gid: 1234, groups: [1234, 27] };

describe.skipIf(process.getuid?.() !== 0)('whether a kept preview is the transaction', () => {
  it('is, when it ran to its end over the same folders with nothing it could not see (a sudo inside is the same root)', () => {
    expect(previewReuseRefusal(kept(), want)).toBeNull();
    expect(previewReuseRefusal(kept({ limits: [SUDO_IN_PREVIEW] }), want)).toBeNull();
  });

  it('is not, and says why, for each difference', () => {
    expect(previewReuseRefusal(kept({ command: 'echo y' }), want)).toBe('the previewed command or its folder is not the one approved');
    expect(previewReuseRefusal(kept({ shell: '/bin/zsh' }), want)).toBe('the preview ran it with another shell');
    expect(previewReuseRefusal(kept({ env: { ...env, X: '1' } }), want)).toBe('the preview ran it with another environment');
    expect(previewReuseRefusal(kept({}, { elevated: true }), want)).toMatch(/^aios is not root/);
    // The root helper's preview for its caller is the run of a transaction for that same caller only.
    expect(previewReuseRefusal(kept(), { ...want, runAs: someone })).toBe('the preview ran it as another user');
    expect(previewReuseRefusal(kept({ runAs: { ...someone, uid: 99 } }), { ...want, runAs: someone })).toBe(
      'the preview ran it as another user',
    );
    expect(previewReuseRefusal(kept({ runAs: { ...someone, groups: [27, 1234] } }), { ...want, runAs: someone })).toBeNull();
    expect(previewReuseRefusal(kept({}, { timedOut: true, exitCode: null }), want)).toBe('the preview did not run to its end');
    expect(previewReuseRefusal(kept({}, { exitCode: 2 }), want)).toMatch(/^it failed in the preview \(exit 2\)/);
    expect(previewReuseRefusal(kept({ network: true }), want)).toBe('the preview had the network on');
    expect(previewReuseRefusal(kept({ limits: ['the network was off in the preview: …'] }), want)).toBe(
      'the preview could not see everything: the network was off in the preview: …',
    );
    expect(previewReuseRefusal(kept({}, { targets: [{ dir: '/srv/m', upper: `${dir}/gone`, listings: '' }] }), want)).toBe(
      "the preview's upper layers are gone",
    );
    expect(previewReuseRefusal(kept(), { ...want, targets: ['/srv/m', '/srv/other'] })).toBe(
      'the preview did not overlay /srv/other, which the transaction would',
    );
  });

  it('finds the steps outside the transaction’s folders', () => {
    const steps = [
      { path: '/srv/m/a', to: { kind: 'absent' as const } },
      { path: '/srv/mm', to: { kind: 'absent' as const } },
    ];
    expect(stepsOutside(steps, ['/srv/m'])).toEqual(['/srv/mm']);
  });
});

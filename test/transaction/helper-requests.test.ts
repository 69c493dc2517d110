/**
 * The root helper's requests for a kept preview, as its zod schema checks
 * them before anything runs: a preview is asked for by its settings only
 * (no folder to keep it in, no network), a commit or a drop names a kept
 * preview by its random id and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { TransactionsConfigSchema } from '../../src/core/config/schema';
import { HelperRequestSchema } from '../../src/core/transaction/root-helper';

const preview = {
  op: 'preview',
  command: 'echo hi >> /etc/x',
  cwd: '/home/me',
  env: { PATH: '/usr/bin:/bin' },
  paths: ['/etc', '/home'],
  timeoutMs: 5000,
  maxDiffBytes: 65536,
  maxChanges: 200,
};
const id = '0123456789abcdef0123456789abcdef';
const run = {
  op: 'run',
  cfg: TransactionsConfigSchema.parse({ enabled: true }),
  command: 'echo hi >> /etc/x',
  cwd: '/home/me',
  env: {},
  timeoutMs: 5000,
  approved: true,
  protect: {},
};
const ok = (x: object) => HelperRequestSchema.safeParse(x).success;

describe("the root helper's kept-preview requests", () => {
  it('takes a preview by its settings, a commit naming a kept id, and a drop', () => {
    expect(ok(preview)).toBe(true);
    expect(ok({ ...run, previewId: id })).toBe(true);
    expect(ok({ op: 'drop', id })).toBe(true);
  });

  it('refuses a preview that names where to keep it, or asks for the network, and ids that are not its own kind', () => {
    expect(ok({ ...preview, stateBase: '/home/me/kept' })).toBe(false);
    expect(ok({ ...preview, network: true })).toBe(false);
    expect(ok({ ...preview, cwd: 'relative' })).toBe(false);
    expect(ok({ ...run, previewId: '../../run/aios/previews/x' })).toBe(false);
    expect(ok({ ...run, previewId: id.toUpperCase() })).toBe(false);
    expect(ok({ op: 'drop', id: `${id}0` })).toBe(false);
    expect(ok({ op: 'drop', id, path: '/run/aios/previews/x' })).toBe(false);
  });
});

import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sandboxSection } from '../../src/hosts/cli/doctor';
import { ConfigSchema } from '../../src/core/config/schema';
import type { LoadedConfig } from '../../src/core/config/load';
import { makeTempDir, type TempDir } from '../support/temp';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('aios-doctor-sandbox-');
});
afterEach(() => tmp.cleanup());

function loaded(commands: Record<string, unknown>): LoadedConfig {
  return { config: ConfigSchema.parse({ commands }) } as unknown as LoadedConfig;
}

describe('aios doctor: the sandbox section', () => {
  it('reports bubblewrap and the variables left out of commands', () => {
    const s = sandboxSection({ env: { PATH: process.env.PATH, OPENAI_API_KEY: 'sk-abcdefgh', GH_TOKEN: 'x' }, loaded: loaded({}) });
    expect(s.ok).toBe(true);
    expect(s.lines.join('\n')).toMatch(/bubblewrap .*auto-allowed commands run confined/);
    expect(s.lines.join('\n')).toContain('not passed to commands: GH_TOKEN, OPENAI_API_KEY');
  });

  it('says when bubblewrap is unavailable and that auto-allowed commands then run as notify', () => {
    const s = sandboxSection({ env: { PATH: process.env.PATH }, loaded: loaded({ bwrap: path.join(tmp.path, 'no-bwrap') }) });
    expect(s.ok).toBe(false);
    expect(s.lines.join('\n')).toMatch(/unavailable: bubblewrap is not installed/);
    expect(s.lines.join('\n')).toContain('auto-allowed commands run as notify');
  });
});

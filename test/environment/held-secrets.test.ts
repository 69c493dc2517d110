import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../../src/core/core';
import { makeTempDir, isolatedEnv, type TempDir } from '../support/temp';

const REPO = path.resolve(import.meta.dirname, '../..');
const KEY = 'sk-proj-HeldCanary7Qx2Lm9Pz4Rt8Vw1Ys6';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('aios-held-');
});
afterEach(() => tmp.cleanup());

/**
 * A real Node process that takes its secrets as aios's entry points do,
 * then has a child of its own (as a command aios runs would be) read the
 * parent's /proc/<pid>/environ and environment.
 */
function runTaker(env: Record<string, string>): { parentEnviron: string; childEnv: string; held: string; problem: string } {
  const script = tmp.join('taker.ts');
  fs.writeFileSync(
    script,
    `import { execFileSync } from 'node:child_process';
import { heldEnv, takeSecretsFromEnvironment } from ${JSON.stringify(path.join(REPO, 'src/core/environment/held-secrets.ts'))};
const r = takeSecretsFromEnvironment({ names: ['PLAIN_NAMED_KEYVAR'] });
const parentEnviron = execFileSync('cat', ['/proc/' + process.pid + '/environ']).toString('latin1');
const childEnv = execFileSync('env').toString();
process.stdout.write(JSON.stringify({ parentEnviron, childEnv, held: heldEnv().OPENAI_API_KEY ?? '', problem: r.problem ?? '' }));
`,
  );
  const out = execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: REPO, env });
  return JSON.parse(out.toString()) as { parentEnviron: string; childEnv: string; held: string; problem: string };
}

describe("the provider key leaves aios's own process environment", () => {
  it('is gone from /proc/<aios pid>/environ and from what children inherit, yet aios still holds it', () => {
    const env = {
      ...isolatedEnv(tmp.path),
      OPENAI_API_KEY: KEY,
      GH_TOKEN: 'ghp_HeldCanaryToken0123456789',
      PLAIN_NAMED_KEYVAR: 'plain-canary-value-42',
    };
    const r = runTaker(env);
    expect(r.problem).toBe('');
    expect(r.held).toBe(KEY);
    for (const canary of [KEY, 'ghp_HeldCanaryToken0123456789', 'plain-canary-value-42']) {
      expect(r.parentEnviron).not.toContain(canary);
      expect(r.childEnv).not.toContain(canary);
    }
    // The rest of the environment is untouched.
    expect(r.parentEnviron).toContain(`HOME=${tmp.path}`);
    expect(r.childEnv).toContain(`HOME=${tmp.path}`);
  });
});

describe('the provider key as a systemd credential', () => {
  it('is read from $CREDENTIALS_DIRECTORY, reaches the provider, and no command sees it or the folder', async () => {
    const creds = tmp.join('creds');
    fs.mkdirSync(creds, { mode: 0o700 });
    fs.writeFileSync(path.join(creds, 'openai_api_key'), `${KEY}\n`, { mode: 0o400 });
    const core = new Core({ host: 'tty', env: { ...isolatedEnv(tmp.path), CREDENTIALS_DIRECTORY: creds }, mcp: false });
    try {
      const provider = await core.chat.provider();
      expect(provider.kind).toBe('ready');
      if (provider.kind === 'ready') expect(provider.apiKey).toBe(KEY);
      expect(Object.values(core.commandEnv.env).join('\n')).not.toContain(KEY);
      expect(core.commandEnv.env.CREDENTIALS_DIRECTORY).toBeUndefined();
      expect(core.commandEnv.secrets.redact(`k=${KEY}`)).toBe('k=[redacted]');
    } finally {
      await core.close();
    }
  });
});

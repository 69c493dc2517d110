import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCommandEnv, commandEnvironment, REDACTED_MARKER, SecretSet } from '../../src/core/environment';
import { ConfigSchema } from '../../src/core/config/schema';

const KEY = 'sk-test-0123456789abcdefSECRET';

describe('buildCommandEnv', () => {
  it('drops the provider key, secret-looking names and launcher variables, and keeps the rest', () => {
    const r = buildCommandEnv({
      env: {
        PATH: '/usr/bin',
        HOME: '/home/me',
        MY_PROVIDER: KEY,
        GITHUB_TOKEN: 'ghp_abcdefgh',
        AWS_SECRET: 'aws-secret-1',
        DB_PASSWORD_FILE: '/run/pw',
        gpg_key: 'lower-case-key',
        npm_config_x: '1',
        NODE_OPTIONS: '--inspect',
        LANG: 'C.UTF-8',
      },
      apiKeyEnv: 'MY_PROVIDER',
    });
    expect(r.env).toEqual({ PATH: '/usr/bin', HOME: '/home/me', LANG: 'C.UTF-8' });
    expect(r.removed.sort()).toEqual(['AWS_SECRET', 'DB_PASSWORD_FILE', 'GITHUB_TOKEN', 'MY_PROVIDER', 'gpg_key'].sort());
    expect(r.secretValues).toContain(KEY);
    expect(r.secretValues).toContain('ghp_abcdefgh');
  });

  it('takes its name patterns from [commands] secret_env', () => {
    const config = ConfigSchema.parse({ commands: { secret_env: ['CORP_*'] }, ai: { api_key_env: 'OPENAI_API_KEY' } });
    const r = commandEnvironment(config, { CORP_THING: 'corp-value-123', GITHUB_TOKEN: 'kept-now', OPENAI_API_KEY: KEY }, {});
    expect(r.env).toEqual({ GITHUB_TOKEN: 'kept-now' });
    expect(r.secrets.redact(`a ${KEY} b corp-value-123`)).toBe(`a ${REDACTED_MARKER} b ${REDACTED_MARKER}`);
  });

  it("counts aios's own process environment as secrets too (a child can read its parent's /proc/<pid>/environ)", () => {
    const config = ConfigSchema.parse({});
    const r = commandEnvironment(config, { PATH: '/bin' }, { OPENAI_API_KEY: KEY });
    expect(r.secrets.redact(KEY)).toBe(REDACTED_MARKER);
  });
});

describe('SecretSet streaming', () => {
  it('redacts a secret split across any two chunks, and holds back no more than a prefix', () => {
    const secrets = new SecretSet();
    secrets.add(KEY);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (before, after, cuts) => {
          const text = `${before}${KEY}${after}`;
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks: string[] = [];
          let last = 0;
          for (const p of points) {
            chunks.push(text.slice(last, p));
            last = p;
          }
          chunks.push(text.slice(last));
          const stream = secrets.stream();
          const out = chunks.map((c) => stream.push(c)).join('') + stream.end();
          expect(out).not.toContain(KEY);
          expect(out).toBe(secrets.redact(text));
        },
      ),
    );
  });

  it('passes text through untouched when it holds no secret', () => {
    const secrets = new SecretSet();
    secrets.add(KEY);
    const stream = secrets.stream();
    expect(stream.push('hello ')).toBe('hello ');
    expect(stream.push('sk-te')).toBe('');
    expect(stream.holding).toBe(true);
    expect(stream.push('xt')).toBe('sk-text');
  });
});

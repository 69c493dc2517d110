import { describe, expect, it } from 'vitest';
import { CTX, engineFromToml } from '../support/policy';

/** How the configuration reaches the engine: fallback on problems, located pattern errors, profiles. */

const BASE = `[permissions]
auto_allow = ["ls", "cat", "pacman -Q*"]
notify = ["pacman -S*"]
require_approval = ["rm -rf*"]
deny = ["rm -rf /"]
`;

describe('the safe fallback', () => {
  it('runs with everything requiring approval plus the shipped deny list when the TOML is malformed', async () => {
    const { engine, file } = await engineFromToml('[permissions]\nauto_allow = ["ls"\n');
    expect(engine.problems).toHaveLength(1);
    expect(engine.problems[0]).toMatchObject({ file, line: 3 });
    expect(engine.fallback).toBe(true);
    const ls = engine.decide('ls', CTX);
    expect(ls.decision).toBe('require_approval');
    expect(ls.fallback).toBe(true);
    expect(ls.reasons.join('\n')).toMatch(/safe fallback/);
    expect(engine.decide('rm -rf /', CTX).decision).toBe('deny');
    expect(engine.decide('mkfs.ext4 /dev/sda', CTX).decision).toBe('deny');
    expect(engine.decide(':(){ :|:& };:', CTX).decision).toBe('deny');
    expect(engine.decide('pacman -S firefox', CTX).decision).toBe('require_approval');
    const rule = engine.decide('rm -rf /', CTX).segments[0]?.rule;
    expect(rule).toMatchObject({ list: 'deny', source: 'fallback', pattern: 'rm -rf /' });
    expect(engine.describe()).toMatch(/safe fallback/);
    expect(engine.describe()).toContain(`${file}:3`);
  });

  it('does the same for an unknown key', async () => {
    const { engine } = await engineFromToml(`${BASE}typo_list = ["x"]\n`);
    expect(engine.problems[0]).toMatchObject({ key: 'permissions.typo_list', line: 6, column: 1 });
    expect(engine.decide('ls', CTX).decision).toBe('require_approval');
  });

  it('reports a pattern that cannot be parsed with the line and column of its string', async () => {
    const toml = `[permissions]\nauto_allow = ["ls"]\ndeny = [\n  "rm -rf /",\n  "rm $(whoami)",\n]\n`;
    const { engine, file } = await engineFromToml(toml);
    expect(engine.problems).toHaveLength(1);
    expect(engine.problems[0]).toMatchObject({ file, line: 5, column: 3, key: 'permissions.deny[1]' });
    expect(engine.problems[0]?.message).toMatch(/rm \$\(whoami\)/);
    expect(engine.fallback).toBe(true);
    expect(engine.decide('ls', CTX).decision).toBe('require_approval');
  });

  it.each([
    ['ls >out', /redirection/],
    ['X=1 ls', /set variables/],
    ['echo "unterminated', /not a valid shell command/],
    ['if true; then ls; fi', /not supported/],
    ['ls $HOME', /\$-expansions/],
  ])('rejects the pattern %j', async (pattern, message) => {
    const { engine } = await engineFromToml(`[permissions]\nnotify = [${JSON.stringify(pattern)}]\n`);
    expect(engine.problems).toHaveLength(1);
    expect(engine.problems[0]?.message).toMatch(message);
    expect(engine.problems[0]).toMatchObject({ line: 2, column: 11 });
  });
});

const PROFILES = `${BASE}
[profiles.aios-prod.permissions]
require_approval = ["pacman -S*"]
notify = ["ls", "rm -rf /", "unknown-tool"]
deny = ["systemctl stop*"]
`;

describe('profiles', () => {
  it('are picked by hostname and only tighten', async () => {
    const { engine } = await engineFromToml(PROFILES, { hostname: 'aios-prod' });
    expect(engine.problems).toEqual([]);
    expect(engine.profile).toBe('aios-prod');
    const install = engine.decide('pacman -S firefox', CTX);
    expect(install.decision).toBe('require_approval');
    expect(install.profile).toBe('aios-prod');
    expect(install.segments[0]?.rule).toMatchObject({ source: 'profile', profile: 'aios-prod', list: 'require_approval' });
    // ls was auto_allow: the profile's notify is stricter, so it applies.
    expect(engine.decide('ls', CTX).decision).toBe('notify');
    // A profile's notify cannot loosen a deny, nor the approval an unmatched command needs.
    expect(engine.decide('rm -rf /', CTX).decision).toBe('deny');
    expect(engine.decide('unknown-tool', CTX).decision).toBe('require_approval');
    expect(engine.decide('systemctl stop sshd', CTX).decision).toBe('deny');
    expect(engine.decide('cat README.md', CTX).decision).toBe('auto_allow');
    expect(engine.describe()).toMatch(/profile aios-prod/);
  });

  it('match a fully qualified hostname by its first label', async () => {
    const { engine } = await engineFromToml(PROFILES, { hostname: 'aios-prod.example.com' });
    expect(engine.profile).toBe('aios-prod');
  });

  it('do not apply on other machines', async () => {
    const { engine } = await engineFromToml(PROFILES, { hostname: 'laptop' });
    expect(engine.profile).toBeUndefined();
    expect(engine.decide('pacman -S firefox', CTX).decision).toBe('notify');
    expect(engine.decide('ls', CTX).decision).toBe('auto_allow');
  });

  it('can be chosen with --profile, and an unknown one puts the engine on the fallback', async () => {
    const chosen = await engineFromToml(PROFILES, { hostname: 'laptop', profile: 'aios-prod' });
    expect(chosen.engine.profile).toBe('aios-prod');
    expect(chosen.engine.decide('systemctl stop sshd', CTX).decision).toBe('deny');

    const unknown = await engineFromToml(PROFILES, { hostname: 'laptop', profile: 'nope' });
    expect(unknown.engine.problems[0]?.message).toMatch(/profile 'nope' is not defined \(defined: aios-prod\)/);
    expect(unknown.engine.fallback).toBe(true);
    expect(unknown.engine.decide('ls', CTX).decision).toBe('require_approval');
  });

  it('have their patterns checked even when another machine uses them', async () => {
    const { engine } = await engineFromToml(`${BASE}[profiles.other.permissions]\ndeny = ["ls >x"]\n`, { hostname: 'laptop' });
    expect(engine.problems[0]).toMatchObject({ key: 'profiles.other.permissions.deny[0]', line: 7, column: 9 });
  });
});

import { describe, expect, it } from 'vitest';
import { engineFromToml } from '../support/policy';

describe('the safe fallback', () => {
  it('asks even for builtins without side effects, which a sound config lets run', async () => {
    const broken = await engineFromToml('[permissions]\nauto_allow = ["ls"\n');
    expect(broken.engine.fallback).toBe(true);
    for (const line of ['echo hi', 'cd /tmp', 'true', 'pwd'])
      expect(broken.engine.decide(line, { cwd: '/home/me', home: '/home/me' }).decision, line).toBe('require_approval');
    const sound = await engineFromToml('[permissions]\nauto_allow = ["ls"]\n');
    expect(sound.engine.fallback).toBe(false);
    for (const line of ['echo hi', 'cd /tmp && ls', 'true', 'pwd'])
      expect(sound.engine.decide(line, { cwd: '/home/me', home: '/home/me' }).decision, line).toBe('auto_allow');
  });
});

import { describe, expect, it } from 'vitest';
import { locate, tomlPositions } from '../../src/core/config/locate';

describe('tomlPositions', () => {
  it('finds tables, keys and array elements, including multi-line arrays with comments', () => {
    const text = [
      '# top comment',
      '[permissions]',
      'auto_allow = ["ls", "cat"]',
      'deny = [',
      '  "rm -rf /", # the root',
      "  'mkfs*',",
      ']',
    ].join('\n');
    const pos = tomlPositions(text);
    expect(pos.get('permissions')).toEqual({ line: 2, column: 1 });
    expect(pos.get('permissions.auto_allow')).toEqual({ line: 3, column: 1 });
    expect(pos.get('permissions.auto_allow[1]')).toEqual({ line: 3, column: 21 });
    expect(pos.get('permissions.deny[0]')).toEqual({ line: 5, column: 3 });
    expect(pos.get('permissions.deny[1]')).toEqual({ line: 6, column: 3 });
  });

  it('handles dotted and quoted keys, inline tables and multi-line strings', () => {
    const text = [
      'title = """a',
      'b "quoted" ]',
      '"""',
      '[profiles."aios-prod".permissions]',
      'deny = ["x"]',
      '[ai]',
      'x.y = { z = 1, w = [2, 3] }',
      "lit = '''[not a table]'''",
      'after = 1',
    ].join('\n');
    const pos = tomlPositions(text);
    expect(pos.get('profiles.aios-prod.permissions.deny[0]')).toEqual({ line: 5, column: 9 });
    expect(pos.get('ai.x.y.z')).toEqual({ line: 7, column: 9 });
    expect(pos.get('ai.x.y.w[1]')).toEqual({ line: 7, column: 24 });
    expect(pos.get('ai.after')).toEqual({ line: 9, column: 1 });
    expect(pos.has('not a table')).toBe(false);
  });

  it('numbers arrays of tables', () => {
    const pos = tomlPositions('[[srv]]\nname = "a"\n[[srv]]\nname = "b"\n');
    expect(pos.get('srv[0].name')).toEqual({ line: 2, column: 1 });
    expect(pos.get('srv[1].name')).toEqual({ line: 4, column: 1 });
  });

  it('falls back to the nearest written parent', () => {
    const pos = tomlPositions('[permissions]\ndeny = []\n');
    expect(locate(pos, 'permissions.deny[4]')).toEqual({ line: 2, column: 1 });
    expect(locate(pos, 'permissions.other')).toEqual({ line: 1, column: 1 });
    expect(locate(pos, 'nothing.here')).toBeUndefined();
  });
});

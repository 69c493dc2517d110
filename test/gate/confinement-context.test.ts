import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { confinementFor } from '../../src/core/executor/sandbox';
import { protectedReason, type ProtectedPathContext } from '../../src/core/policy/programs/protected-paths';
import { makeTempDir, type TempDir } from '../support/temp';

/**
 * The list of protected places is worked out once per context and kept by the
 * context's contents: two contexts that differ in any field, aios's data and
 * cache folders included, get their own list.
 */
let tmp: TempDir | undefined;
afterEach(() => {
  tmp?.cleanup();
  tmp = undefined;
});

describe('protected places kept per context', () => {
  it('tells contexts apart that differ only in their own data folders', () => {
    const a: ProtectedPathContext = { home: '/home/me', ownTrees: ['/srv/aios-a'] };
    const b: ProtectedPathContext = { home: '/home/me', ownTrees: ['/srv/aios-b'] };
    expect(protectedReason('/srv/aios-a/x', a)).toBeDefined();
    expect(protectedReason('/srv/aios-b/x', b)).toBeDefined();
    expect(protectedReason('/srv/aios-a/x', b)).toBeUndefined();
  });

  it('confines each work tree by its own context, every time', () => {
    tmp = makeTempDir('aios-confine-ctx-');
    const tree = tmp.join('tree');
    fs.mkdirSync(`${tree}/data`, { recursive: true });
    fs.mkdirSync(`${tree}/cache`, { recursive: true });
    const data: ProtectedPathContext = { ownTrees: [`${tree}/data`] };
    const cache: ProtectedPathContext = { ownTrees: [`${tree}/cache`] };
    for (let i = 0; i < 2; i++) {
      expect(confinementFor(tree, data).readOnly).toEqual([`${tree}/data`]);
      expect(confinementFor(tree, cache).readOnly).toEqual([`${tree}/cache`]);
    }
    // A place made since the last command is covered at the next (the folders are listed for every command).
    fs.mkdirSync(`${tree}/.git/hooks`, { recursive: true });
    expect(confinementFor(tree, data).readOnly).toEqual([`${tree}/data`, `${tree}/.git/hooks`].sort((x, y) => x.length - y.length));
  });
});

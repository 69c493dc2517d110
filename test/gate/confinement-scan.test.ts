/**
 * What the quiet jail keeps read-only in a work tree that is a home: the
 * protected places that exist (found by listing their folders once each),
 * never a dangling link, and the hooks and config of every repository,
 * including one made since the previous command.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { confinementFor } from '../../src/core/executor';
import { tempDir } from '../support/policy';

let t: { dir: string; cleanup: () => void };
beforeEach(() => {
  t = tempDir('aios-confine-scan-');
});
afterEach(() => t.cleanup());

const rel = (paths: readonly string[]) => paths.map((p) => path.relative(t.dir, p));

describe('the read-only places of a home work tree', () => {
  it('holds the protected files and folders that exist, and no dangling link', () => {
    const home = t.dir;
    fs.writeFileSync(path.join(home, '.bashrc'), '');
    fs.mkdirSync(path.join(home, '.ssh'));
    fs.mkdirSync(path.join(home, '.config', 'autostart'), { recursive: true });
    fs.symlinkSync(path.join(home, 'gone'), path.join(home, '.profile'));
    const c = confinementFor(home, { home });
    expect(rel(c.readOnly)).toEqual(expect.arrayContaining(['.bashrc', '.ssh', '.config/autostart']));
    expect(rel(c.readOnly)).not.toContain('.profile');
    expect(rel(c.readOnly)).not.toContain('.zshrc');
    // Once the link's target exists, the link is a protected file like any other.
    fs.writeFileSync(path.join(home, 'gone'), '');
    expect(rel(confinementFor(home, { home }).readOnly)).toContain('.profile');
  });

  it('finds a protected place made after the previous command under folders that did not exist then', () => {
    const home = t.dir;
    expect(rel(confinementFor(home, { home }).readOnly)).not.toContain('.local/share/systemd/user');
    fs.mkdirSync(path.join(home, '.local', 'share', 'systemd', 'user'), { recursive: true });
    // A file where a protected folder's parent would be: nothing under it, and no error.
    fs.writeFileSync(path.join(home, '.config'), '');
    const c = confinementFor(home, { home });
    expect(rel(c.readOnly)).toContain('.local/share/systemd/user');
    expect(rel(c.readOnly).filter((p) => p.startsWith('.config/'))).toEqual([]);
  });

  it('finds a repository made after the previous command, at any scanned depth', () => {
    const home = t.dir;
    fs.mkdirSync(path.join(home, 'src', 'app'), { recursive: true });
    expect(rel(confinementFor(home, { home }).readOnly).filter((p) => p.includes('.git'))).toEqual([]);
    fs.mkdirSync(path.join(home, 'src', 'app', '.git', 'hooks'), { recursive: true });
    fs.writeFileSync(path.join(home, 'src', 'app', '.git', 'config'), '');
    fs.mkdirSync(path.join(home, 'notes', '.git'), { recursive: true });
    fs.writeFileSync(path.join(home, 'notes', '.git', 'config'), '');
    const after = rel(confinementFor(home, { home }).readOnly);
    expect(after).toEqual(expect.arrayContaining(['src/app/.git/hooks', 'src/app/.git/config', 'notes/.git/config']));
    expect(after).not.toContain('notes/.git/hooks');
  });

  it('keeps the work tree itself read-only where the tree is a repository', () => {
    const tree = path.join(t.dir, 'repo');
    fs.mkdirSync(path.join(tree, '.git', 'hooks'), { recursive: true });
    expect(confinementFor(tree, { home: t.dir }).readOnly).toEqual([path.join(tree, '.git', 'hooks')]);
  });
});

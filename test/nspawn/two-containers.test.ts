import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectMemoryFile } from '../../src/core/memory/inspect';
import { collect, repoRoot } from '../support/process';
import { sqlite3 } from '../support/sqlite-cli';
import { makeTempDir, type TempDir } from '../support/temp';
import { gate, missingRequirement } from './helpers';

const PER_CONTAINER = 500;
const KIOSK_UID = 1000;
const g = gate(missingRequirement(['systemd-nspawn', 'sqlite3'], true));

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('aios-2machines-');
});
afterEach(() => tmp.cleanup());

/**
 * The smallest root an aios machine's userland needs here: the host's /usr
 * (read-only, with the usr-merge links), a passwd with the kiosk user `ai`,
 * and mount points for the app and the shared memory folder.
 */
function minimalRoot(name: string): string {
  const root = tmp.join(name);
  for (const dir of ['usr', 'etc', 'tmp', 'opt/aios', 'home/ai/.config/syui/ai', 'proc', 'sys', 'dev', 'run', 'var/tmp']) {
    fs.mkdirSync(path.join(root, dir), { recursive: true });
  }
  fs.chmodSync(path.join(root, 'tmp'), 0o1777);
  for (const l of ['bin', 'sbin', 'lib', 'lib64']) fs.symlinkSync(`usr/${l}`, path.join(root, l));
  fs.writeFileSync(path.join(root, 'etc/passwd'), `root:x:0:0:root:/root:/bin/sh\nai:x:${KIOSK_UID}:${KIOSK_UID}:aios:/home/ai:/bin/sh\n`);
  fs.writeFileSync(path.join(root, 'etc/group'), `root:x:0:\nai:x:${KIOSK_UID}:\n`);
  fs.chownSync(path.join(root, 'home/ai'), KIOSK_UID, KIOSK_UID);
  return root;
}

/** One container writing PER_CONTAINER memories, one `aios memory add` process each. */
function container(root: string, memory: string, build: string, tag: string) {
  // The machine's own /usr/bin/aios launcher (nspawn/aios) from the checkout;
  // it runs the app on the Node in /opt/aios/node_modules (the system Node 20
  // crashes better-sqlite3).
  const loop = `i=0; while [ "$i" -lt ${PER_CONTAINER} ]; do aios memory add "${tag} memory $i" >/dev/null || exit 1; i=$((i + 1)); done`;
  const child = spawn(
    'systemd-nspawn',
    [
      '--register=no',
      '--keep-unit',
      '--quiet',
      '--console=pipe',
      `--directory=${root}`,
      `--machine=${tag}`,
      '--bind-ro=/usr',
      `--bind-ro=${repoRoot}:/opt/aios`,
      `--bind-ro=${build}:/opt/aios/out`,
      `--bind=${memory}:/home/ai/.config/syui/ai`,
      '--user=ai',
      '--setenv=PATH=/opt/aios/nspawn:/usr/bin:/bin',
      '/bin/sh',
      '-c',
      loop,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return { child, done: collect(child) };
}

describe.skipIf(g.skip)('two aios machines sharing one memory folder', () => {
  it(`each writes ${PER_CONTAINER} memories with aios memory add; the host sees all of them in a sound aigpt-format file`, async () => {
    g.check();
    if (!fs.existsSync(path.join(repoRoot, 'out/main/cli.js'))) throw new Error('the app is not built (out/main/cli.js): run npm run build');
    // The host's ~/.config/syui/ai, owned by the host user whose uid the
    // machine's `ai` has (as aios.nspawn's idmap bind keeps owners).
    const memory = tmp.join('host-config-syui-ai');
    fs.mkdirSync(memory, { mode: 0o700 });
    fs.chownSync(memory, KIOSK_UID, KIOSK_UID);

    // A copy of the build, so a rebuild in the checkout while this runs (npm
    // run aios rebuilds when sources change) cannot pull chunks from under it.
    const build = tmp.join('out');
    fs.cpSync(path.join(repoRoot, 'out'), build, { recursive: true });

    const started = performance.now();
    const machines = [container(minimalRoot('root-a'), memory, build, 'aios-a'), container(minimalRoot('root-b'), memory, build, 'aios-b')];
    let results;
    try {
      results = await Promise.all(machines.map((m) => m.done));
    } finally {
      for (const m of machines) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGKILL');
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`test/nspawn: two containers wrote ${2 * PER_CONTAINER} memories (one process each) in ${seconds.toFixed(1)} s`);
    for (const r of results) {
      expect(r.stderr.replace(/^Attempted to remove disk file system.*\n?/gm, '')).toBe('');
      expect(r.code).toBe(0);
    }

    const file = path.join(memory, 'gpt', 'memory.db');
    const db = new Database(file, { readonly: true });
    try {
      const contents = db.prepare('SELECT content FROM memories').pluck().all() as string[];
      expect(contents).toHaveLength(2 * PER_CONTAINER);
      const expected = ['aios-a', 'aios-b'].flatMap((tag) => Array.from({ length: PER_CONTAINER }, (_, i) => `${tag} memory ${i}`));
      expect([...contents].sort()).toEqual(expected.sort());
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
    // A second SQLite (the sqlite3 shell) agrees.
    const cli = sqlite3(file, 'PRAGMA integrity_check;\nSELECT count(*) FROM memories;\n');
    expect(cli.stdout).toBe(`ok\n${2 * PER_CONTAINER}\n`);

    // What aigpt needs to read the file: its tables and columns, ULID ids,
    // its timestamp form, entity lists.
    const report = inspectMemoryFile(file);
    expect(report.error).toBeUndefined();
    expect(report).toMatchObject({
      missingAigptTables: [],
      missingMemoryColumns: [],
      formatProblems: { badIds: 0, badTimestamps: 0, badRelatedEntities: 0, examples: [] },
      quickCheck: 'ok',
      rowCounts: { memories: 2 * PER_CONTAINER },
    });
    // Every file the machines made belongs to the kiosk user, as on a real host.
    for (const name of fs.readdirSync(path.dirname(file))) expect(fs.statSync(path.join(path.dirname(file), name)).uid).toBe(KIOSK_UID);
  }, 900_000);
});

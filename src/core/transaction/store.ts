import fs from 'node:fs';
import path from 'node:path';
import { monotonicFactory } from 'ulid';
import { JOURNAL } from './apply';
import { fingerprint } from './fingerprint';
import type { Before, UndoRecord } from './types';

/** Record ids in the order they were made, even within one millisecond: list, prune and undo go by id. */
const ulid = monotonicFactory();

/**
 * Undo records on disk, one folder each under `<root>/records/<id>/`: the
 * record (record.json) and the kept prior states (pre/). Only root may read
 * them (they hold copies of whatever the commands changed, /etc/shadow
 * included). Bounded in size and age: the oldest records go first, and the
 * caller is told which.
 */

export interface StoreLimits {
  maxBytes: number;
  maxAgeMs: number;
}

type Summary = Pick<UndoRecord, 'id' | 'command' | 'createdAt' | 'bytes'>;

export interface Dropped {
  id: string;
  command: string;
  createdAt: string;
  why: 'size' | 'age';
}

export class UndoStore {
  readonly records: string;
  /** Where overlay runs keep their upper layers until they are committed (outside every overlaid folder). */
  readonly scratch: string;

  constructor(readonly root: string) {
    this.records = path.join(root, 'records');
    this.scratch = path.join(root, 'scratch');
  }

  ensure(): void {
    // The folders above it stay open to look through (a preview run by another user hides the state folder by its path).
    fs.mkdirSync(path.dirname(this.root), { recursive: true, mode: 0o755 });
    for (const d of [this.root, this.records, this.scratch]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.root, 0o700);
  }

  /** A new record's id and folder (made). */
  create(): { id: string; dir: string } {
    this.ensure();
    const id = ulid();
    const dir = path.join(this.records, id);
    fs.mkdirSync(dir, { mode: 0o700 });
    return { id, dir };
  }

  dir(id: string): string {
    if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(id)) throw new RangeError(`not an undo record id: ${id}`);
    return path.join(this.records, id);
  }

  save(record: UndoRecord): void {
    const file = path.join(this.dir(record.id), 'record.json');
    fs.writeFileSync(`${file}.new`, JSON.stringify(record));
    fs.renameSync(`${file}.new`, file);
  }

  get(id: string): UndoRecord | null {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir(id), 'record.json'), 'utf8')) as UndoRecord;
    } catch {
      return null;
    }
  }

  /** Every record, oldest first (ULIDs sort by time). A folder without a record (a commit cut off) is left out. */
  list(): UndoRecord[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.records).sort();
    } catch {
      return [];
    }
    return names.map((n) => this.get(n)).filter((r): r is UndoRecord => r !== null);
  }

  remove(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }

  /** Disk a record takes (blocks, so hard links to files still in place count only once the files are gone elsewhere). */
  static diskBytes(dir: string): number {
    let total = 0;
    const seen = new Set<bigint>();
    const walk = (p: string) => {
      const st = fs.lstatSync(p, { throwIfNoEntry: false, bigint: true });
      if (!st || seen.has(st.ino)) return;
      seen.add(st.ino);
      // A pre-image hard-linked to a file nobody else names any more (nlink 1) is the record's own; shared ones cost nothing yet.
      if (!st.isDirectory() && st.nlink > 1n) return;
      total += Number(st.blocks) * 512;
      if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
    };
    walk(dir);
    return total;
  }

  /**
   * Commits a crash cut off (a record folder with a journal and no record):
   * made records of their own, named so, whose undo puts back every path
   * the commit had reached. Folders with nothing journalled are removed.
   * Returns the records made.
   */
  recoverInterrupted(): UndoRecord[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.records).sort();
    } catch {
      return [];
    }
    const made: UndoRecord[] = [];
    for (const id of names) {
      const dir = path.join(this.records, id);
      if (fs.existsSync(path.join(dir, 'record.json'))) continue;
      let lines: string[] = [];
      try {
        lines = fs.readFileSync(path.join(dir, JOURNAL), 'utf8').split('\n').filter(Boolean);
      } catch {
        // No journal: nothing was changed.
      }
      const parsed = lines.map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          // A line cut off mid-write: its step had not started.
          return null;
        }
      });
      // A commit's journal starts with whose it is; an undo's has only steps.
      const head = parsed[0] && typeof parsed[0].path !== 'string' ? parsed[0] : undefined;
      // Every step is journalled before the first is taken: a kept state that is not there was never made, and its path
      // was never reached (the prior state is kept before a path is replaced).
      const entries = parsed.filter(
        (e): e is { path: string; before: Before } =>
          typeof e?.path === 'string' &&
          typeof e.before === 'object' &&
          e.before !== null &&
          ((e.before as Before).kind !== 'node' || keptExists(dir, (e.before as Extract<Before, { kind: 'node' }>).file)),
      );
      if (entries.length === 0) {
        this.remove(id);
        continue;
      }
      const record: UndoRecord = {
        id,
        kind: 'command',
        command: `${typeof head?.command === 'string' ? head.command : 'a command'} (cut off while it was being applied)`,
        cwd: typeof head?.cwd === 'string' ? head.cwd : '/',
        createdAt: typeof head?.createdAt === 'string' ? head.createdAt : new Date().toISOString(),
        entries: entries.map((e) => ({ path: e.path, before: e.before, after: fingerprint(e.path, e.before.kind === 'meta') })),
        effects: [],
        effectsOmitted: 0,
        bytes: UndoStore.diskBytes(dir),
      };
      this.save(record);
      made.push(record);
    }
    return made;
  }

  /** What prune needs of each record, read again only when its record.json changed (every commit prunes). */
  private readonly summaries = new Map<string, { key: string; summary: Summary }>();

  /** Every record's summary, oldest first: record.json is read and parsed only when new or rewritten since. */
  private summariesInOrder(): Summary[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.records).sort();
    } catch {
      return [];
    }
    const out: Summary[] = [];
    const seen = new Set<string>();
    for (const id of names) {
      const st = fs.statSync(path.join(this.records, id, 'record.json'), { throwIfNoEntry: false, bigint: true });
      if (!st) continue;
      seen.add(id);
      // save() writes a new file and renames it into place: a rewritten record has another inode.
      const key = `${st.ino}:${st.mtimeNs}:${st.size}`;
      let got = this.summaries.get(id);
      if (got?.key !== key) {
        const r = this.get(id);
        if (!r) continue;
        got = { key, summary: { id: r.id, command: r.command, createdAt: r.createdAt, bytes: r.bytes } };
        this.summaries.set(id, got);
      }
      out.push(got.summary);
    }
    for (const id of [...this.summaries.keys()]) if (!seen.has(id)) this.summaries.delete(id);
    return out;
  }

  /** Drops the oldest records until the rest fit in size and age (the newest always stays); says which went. */
  prune(limits: StoreLimits, now = Date.now()): Dropped[] {
    const all = this.summariesInOrder();
    const dropped: Dropped[] = [];
    // Each record's size as measured when it was made (its kept files do not change after).
    let total = all.reduce((s, r) => s + r.bytes, 0);
    for (const r of all.slice(0, -1)) {
      const old = now - Date.parse(r.createdAt) > limits.maxAgeMs;
      if (!old && total <= limits.maxBytes) break;
      total -= r.bytes;
      this.remove(r.id);
      dropped.push({ id: r.id, command: r.command, createdAt: r.createdAt, why: old ? 'age' : 'size' });
    }
    return dropped;
  }
}

function keptExists(recordDir: string, file: string): boolean {
  return typeof file === 'string' && fs.lstatSync(path.join(recordDir, file), { throwIfNoEntry: false }) !== undefined;
}

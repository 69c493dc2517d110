/**
 * What can go wrong with the memory file, in terms a person can act on.
 * aios never deletes, recreates or repairs the file: it reports and carries
 * on without memory.
 */
export type MemoryErrorKind =
  /** SQLite says the file is not a database or is damaged. */
  | 'corrupt'
  /** The file or its folder cannot be opened or read (permissions, missing dir, I/O error). */
  | 'unreadable'
  /** Another process held a lock for longer than the busy timeout. */
  | 'locked'
  /** The file (or its -wal/-shm, or the folder) is not writable. */
  | 'readonly'
  /** The disk is full. */
  | 'full'
  /** The file holds a `memories` table aios cannot use without rewriting it. */
  | 'incompatible'
  /** Written by a newer aios (a higher aios_meta.schema_version): read, never written or relabelled. */
  | 'newer'
  /** The store was closed. */
  | 'closed'
  | 'other';

const ADVICE: Record<MemoryErrorKind, string> = {
  corrupt: 'aios left it untouched and will not write to it',
  unreadable: 'check that the file and its folder exist and are readable by this user',
  locked: 'another program kept it locked; close it or try again',
  readonly: 'check write permission on the file, its -wal/-shm files and its folder',
  full: 'free some disk space',
  incompatible: 'aios left it untouched; it is not an aigpt memory database',
  newer: 'aios opened it read-only and writes nothing to it; update aios on this machine to write to it again',
  closed: 'the memory store was closed',
  other: 'see the SQLite message',
};

export class MemoryStoreError extends Error {
  override readonly name = 'MemoryStoreError';
  readonly kind: MemoryErrorKind;
  readonly path: string;
  /** SQLite's (or the OS's) own words, unedited. */
  readonly sqliteMessage: string;
  /** e.g. `SQLITE_NOTADB`, `SQLITE_BUSY`, `EACCES`. */
  readonly code: string | undefined;

  constructor(kind: MemoryErrorKind, path: string, sqliteMessage: string, code?: string, options?: { cause?: unknown }) {
    super(
      `memory database ${path} is ${describeKind(kind)}: ${sqliteMessage}${codeNote(code, sqliteMessage)} (${ADVICE[kind]})${kind === 'corrupt' ? recoverySteps(path) : ''}`,
      options,
    );
    this.kind = kind;
    this.path = path;
    this.sqliteMessage = sqliteMessage;
    this.code = code;
  }
}

/**
 * SQLite's extended code, where its message does not already say it: "database
 * is locked" is the same words for a lock held too long (SQLITE_BUSY) and for
 * a snapshot another writer moved on (SQLITE_BUSY_SNAPSHOT), which need
 * different fixes.
 */
function codeNote(code: string | undefined, message: string): string {
  return code?.startsWith('SQLITE_') && !message.includes(code) ? ` [${code}]` : '';
}

/** How a person gets a damaged file's data back: SQLite's own recovery, or aios's command that runs it. */
export function recoverySteps(path: string): string {
  const q = `'${path.replace(/'/g, "'\\''")}'`;
  return `. To recover: run \`aios memory recover\` (it writes what can be read to a new file beside it and says how to switch), or by hand: sqlite3 ${q} .recover (or .dump) | sqlite3 ${q}.recovered, then move ${q} aside and ${q}.recovered into its place`;
}

function describeKind(kind: MemoryErrorKind): string {
  switch (kind) {
    case 'corrupt':
      return 'corrupt';
    case 'unreadable':
      return 'unreadable';
    case 'locked':
      return 'locked';
    case 'readonly':
      return 'read-only';
    case 'full':
      return 'on a full disk';
    case 'incompatible':
      return 'not in aigpt format';
    case 'newer':
      return 'from a newer aios';
    case 'closed':
      return 'closed';
    case 'other':
      return 'unusable';
  }
}

function kindOfCode(code: string): MemoryErrorKind {
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') return 'readonly';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return 'full';
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH')
    return 'unreadable';
  if (code === 'EACCES' || code === 'EPERM' || code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return 'unreadable';
  return 'other';
}

/** Turns a thrown SQLite/OS error into a MemoryStoreError; passes MemoryStoreErrors through. */
export function toMemoryError(err: unknown, path: string): MemoryStoreError {
  if (err instanceof MemoryStoreError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return new MemoryStoreError(code ? kindOfCode(code) : 'other', path, message, code, { cause: err });
}

/** True for errors that mean "the file is there but could not be written right now". */
export function isWriteBlocked(err: MemoryStoreError): boolean {
  return err.kind === 'locked' || err.kind === 'readonly' || err.kind === 'full' || err.kind === 'newer';
}

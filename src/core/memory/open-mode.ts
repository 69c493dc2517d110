import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, openSnapshot, type OpenedDatabase, type OpenOptions } from './connection';
import { MemoryStoreError, toMemoryError } from './errors';
import { AIOS_SCHEMA_VERSION, readSchemaState } from './schema';

/**
 * Opens for writing when it can. A file written by a newer aios (higher
 * aios_meta.schema_version) is opened read-only, never migrated or
 * relabelled; a file that can be read but not written (read-only folder or
 * file) is opened read-only too, so memory stays readable.
 */
export function openWritableOrReadOnly(file: string, options: OpenOptions): { opened: OpenedDatabase; readOnlyBecause?: MemoryStoreError } {
  if (options.readonly) return { opened: openDatabase(file, options) };
  let opened: OpenedDatabase;
  try {
    opened = openDatabase(file, options);
  } catch (err) {
    const e = toMemoryError(err, file);
    if ((e.kind !== 'readonly' && e.kind !== 'unreadable') || !fs.existsSync(file)) throw e;
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch {
      throw e;
    }
    return {
      opened: openReadOnly(file, options),
      readOnlyBecause: new MemoryStoreError(
        'readonly',
        file,
        `cannot be written (${e.sqliteMessage}); opened read-only: memories can be read, nothing new is saved`,
        e.code,
      ),
    };
  }
  if (!writableHere(file)) {
    const reason = new MemoryStoreError(
      'readonly',
      file,
      'the file or its folder is not writable by this user; opened read-only: memories can be read, nothing new is saved',
      'EACCES',
    );
    opened.db.close();
    return { opened: openReadOnly(file, options), readOnlyBecause: reason };
  }
  let version: number | undefined;
  try {
    version = readSchemaState(opened.db).aiosSchemaVersion;
  } catch {
    version = undefined;
  }
  if (version !== undefined && Number.isFinite(version) && version > AIOS_SCHEMA_VERSION) {
    opened.db.close();
    const reason = new MemoryStoreError(
      'newer',
      file,
      `its aios_meta.schema_version is ${version}, this aios knows up to ${AIOS_SCHEMA_VERSION}`,
      'AIOS_NEWER_SCHEMA',
    );
    return { opened: openDatabase(file, { ...options, readonly: true }), readOnlyBecause: reason };
  }
  return { opened };
}

/** Read-only through SQLite, or, when even that needs a write (a WAL file's -shm in a read-only folder), a copy in memory. */
function openReadOnly(file: string, options: OpenOptions): OpenedDatabase {
  try {
    return openDatabase(file, { ...options, readonly: true });
  } catch (err) {
    const e = toMemoryError(err, file);
    if (e.kind !== 'unreadable' && e.kind !== 'readonly') throw e;
    return openSnapshot(file);
  }
}

/** The file and its folder (for -wal, -shm and the journal) can be written by this process. */
function writableHere(file: string): boolean {
  try {
    fs.accessSync(path.dirname(file), fs.constants.W_OK);
    if (fs.existsSync(file)) fs.accessSync(file, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

import type { Xattrs } from './xattrs';

/** What one path should become when a change set is applied. */
export type Target =
  /** Nothing there (a deleted file or tree, or an added one undone). */
  | { kind: 'absent' }
  /** The file, symlink or whole directory tree at `from`, moved (or copied) into place. */
  | { kind: 'node'; from: string }
  /** A directory that stays, with these owner, mode and attributes (its entries are other steps). */
  | { kind: 'meta'; mode: number; uid: number; gid: number; xattrs: Xattrs };

/** One step of a change set: make `path` become `to`. */
export interface Step {
  path: string;
  to: Target;
}

export type NodeType = 'file' | 'dir' | 'symlink' | 'other';

/** One path's effect, as a person and the effect rules judge it (trees flattened). */
export interface Effect {
  path: string;
  change: 'added' | 'changed' | 'deleted' | 'meta';
  type: NodeType;
  /** After the change (the upper layer's), for added, changed and meta. */
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  /** Before the change, when it existed. */
  oldMode?: number;
  oldUid?: number;
  oldGid?: number;
  /** A file capability (security.capability) is set on it after the change. */
  capabilities?: boolean;
  /** Of a symlink, after the change. */
  linkTarget?: string;
}

/** How a path was before a step touched it, kept in an undo record. */
export type Before =
  | { kind: 'absent' }
  /** Kept as a file, symlink or tree in the record's folder (`file`, relative to it). */
  | { kind: 'node'; file: string; type: NodeType }
  | { kind: 'meta'; mode: number; uid: number; gid: number; xattrs: Xattrs };

export interface RecordEntry {
  path: string;
  before: Before;
  /** The path's fingerprint right after the step: differs when anything touched it since. */
  after: string;
}

export interface UndoRecord {
  id: string;
  /** `command`: a command's transaction; `undo`: an undo of `undoes`; `redo`: an undo of an undo. Each is itself undoable. */
  kind: 'command' | 'undo' | 'redo';
  command: string;
  cwd: string;
  createdAt: string;
  /** The record this one undid. */
  undoes?: string;
  /** Set when a later undo restored what this record changed. */
  undoneBy?: string;
  entries: RecordEntry[];
  /** Flattened effects, for history and display (capped). */
  effects: Effect[];
  effectsOmitted: number;
  /** Bytes the record's kept pre-images take on disk. */
  bytes: number;
  /** Packages dpkg had before and after (when its status file changed). */
  packages?: { added: string[]; removed: string[] };
  /** Done after the commit, outside the transaction (a service started): undo does not reverse it. */
  notUndone?: string[];
}

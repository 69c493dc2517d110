import fs from 'node:fs';
import path from 'node:path';
import type { CompiledPattern } from './pattern';

/**
 * Compiled patterns kept between processes, so a short command (`aios policy
 * check`) does not parse the ~60 shipped patterns with the bash grammar and
 * walk them again on every start. A compiled pattern is plain data; what it
 * is depends only on its text and on the code that compiled it, so the file
 * names that code (`codeId`: a hash of the policy sources and the grammar's
 * version, fixed at build time) and is ignored whole when the code differs.
 *
 * The file lives in the person's cache folder, beside config.toml's trust
 * level: whoever can write it can as well write config.toml. Anything that
 * does not read back as this code's cache is thrown away, never half-used.
 */

declare const __AIOS_POLICY_CODE_ID__: string | undefined;

/** The build's identity of the policy code; undefined when running from sources (no cache then: they may change under it). */
export function builtPolicyCodeId(): string | undefined {
  return typeof __AIOS_POLICY_CODE_ID__ === 'string' && __AIOS_POLICY_CODE_ID__.length > 0 ? __AIOS_POLICY_CODE_ID__ : undefined;
}

export interface PatternCache {
  get(text: string): CompiledPattern | undefined;
  set(text: string, pattern: CompiledPattern): void;
}

interface CacheFile {
  code: string;
  patterns: Record<string, CompiledPattern>;
}

const FILE_NAME = 'policy-patterns.json';
/** Beyond this many patterns (old edits of config.toml pile up), a save keeps only those this process used. */
const MAX_KEPT = 1000;

function readEntries(file: string, codeId: string): Map<string, CompiledPattern> {
  const entries = new Map<string, CompiledPattern>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return entries;
  }
  const data = parsed as Partial<CacheFile> | null;
  if (!data || typeof data !== 'object' || data.code !== codeId || !data.patterns || typeof data.patterns !== 'object') return entries;
  for (const [text, pattern] of Object.entries(data.patterns)) {
    // The shape a compiled pattern always has; an entry compiled from other text is never taken for this one.
    if (!pattern || typeof pattern !== 'object' || pattern.source !== text) return new Map();
    if (pattern.kind !== 'simple' && pattern.kind !== 'structural') return new Map();
    entries.set(text, pattern);
  }
  return entries;
}

/**
 * `mkdir -p` by hand: Node's recursive mkdirSync loops for ever where a
 * parent exists but refuses new entries with ENOENT (a HOME under /proc).
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d) && missing.length < 16; d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) fs.mkdirSync(d, { mode: 0o700 });
}

/** The cache file in `dir` (created on save, mode 0600); every error while reading or saving means compiling as if there were none. */
export class PatternFileCache implements PatternCache {
  private readonly entries: Map<string, CompiledPattern>;
  private readonly used = new Set<string>();
  private added = false;

  private constructor(
    private readonly file: string,
    private readonly codeId: string,
  ) {
    this.entries = readEntries(file, codeId);
  }

  static open(dir: string, codeId: string): PatternFileCache {
    return new PatternFileCache(path.join(dir, FILE_NAME), codeId);
  }

  get(text: string): CompiledPattern | undefined {
    this.used.add(text);
    return this.entries.get(text);
  }

  set(text: string, pattern: CompiledPattern): void {
    this.entries.set(text, pattern);
    this.used.add(text);
    this.added = true;
  }

  /** Writes the file when patterns were compiled this time (atomically: another aios may read it meanwhile). */
  save(): void {
    if (!this.added) return;
    const kept = this.entries.size > MAX_KEPT ? [...this.entries].filter(([text]) => this.used.has(text)) : this.entries;
    const data: CacheFile = { code: this.codeId, patterns: Object.fromEntries(kept) };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      makeDirs(path.dirname(this.file));
      fs.writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
      fs.renameSync(tmp, this.file);
      this.added = false;
    } catch {
      // A read-only or full cache folder: the next start compiles again.
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        // Nothing was written.
      }
    }
  }
}

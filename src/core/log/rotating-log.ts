import fs from 'node:fs';
import path from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What every host logs through; the file logger is one implementation. */
export interface Logger {
  debug(message: string, detail?: unknown): void;
  info(message: string, detail?: unknown): void;
  warn(message: string, detail?: unknown): void;
  error(message: string, detail?: unknown): void;
}

export const LOG_FILE_NAME = 'aios.log';
export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const DEFAULT_KEEP = 3;

export interface RotatingLogOptions {
  /** The folder holding `aios.log` and its rotated copies (`aios.log.1` …). */
  dir: string;
  /** Rotate before a write would take the file past this size. */
  maxBytes?: number;
  /** Rotated files kept besides the live one. */
  keep?: number;
  /** Where a line goes when the file cannot be written (a full disk must not take the app down). */
  fallback?: (line: string) => void;
  now?: () => Date;
}

/**
 * An append-only log file rotated by size: `aios.log` → `aios.log.1` → … →
 * `aios.log.<keep>`, the oldest dropped. Writes are synchronous so the line
 * about a crash is on disk before the process can die of it.
 */
export class RotatingFileLogger implements Logger {
  readonly file: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly fallback: (line: string) => void;
  private readonly now: () => Date;
  private size: number | undefined;

  constructor(private readonly options: RotatingLogOptions) {
    this.file = path.join(options.dir, LOG_FILE_NAME);
    this.maxBytes = Math.max(1024, options.maxBytes ?? DEFAULT_MAX_BYTES);
    this.keep = Math.max(0, Math.floor(options.keep ?? DEFAULT_KEEP));
    this.fallback = options.fallback ?? ((line) => process.stderr.write(line));
    this.now = options.now ?? (() => new Date());
  }

  debug(message: string, detail?: unknown): void {
    this.write('debug', message, detail);
  }
  info(message: string, detail?: unknown): void {
    this.write('info', message, detail);
  }
  warn(message: string, detail?: unknown): void {
    this.write('warn', message, detail);
  }
  error(message: string, detail?: unknown): void {
    this.write('error', message, detail);
  }

  write(level: LogLevel, message: string, detail?: unknown): void {
    const line = formatLine(this.now(), level, message, detail);
    try {
      const bytes = Buffer.byteLength(line);
      if (this.size === undefined) {
        fs.mkdirSync(this.options.dir, { recursive: true });
        this.size = fileSize(this.file);
      }
      if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
      fs.appendFileSync(this.file, line, { mode: 0o600 });
      this.size += bytes;
    } catch (err) {
      this.size = undefined;
      this.fallback(`aios: cannot write ${this.file} (${(err as Error).message}): ${line}`);
    }
  }

  /** The rotated copies that exist, newest first. */
  rotatedFiles(): string[] {
    return rotatedFiles(this.file, this.keep);
  }

  private rotate(): void {
    if (this.keep === 0) {
      fs.rmSync(this.file, { force: true });
    } else {
      fs.rmSync(`${this.file}.${this.keep}`, { force: true });
      for (let i = this.keep - 1; i >= 1; i--) renameIfExists(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      renameIfExists(this.file, `${this.file}.1`);
    }
    this.size = 0;
  }
}

function formatLine(at: Date, level: LogLevel, message: string, detail: unknown): string {
  const extra = detail === undefined ? '' : ` ${describeDetail(detail)}`;
  // One event, one line: a multi-line stack is indented under its first line.
  return `${at.toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${extra}`.replace(/\r?\n/g, '\n    ') + '\n';
}

function describeDetail(detail: unknown): string {
  if (detail instanceof Error) return detail.stack ?? `${detail.name}: ${detail.message}`;
  if (typeof detail === 'string') return detail;
  try {
    return JSON.stringify(detail);
  } catch {
    return String(detail);
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

export function rotatedFiles(file: string, keep = DEFAULT_KEEP): string[] {
  const out: string[] = [];
  for (let i = 1; i <= keep; i++) if (fs.existsSync(`${file}.${i}`)) out.push(`${file}.${i}`);
  return out;
}

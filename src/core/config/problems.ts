import fs from 'node:fs';
import { locate, tomlPositions } from './locate';

/**
 * A config problem and how it is written, without the schema: the policy
 * engine reports problems, and a short `aios policy check` that reads a
 * cached validated config never loads zod.
 */

/** One thing wrong with a config file, with what a person needs to fix it. */
export interface ConfigProblem {
  file: string;
  line?: number;
  column?: number;
  /** Dotted key path for schema errors, e.g. `permissions.deny[2]`. */
  key?: string;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}${p.column !== undefined ? `:${p.column}` : ''}` : p.file;
  return `${where}: ${p.key ? `${p.key}: ` : ''}${p.message}`;
}

/**
 * A problem with the value at `key` (e.g. `permissions.deny[3]`) of `file`,
 * with the line and column where it is written when the file can be read.
 */
export function problemAtKey(file: string, key: string, message: string): ConfigProblem {
  let at: { line: number; column: number } | undefined;
  try {
    at = locate(tomlPositions(fs.readFileSync(file, 'utf8')), key);
  } catch {
    at = undefined;
  }
  return { file, ...(at ? { line: at.line, column: at.column } : {}), key, message };
}

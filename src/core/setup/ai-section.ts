import { parse } from 'smol-toml';
import { parseConfigText } from '../config/load';

/**
 * Edits the `[ai]` table of a config.toml as text, so the person's comments,
 * spacing and other sections stay exactly as they wrote them. Each key is
 * replaced where it is written, else where the template has it commented out,
 * else added under the `[ai]` header (a new `[ai]` table at the end when there
 * is none). The result is parsed again and must hold exactly the new values.
 */

export interface AiSettings {
  /** Absent: the key is removed (OpenAI's own endpoint, or an Ollama probe). */
  base_url?: string;
  model?: string;
  api_key_env: string;
}

export class ConfigEditError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigEditError';
  }
}

const KEYS = ['base_url', 'model', 'api_key_env'] as const;
type AiKey = (typeof KEYS)[number];

const HEADER = /^\s*\[\s*([A-Za-z0-9_.\s"'-]+?)\s*\]\s*(#.*)?$/;
const ARRAY_HEADER = /^\s*\[\[/;

function tomlString(value: string): string {
  // JSON's escapes are valid TOML basic-string escapes for every character JSON emits.
  return JSON.stringify(value);
}

function keyLine(key: AiKey, value: string): string {
  return `${key} = ${tomlString(value)}`;
}

interface Section {
  /** Index of the `[ai]` header line, or -1. */
  header: number;
  /** First line after the section (the next header, or the end). */
  end: number;
}

/** Where `[ai]` is, found only on lines outside multi-line strings. */
function findAiSection(lines: string[]): Section {
  let header = -1;
  let inMultiline: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (inMultiline) {
      if (line.includes(inMultiline)) inMultiline = undefined;
      continue;
    }
    const opens = /("""|''')/.exec(line.replace(/#.*$/, ''));
    if (opens && (line.split(opens[1] as string).length - 1) % 2 === 1) inMultiline = opens[1];
    const isHeader = ARRAY_HEADER.test(line) || HEADER.test(line);
    if (!isHeader) continue;
    if (header >= 0) return { header, end: i };
    const name = HEADER.exec(line)?.[1]?.replace(/["'\s]/g, '');
    if (!ARRAY_HEADER.test(line) && name === 'ai') header = i;
  }
  return { header, end: lines.length };
}

function keyPattern(key: AiKey, commented: boolean): RegExp {
  return commented ? new RegExp(`^\\s*#\\s*${key}\\s*=`) : new RegExp(`^\\s*${key}\\s*=`);
}

/** The new text of a config.toml whose `[ai]` holds `settings`. Throws ConfigEditError when it cannot be done safely. */
export function withAiSettings(text: string, settings: AiSettings, file: string): string {
  const current = parseConfigText(text, file);
  if (current.problems.length > 0 && text.trim() !== '') {
    // Only a file the parser accepts can be edited without guessing; a schema problem elsewhere is kept as it is.
    try {
      parse(text);
    } catch (err) {
      throw new ConfigEditError(
        file,
        `${file} is not valid TOML (${(err as Error).message.split('\n')[0]}); fix it first, then save again`,
      );
    }
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let { header, end } = findAiSection(lines);
  if (header < 0) {
    if (/^\s*ai\s*[.=]/m.test(text)) {
      throw new ConfigEditError(
        file,
        `${file} writes the ai settings as dotted keys or an inline table; move them under an [ai] header, then save again`,
      );
    }
    if (lines.length > 0 && (lines[lines.length - 1] as string).trim() !== '') lines.push('');
    lines.push('[ai]');
    header = lines.length - 1;
    end = lines.length;
  }
  for (const key of KEYS) {
    const value = settings[key];
    const written = findLine(lines, header + 1, end, keyPattern(key, false));
    if (value === undefined) {
      if (written >= 0) {
        lines.splice(written, 1);
        end--;
      }
      continue;
    }
    if (written >= 0) {
      lines[written] = keyLine(key, value);
      continue;
    }
    const commented = findLine(lines, header + 1, end, keyPattern(key, true));
    if (commented >= 0) {
      lines.splice(commented + 1, 0, keyLine(key, value));
    } else {
      lines.splice(lastSettingLine(lines, header, end) + 1, 0, keyLine(key, value));
    }
    end++;
  }
  const next = `${lines.join(eol)}${eol}`;
  verify(next, settings, file);
  return next;
}

function findLine(lines: string[], from: number, to: number, pattern: RegExp): number {
  for (let i = from; i < to; i++) if (pattern.test(lines[i] as string)) return i;
  return -1;
}

/** The last line of the section that is not blank, so a new key sits with the others, not after trailing blank lines. */
function lastSettingLine(lines: string[], header: number, end: number): number {
  let last = header;
  for (let i = header + 1; i < end; i++) if ((lines[i] as string).trim() !== '') last = i;
  return last;
}

function verify(text: string, settings: AiSettings, file: string): void {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigEditError(
      file,
      `editing ${file} would make it invalid TOML (${(err as Error).message.split('\n')[0]}); nothing was written`,
    );
  }
  const ai = (doc.ai ?? {}) as Record<string, unknown>;
  for (const key of KEYS) {
    if (ai[key] !== settings[key]) {
      throw new ConfigEditError(
        file,
        `could not set [ai] ${key} in ${file} without rewriting it (it is written in a form this editor does not change); set it by hand; nothing was written`,
      );
    }
  }
}

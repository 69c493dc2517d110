import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  loadedFromParsed,
  loadedWithoutFile,
  readConfigFile,
  type LoadConfigOptions,
  type LoadedConfig,
  type ParsedConfig,
} from './loaded';
import type * as Validator from './load';
import type { AiosConfig } from './schema';

/**
 * config.toml as validated before, kept between processes, so a short command
 * (`aios policy check`) neither loads zod nor validates the same text again.
 * What validation gives depends only on the file's text and name and on the
 * code that validated it, so an entry is the text itself (compared whole:
 * any edit, whatever its size or time stamp, is a miss) and the file names
 * that code (`codeId`: a hash of the config code and of zod and smol-toml,
 * fixed at build time) and is ignored whole when the code differs. What
 * depends on the environment (paths, `~` in protected paths, the shipped
 * floor) is made anew from it on every load (`loaded.ts`).
 *
 * The file lives in the person's cache folder, beside the compiled patterns
 * and config.toml's trust level: whoever can write it can as well write
 * config.toml. Anything that does not read back as this code's cache is
 * thrown away, never half-used.
 */

declare const __AIOS_CONFIG_CODE_ID__: string | undefined;

/** The build's identity of the config code; undefined when running from sources (no cache then: they may change under it). */
export function builtConfigCodeId(): string | undefined {
  return typeof __AIOS_CONFIG_CODE_ID__ === 'string' && __AIOS_CONFIG_CODE_ID__.length > 0 ? __AIOS_CONFIG_CODE_ID__ : undefined;
}

const FILE_NAME = 'config-validated.json';
/** Config files remembered (`--config` may name others); the one used last is kept first. */
const MAX_FILES = 8;

interface Entry {
  text: string;
  parsed: ParsedConfig;
}

interface CacheFile {
  code: string;
  defaults?: AiosConfig;
  files: Record<string, Entry>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isParsed(v: unknown): v is ParsedConfig {
  return isObject(v) && Array.isArray(v.problems) && Array.isArray(v.warnings) && (v.config === undefined || isObject(v.config));
}

function readCache(file: string, codeId: string): CacheFile {
  const empty: CacheFile = { code: codeId, files: {} };
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return empty;
  }
  if (!isObject(data) || data.code !== codeId || !isObject(data.files)) return empty;
  if (data.defaults !== undefined && !isObject(data.defaults)) return empty;
  for (const entry of Object.values(data.files))
    if (!isObject(entry) || typeof entry.text !== 'string' || !isParsed(entry.parsed)) return empty;
  return data as unknown as CacheFile;
}

/** Whether `value` reads back from JSON as exactly itself (no `undefined` keys, dates, non-finite numbers): only then is it kept. */
function survivesJson(value: unknown): boolean {
  try {
    return isDeepStrictEqual(JSON.parse(JSON.stringify(value)), value);
  } catch {
    return false;
  }
}

/** `mkdir -p` by hand: Node's recursive mkdirSync loops for ever where a parent exists but refuses new entries with ENOENT. */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d) && missing.length < 16; d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) fs.mkdirSync(d, { mode: 0o700 });
}

/** The cache file in `dir` (created on save, mode 0600); every error while reading or saving means validating as if there were none. */
export class ValidatedConfigCache {
  private readonly data: CacheFile;
  private changed = false;

  private constructor(private readonly file: string) {
    this.data = { code: '', files: {} };
  }

  static open(dir: string, codeId: string): ValidatedConfigCache {
    const cache = new ValidatedConfigCache(path.join(dir, FILE_NAME));
    Object.assign(cache.data, readCache(cache.file, codeId));
    return cache;
  }

  defaults(): AiosConfig | undefined {
    return this.data.defaults;
  }

  setDefaults(config: AiosConfig): void {
    if (!survivesJson(config)) return;
    this.data.defaults = config;
    this.changed = true;
  }

  /** What validating `text` as `file` gave before, if this very text was validated. */
  parsed(file: string, text: string): ParsedConfig | undefined {
    const entry = Object.hasOwn(this.data.files, file) ? this.data.files[file] : undefined;
    return entry?.text === text ? entry.parsed : undefined;
  }

  setParsed(file: string, text: string, parsed: ParsedConfig): void {
    if (!survivesJson(parsed)) return;
    const others = Object.entries(this.data.files).filter(([f]) => f !== file);
    this.data.files = Object.fromEntries([[file, { text, parsed }], ...others.slice(0, MAX_FILES - 1)]);
    this.changed = true;
  }

  /** Writes what was added (to a temporary file renamed over the old one, so a reader never sees half of it). */
  save(): void {
    if (!this.changed) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      makeDirs(path.dirname(this.file));
      fs.writeFileSync(tmp, JSON.stringify(this.data), { mode: 0o600 });
      fs.renameSync(tmp, this.file);
      this.changed = false;
    } catch {
      fs.rmSync(tmp, { force: true });
    }
  }
}

/**
 * `loadConfig` (./load) with the validation taken from `cache` when this text
 * was validated before: the same result, and zod is loaded only on a miss.
 */
export async function loadConfigCached(options: LoadConfigOptions, cache: ValidatedConfigCache | undefined): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  let validator: typeof Validator | undefined;
  const validate = async () => (validator ??= await import('./load'));
  const defaults = async (): Promise<AiosConfig> => {
    const known = cache?.defaults();
    if (known) return known;
    const made = (await validate()).defaultConfig();
    cache?.setDefaults(made);
    return made;
  };
  const read = readConfigFile(options);
  let loaded: LoadedConfig;
  if ('error' in read) loaded = loadedWithoutFile(read.file, read.error, options.file !== undefined, await defaults(), env);
  else {
    let parsed = cache?.parsed(read.file, read.text);
    if (!parsed) {
      parsed = (await validate()).parseConfigText(read.text, read.file);
      cache?.setParsed(read.file, read.text, parsed);
    }
    const fallback = parsed.config ? undefined : await defaults();
    loaded = loadedFromParsed(read.file, parsed, () => fallback as AiosConfig, env);
  }
  cache?.save();
  return loaded;
}

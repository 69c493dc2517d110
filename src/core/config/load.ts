import { parse, TomlError } from 'smol-toml';
import { DEFAULT_PERMISSIONS, DEFAULT_PROFILES } from './defaults';
import { tomlPositions } from './locate';
import { plainTomlMessage } from './toml-messages';
import { parseSections } from './sections';
import {
  loadedFromParsed,
  loadedWithoutFile,
  readConfigFile,
  type LoadConfigOptions,
  type LoadedConfig,
  type ParsedConfig,
} from './loaded';
import { ConfigSchema, PARSE_ONCE, type AiosConfig } from './schema';

export { formatProblem, problemAtKey, type ConfigProblem } from './problems';
export { withShippedFloor, type LoadConfigOptions, type LoadedConfig, type PolicySources } from './loaded';

/** The config a missing or unusable file gives: the shipped lists and profiles, every other key at its default. */
export function defaultConfig(): AiosConfig {
  return ConfigSchema.parse({ permissions: DEFAULT_PERMISSIONS, profiles: DEFAULT_PROFILES }, PARSE_ONCE);
}

/** Parses TOML text into a validated config, or returns the problems found. */
export function parseConfigText(text: string, file: string): ParsedConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const firstLine = err.message.split('\n')[0] ?? err.message;
      return { problems: [{ file, line: err.line, column: err.column, message: plainTomlMessage(firstLine) }], warnings: [] };
    }
    return { problems: [{ file, message: (err as Error).message }], warnings: [] };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { problems: [{ file, message: 'not a TOML table' }], warnings: [] };
  // Section by section: a typo or a wrong value in one never costs the others (the provider in [ai] above all).
  const sections = parseSections(raw as Record<string, unknown>, file, tomlPositions(text));
  const result = ConfigSchema.safeParse(sections.value, PARSE_ONCE);
  if (!result.success) return { problems: [...sections.problems, { file, message: result.error.message }], warnings: sections.warnings };
  return { config: result.data, problems: sections.problems, warnings: sections.warnings };
}

/**
 * Reads config.toml. Never throws for a bad file: a missing file yields the
 * defaults; an unreadable, malformed or invalid one yields the defaults plus
 * `problems`, and callers must treat the result as the safe fallback (the
 * policy engine tightens itself when `problems` is non-empty).
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const read = readConfigFile(options);
  if ('error' in read) return loadedWithoutFile(read.file, read.error, options.file !== undefined, defaultConfig(), env);
  const parsed = parseConfigText(read.text, read.file);
  return loadedFromParsed(read.file, parsed, defaultConfig, env);
}

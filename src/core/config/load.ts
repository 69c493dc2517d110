import fs from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { DEFAULT_PERMISSIONS, DEFAULT_PROFILES } from './defaults';
import { locate, tomlPositions } from './locate';
import { plainTomlMessage } from './toml-messages';
import { parseSections } from './sections';
import { defaultPaths, expandConfigPath, type AiosPaths, type Env } from './paths';
import { ConfigSchema, PARSE_ONCE, type AiosConfig } from './schema';

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

export interface LoadedConfig {
  config: AiosConfig;
  paths: AiosPaths;
  /** The file that was read (or would have been: it may not exist). */
  file: string;
  exists: boolean;
  /**
   * Errors: empty when the file was read and valid. A wrong value makes its
   * key (or section) take the default and the policy run on its safe
   * fallback; the other sections are kept.
   */
  problems: ConfigProblem[];
  /** Unknown keys and sections (ignored, with the closest known key): said, but nothing falls back for them. */
  warnings?: ConfigProblem[];
  /** Where each effective list came from (`config.permissions` holds the shipped floor plus the file's own rules). */
  policySources?: PolicySources;
  /** `[permissions] protected_paths`, expanded to absolute paths. */
  protectedPaths?: string[];
}

type ListName = 'auto_allow' | 'notify' | 'require_approval' | 'deny';
const LIST_NAMES: readonly ListName[] = ['auto_allow', 'notify', 'require_approval', 'deny'];

export interface PolicySources {
  /** True when `[permissions] replace_shipped = true` dropped the shipped lists and profiles. */
  replaceShipped: boolean;
  /** Per list: how many rules are shipped and how many more the file adds. */
  lists: Record<ListName, { shipped: number; own: number }>;
  /** The file's own lists and profiles, to point a problem at the right array index. */
  own: Pick<AiosConfig, 'permissions' | 'profiles'>;
}

function unique(...lists: ReadonlyArray<readonly string[] | undefined>): string[] {
  return [...new Set(lists.flatMap((l) => l ?? []))];
}

/**
 * The shipped lists are a floor: the file's lists are added to them and its
 * profiles to the shipped profiles (strictest wins when the engine judges).
 * Only `replace_shipped = true` drops them.
 */
export function withShippedFloor(own: AiosConfig): { config: AiosConfig; sources: PolicySources } {
  const replace = own.permissions.replace_shipped === true;
  const lists = {} as PolicySources['lists'];
  const permissions = { ...own.permissions };
  for (const name of LIST_NAMES) {
    const shipped = replace ? [] : DEFAULT_PERMISSIONS[name];
    const merged = unique(shipped, own.permissions[name]);
    permissions[name] = merged;
    lists[name] = { shipped: shipped.length, own: merged.length - shipped.length };
  }
  const profiles: AiosConfig['profiles'] = replace ? { ...own.profiles } : { ...DEFAULT_PROFILES };
  if (!replace) {
    for (const [name, profile] of Object.entries(own.profiles)) {
      const base = DEFAULT_PROFILES[name]?.permissions ?? {};
      const p = profile.permissions;
      profiles[name] = {
        permissions: {
          ...p,
          ...Object.fromEntries(
            (['notify', 'require_approval', 'deny'] as const).filter((l) => base[l] || p[l]).map((l) => [l, unique(base[l], p[l])]),
          ),
          ...(base.unknown === 'ask' || p.unknown === 'ask' ? { unknown: 'ask' as const } : {}),
        },
      };
    }
  }
  return {
    config: { ...own, permissions, profiles },
    sources: { replaceShipped: replace, lists, own: { permissions: own.permissions, profiles: own.profiles } },
  };
}

function expandProtected(config: AiosConfig, env: Env): string[] {
  return (config.permissions.protected_paths ?? []).map((p) => expandConfigPath(p, env));
}

export interface LoadConfigOptions {
  /** An explicit file (`--config`); otherwise `<config dir>/config.toml`. */
  file?: string;
  env?: Env;
}

function defaultConfig(): AiosConfig {
  return ConfigSchema.parse({ permissions: DEFAULT_PERMISSIONS, profiles: DEFAULT_PROFILES }, PARSE_ONCE);
}

/** Parses TOML text into a validated config, or returns the problems found. */
export function parseConfigText(text: string, file: string): { config?: AiosConfig; problems: ConfigProblem[]; warnings: ConfigProblem[] } {
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

function resolvePaths(config: AiosConfig, env: Env): AiosPaths {
  const base = defaultPaths(env);
  const configDir = config.paths.config_dir ? expandConfigPath(config.paths.config_dir, env) : base.configDir;
  return {
    ...base,
    configDir,
    memoryDb: config.paths.memory_db ? expandConfigPath(config.paths.memory_db, env) : base.memoryDb,
    mcpConfigFile: config.paths.mcp_config ? expandConfigPath(config.paths.mcp_config, env) : base.mcpConfigFile,
  };
}

/**
 * Reads config.toml. Never throws for a bad file: a missing file yields the
 * defaults; an unreadable, malformed or invalid one yields the defaults plus
 * `problems`, and callers must treat the result as the safe fallback (the
 * policy engine tightens itself when `problems` is non-empty).
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? defaultPaths(env).configFile;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const config = defaultConfig();
    const policySources = withShippedFloor(config).sources;
    if (e.code === 'ENOENT' && !options.file) {
      return { config, paths: resolvePaths(config, env), file, exists: false, problems: [], policySources };
    }
    return {
      config,
      paths: resolvePaths(config, env),
      file,
      exists: e.code !== 'ENOENT',
      problems: [{ file, message: `cannot read: ${e.message}` }],
      policySources,
    };
  }
  const parsed = parseConfigText(text, file);
  // A file that does not parse falls back to the defaults (the safest policy), and expands no protected paths of its own.
  const floor = withShippedFloor(parsed.config ?? defaultConfig());
  const config = parsed.config ? floor.config : defaultConfig();
  return {
    config,
    paths: resolvePaths(config, env),
    file,
    exists: true,
    problems: parsed.problems,
    warnings: parsed.warnings,
    policySources: floor.sources,
    ...(parsed.config ? { protectedPaths: expandProtected(config, env) } : {}),
  };
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

import fs from 'node:fs';
import { DEFAULT_PERMISSIONS, DEFAULT_PROFILES } from './defaults';
import { defaultPaths, expandConfigPath, type AiosPaths, type Env } from './paths';
import type { ConfigProblem } from './problems';
import type { AiosConfig } from './schema';

/**
 * What a loaded config.toml is, made from the file's validated contents:
 * the shipped floor, the paths, the protected places. No schema here (types
 * only): `load.ts` validates with zod, `validated-cache.ts` may instead take
 * an earlier validation of the same text, and both finish here alike.
 */

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

export interface LoadConfigOptions {
  /** An explicit file (`--config`); otherwise `<config dir>/config.toml`. */
  file?: string;
  env?: Env;
}

/** config.toml's text as validated: the config when it validated (section by section), and what was wrong. */
export interface ParsedConfig {
  config?: AiosConfig;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
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

/** The file config.toml is read from, and its text or why it could not be read. */
export function readConfigFile(
  options: LoadConfigOptions,
): { file: string; text: string } | { file: string; error: NodeJS.ErrnoException } {
  const file = options.file ?? defaultPaths(options.env ?? process.env).configFile;
  try {
    return { file, text: fs.readFileSync(file, 'utf8') };
  } catch (err) {
    return { file, error: err as NodeJS.ErrnoException };
  }
}

/** A file that could not be read: the defaults, and a problem unless it is the default file and simply absent. */
export function loadedWithoutFile(
  file: string,
  error: NodeJS.ErrnoException,
  explicit: boolean,
  defaults: AiosConfig,
  env: Env,
): LoadedConfig {
  const policySources = withShippedFloor(defaults).sources;
  if (error.code === 'ENOENT' && !explicit) {
    return { config: defaults, paths: resolvePaths(defaults, env), file, exists: false, problems: [], policySources };
  }
  return {
    config: defaults,
    paths: resolvePaths(defaults, env),
    file,
    exists: error.code !== 'ENOENT',
    problems: [{ file, message: `cannot read: ${error.message}` }],
    policySources,
  };
}

/** A file that was read: its validated contents over the shipped floor, or the defaults when it did not validate. */
export function loadedFromParsed(file: string, parsed: ParsedConfig, defaults: () => AiosConfig, env: Env): LoadedConfig {
  // A file that does not parse falls back to the defaults (the safest policy), and expands no protected paths of its own.
  const fallback = parsed.config ? undefined : defaults();
  const floor = withShippedFloor(parsed.config ?? (fallback as AiosConfig));
  const config = parsed.config ? floor.config : (fallback as AiosConfig);
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

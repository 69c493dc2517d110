import fs from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { type z } from 'zod';
import { DEFAULT_PERMISSIONS, DEFAULT_PROFILES } from './defaults';
import { locate, tomlPositions } from './locate';
import { plainTomlMessage } from './toml-messages';
import { defaultPaths, expandConfigPath, type AiosPaths, type Env } from './paths';
import { ConfigSchema, type AiosConfig } from './schema';

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
  /** Empty when the file was read and valid. Non-empty means `config` is a safe fallback. */
  problems: ConfigProblem[];
}

export interface LoadConfigOptions {
  /** An explicit file (`--config`); otherwise `<config dir>/config.toml`. */
  file?: string;
  env?: Env;
}

function defaultConfig(): AiosConfig {
  return ConfigSchema.parse({ permissions: DEFAULT_PERMISSIONS, profiles: DEFAULT_PROFILES });
}

function keyPath(issuePath: readonly PropertyKey[]): string {
  return issuePath
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`))
    .join('');
}

/** Parses TOML text into a validated config, or returns the problems found. */
export function parseConfigText(text: string, file: string): { config?: AiosConfig; problems: ConfigProblem[] } {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const firstLine = err.message.split('\n')[0] ?? err.message;
      return { problems: [{ file, line: err.line, column: err.column, message: plainTomlMessage(firstLine) }] };
    }
    return { problems: [{ file, message: (err as Error).message }] };
  }
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    const positions = tomlPositions(text);
    return {
      problems: result.error.issues.flatMap((issue: z.core.$ZodIssue) => {
        const key = keyPath(issue.path);
        // One problem per unknown key, each at its own position.
        const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => (key ? `${key}.${k}` : k)) : [key];
        return keys.map((fullKey) => {
          const at = fullKey ? locate(positions, fullKey) : undefined;
          return {
            file,
            ...(at ? { line: at.line, column: at.column } : {}),
            ...(fullKey ? { key: fullKey } : {}),
            message: issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message,
          };
        });
      }),
    };
  }
  return { config: result.data, problems: [] };
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
    if (e.code === 'ENOENT' && !options.file) {
      return { config, paths: resolvePaths(config, env), file, exists: false, problems: [] };
    }
    return { config, paths: resolvePaths(config, env), file, exists: e.code !== 'ENOENT', problems: [{ file, message: `cannot read: ${e.message}` }] };
  }
  const parsed = parseConfigText(text, file);
  const config = parsed.config ?? defaultConfig();
  return { config, paths: resolvePaths(config, env), file, exists: true, problems: parsed.problems };
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

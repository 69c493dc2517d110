import os from 'node:os';
import path from 'node:path';

/**
 * Where aios keeps its files. The config dir is shared with aigpt
 * (`~/.config/syui/ai`), so every container that bind-mounts it shares
 * one config and one memory database.
 */
export interface AiosPaths {
  configDir: string;
  configFile: string;
  mcpConfigFile: string;
  memoryDb: string;
  /** aios-only state that is not shared: logs, window state. */
  dataDir: string;
  logDir: string;
  /** Compiled code and validated settings aios loads when it starts (`resolveCacheDir`). */
  cacheDir: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The default config dir as written in the shipped config.toml. */
export const DEFAULT_CONFIG_DIR_SPELLING = '~/.config/syui/ai';

export function homeDir(env: Env = process.env): string {
  return env.HOME && env.HOME.length > 0 ? env.HOME : os.homedir();
}

/** `$AIOS_CONFIG_DIR`, else `$XDG_CONFIG_HOME/syui/ai`, else `~/.config/syui/ai`. */
export function resolveConfigDir(env: Env = process.env): string {
  if (env.AIOS_CONFIG_DIR) return path.resolve(env.AIOS_CONFIG_DIR);
  if (env.XDG_CONFIG_HOME) return path.join(path.resolve(env.XDG_CONFIG_HOME), 'syui', 'ai');
  return path.join(homeDir(env), '.config', 'syui', 'ai');
}

/** `$AIOS_DATA_DIR`, else `$XDG_DATA_HOME/aios`, else `~/.local/share/aios`. */
export function resolveDataDir(env: Env = process.env): string {
  if (env.AIOS_DATA_DIR) return path.resolve(env.AIOS_DATA_DIR);
  if (env.XDG_DATA_HOME) return path.join(path.resolve(env.XDG_DATA_HOME), 'aios');
  return path.join(homeDir(env), '.local', 'share', 'aios');
}

/** `$XDG_CACHE_HOME/aios`, else `~/.cache/aios`: what can be thrown away and made again (compiled code, compiled patterns). */
export function resolveCacheDir(env: Env = process.env): string {
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) return path.join(env.XDG_CACHE_HOME, 'aios');
  return path.join(homeDir(env), '.cache', 'aios');
}

/**
 * Expands a path from config.toml. The shipped defaults spell the config dir
 * as `~/.config/syui/ai`; that prefix means "the config dir", so it follows
 * `$AIOS_CONFIG_DIR` / `$XDG_CONFIG_HOME` like the dir itself does. Any
 * other `~` is the home dir. Relative paths are relative to the config dir.
 */
export function expandConfigPath(value: string, env: Env = process.env): string {
  const configDir = resolveConfigDir(env);
  if (value === DEFAULT_CONFIG_DIR_SPELLING) return configDir;
  if (value.startsWith(`${DEFAULT_CONFIG_DIR_SPELLING}/`)) {
    return path.join(configDir, value.slice(DEFAULT_CONFIG_DIR_SPELLING.length + 1));
  }
  if (value === '~') return homeDir(env);
  if (value.startsWith('~/')) return path.join(homeDir(env), value.slice(2));
  return path.resolve(configDir, value);
}

export function defaultPaths(env: Env = process.env): AiosPaths {
  const configDir = resolveConfigDir(env);
  const dataDir = resolveDataDir(env);
  return {
    configDir,
    configFile: path.join(configDir, 'config.toml'),
    mcpConfigFile: path.join(configDir, 'mcp.json'),
    memoryDb: path.join(configDir, 'gpt', 'memory.db'),
    dataDir,
    logDir: path.join(dataDir, 'logs'),
    cacheDir: resolveCacheDir(env),
  };
}

/** What a UI shows of the app itself: host and paths, the status bar, the config file and the first-run setup form. */
import { z } from 'zod';

export const HostKindSchema = z.enum(['electron', 'web', 'tty']);
export type HostKind = z.infer<typeof HostKindSchema>;

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  host: HostKindSchema,
  platform: z.string(),
  machine: z.string(),
  configDir: z.string(),
  configFile: z.string(),
  dataDir: z.string(),
  memoryDb: z.string(),
  /** `[ui] font_size`: the base text size in CSS pixels; Ctrl+=/−/0 scale it. */
  fontSize: z.number().int().min(8).max(48),
  /** `[ui] theme`; absent (an older core) means "system". */
  theme: z.enum(['system', 'light', 'dark']).optional(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

/** One problem with config.toml, where it is written and in words. */
export const ConfigProblemSchema = z.object({
  file: z.string(),
  line: z.number().int().nullable(),
  column: z.number().int().nullable(),
  message: z.string(),
  /** `file:line:col: message`, ready to show. */
  text: z.string(),
});

/** The config file as the core read it; non-empty problems mean the safe policy is in force. */
export const ConfigStateSchema = z.object({
  file: z.string(),
  exists: z.boolean(),
  problems: z.array(ConfigProblemSchema),
  /** Unknown keys outside the policy's sections: ignored, each with the closest known key. */
  warnings: z.array(ConfigProblemSchema).optional(),
  safeFallback: z.boolean(),
});
export type ConfigState = z.infer<typeof ConfigStateSchema>;

/** A variable the setup form may name for the key: `*API_KEY`, so no other secret of the environment can be sent anywhere. */
export const ApiKeyEnvSchema = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*API_KEY$/, 'the key variable must be an upper-case name ending in API_KEY (e.g. OPENAI_API_KEY)');
export const baseUrlField = z.string().trim().min(1).max(2000).url('write the base URL like http://127.0.0.1:11434/v1');

/** What the first-run form needs: the config file, the current [ai] settings, a local Ollama if one answers. */
export const SetupStateSchema = z.object({
  config: ConfigStateSchema,
  ai: z.object({ baseUrl: z.string().nullable(), model: z.string().nullable(), apiKeyEnv: z.string(), keySet: z.boolean() }),
  ollama: z.object({ url: z.string(), baseUrl: z.string(), models: z.array(z.string()) }).nullable(),
});
export type SetupState = z.infer<typeof SetupStateSchema>;

export const ProviderProbeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), url: z.string(), models: z.array(z.string()) }),
  z.object({ ok: z.literal(false), url: z.string(), message: z.string() }),
]);
export type ProviderProbe = z.infer<typeof ProviderProbeSchema>;

/** What the status bar shows: asked once with `app.status` on connect, then pushed as `app.statusChanged`. */
export const AppStatusSchema = z.object({
  machine: z.string(),
  /** "gpt-4o-mini @ OpenAI", or null with `problem` saying how to set one up. */
  provider: z.string().nullable(),
  problem: z.string().nullable(),
  /** The last request to the provider failed: why, in words (cleared by the next answer). */
  providerError: z.string().nullable(),
  busy: z.boolean(),
  config: ConfigStateSchema,
  memory: z.object({
    /** `aigpt`: mcp.json runs aigpt and it is installed; `builtin`: aios's own store of the same file; `off`: the file cannot be used. */
    kind: z.enum(['builtin', 'aigpt', 'off']),
    path: z.string(),
    rows: z.number().int().nullable(),
    problem: z.string().nullable(),
  }),
  /** Where the permission rules come from: the shipped floor plus config.toml, or (replace_shipped) config.toml alone. */
  policy: z
    .object({
      shipped: z.enum(['floor', 'replaced']),
      fallback: z.boolean(),
      profile: z.string().nullable(),
    })
    .optional(),
  /** Wall 1: whether auto-allowed commands run in bubblewrap; when not, why (they then run as notify). */
  sandbox: z.object({ available: z.boolean(), detail: z.string() }),
  mcp: z.array(
    z.object({
      name: z.string(),
      state: z.enum(['idle', 'starting', 'ready', 'restarting', 'failed', 'disabled', 'misconfigured', 'closed']),
      /** The last error or a standing note, in words a person can act on. */
      detail: z.string().nullable(),
    }),
  ),
});
export type AppStatus = z.infer<typeof AppStatusSchema>;

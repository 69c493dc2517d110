import { z } from 'zod';
import { DEFAULT_SECRET_ENV_PATTERNS } from '../environment/command-env';

/**
 * Options for parsing a config: it is parsed once per load, where zod's
 * generated fast path (a `new Function` per object schema) costs more to
 * compile than it saves; short commands such as `aios policy check` feel it.
 */
export const PARSE_ONCE = { jitless: true } as const;

/**
 * The schema of config.toml. Objects are strict: an unknown key is an error
 * (a typo like `requre_approval` must not silently drop a rule).
 */
const ruleList = z.array(z.string().min(1, 'a pattern may not be empty'));

export const PermissionsSchema = z.strictObject({
  auto_allow: ruleList.default([]),
  notify: ruleList.default([]),
  require_approval: ruleList.default([]),
  deny: ruleList.default([]),
  /**
   * The shipped lists (and profiles) are a floor these lists extend. `true`
   * drops them, the shipped deny list included: the only way to do so, and
   * `aios doctor`, the status bar and `aios policy describe` say it.
   */
  replace_shipped: z.boolean().optional(),
  /** More places a write always needs approval for (absolute, or `~/…`). */
  protected_paths: z.array(z.string().min(1, 'a path may not be empty')).optional(),
  /**
   * A command no rule names (and that is none of the dangerous shapes):
   * `confine` (the default) runs it in the quiet jail, `ask` asks first.
   */
  unknown: z.enum(['confine', 'ask']).optional(),
});
export type PermissionsConfig = z.infer<typeof PermissionsSchema>;

/**
 * A profile adds rules for one machine and can only tighten: its lists are
 * matched after `[permissions]` and the stricter decision wins, so an
 * `auto_allow` there could never take effect and is refused outright.
 */
export const ProfilePermissionsSchema = z.strictObject({
  auto_allow: z.array(z.string()).max(0, 'a profile can only make decisions stricter, so it cannot add auto_allow rules').optional(),
  notify: ruleList.optional(),
  require_approval: ruleList.optional(),
  deny: ruleList.optional(),
  /** A profile may only choose to ask about what no rule names. */
  unknown: z.literal('ask', { error: 'a profile can only make decisions stricter: unknown = "ask"' }).optional(),
});
export type ProfilePermissionsConfig = z.infer<typeof ProfilePermissionsSchema>;

export const ProfileSchema = z.strictObject({
  permissions: ProfilePermissionsSchema.default({}),
});
export type ProfileConfig = z.infer<typeof ProfileSchema>;

export const AiSchema = z.strictObject({
  base_url: z.string().url().optional(),
  model: z.string().min(1).optional(),
  api_key_env: z.string().min(1).default('OPENAI_API_KEY'),
  request_timeout_s: z.number().positive().default(120),
  /** The longest one answer may take from request to its last token: a stream that drips forever is cut here. */
  answer_timeout_s: z.number().positive().default(600),
  max_tool_rounds: z.number().int().positive().max(100).default(8),
  approval_timeout_s: z.number().positive().default(120),
  command_timeout_s: z.number().positive().default(600),
});

/** How commands run: the sandbox of the quiet path and the scrubbed environment. */
export const CommandsSchema = z.strictObject({
  /** Auto-allowed commands run in bubblewrap; off, they run unconfined (status bar and doctor say so). */
  confine_auto_allowed: z.boolean().default(true),
  /** The bubblewrap program: a name on PATH or a path. */
  bwrap: z.string().min(1).default('bwrap'),
  /** Variable names (globs, any case) never passed to commands or the terminal; their values are redacted. */
  secret_env: z.array(z.string().min(1)).default([...DEFAULT_SECRET_ENV_PATTERNS]),
});

export const UiSchema = z.strictObject({
  kiosk: z.boolean().default(false),
  font_size: z.number().int().min(8).max(48).default(15),
  /** "system" follows the system's colour scheme (a kiosk without a desktop gets the browser's default, light). */
  theme: z.enum(['system', 'light', 'dark']).default('system'),
});

/** `[preview]`: see what a command would change before approving it. */
export const PreviewConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  time_limit_s: z.number().positive().max(600).default(5),
  /** Which policy decisions get a preview before they run. */
  decisions: z.array(z.enum(['require_approval', 'notify'])).default(['require_approval']),
  /** Directories overlaid besides the working tree (everything else is read-only in the preview). */
  paths: z.array(z.string().startsWith('/')).default(['/tmp', '/etc', '/usr', '/var', '/opt', '/home', '/root', '/srv']),
  /** Let the preview reach the network: off by default, so a preview never acts on the world. */
  network: z.boolean().default(false),
  /** Not root: set the preview up through passwordless `sudo -n` when it works, so system files (a package install) can be previewed; the command still runs as you. */
  sudo: z.boolean().default(true),
});

/** `[transactions]`: commands that may change files run on an overlay; what they did is judged, committed and can be undone. */
export const TransactionsConfigSchema = z.strictObject({
  /**
   * Off by default. "auto" (what the shipped cfg/config.toml says): on where a transaction can be made (root, or
   * passwordless sudo for the root helper), off elsewhere. true: on everywhere, and where none can be made a command
   * that would have been one asks first.
   */
  enabled: z.union([z.boolean(), z.literal('auto')]).default(false),
  /** Which decisions run as transactions. Auto-allowed commands keep the quiet jail unless "auto_allow" is added: then they run as transactions without network, and a write outside the working tree asks. */
  decisions: z.array(z.enum(['auto_allow', 'notify', 'require_approval'])).default(['notify', 'require_approval']),
  /** Folders overlaid besides the working tree; writes elsewhere fail in a transaction. */
  paths: z.array(z.string().startsWith('/')).default(['/tmp', '/etc', '/usr', '/var', '/opt', '/home', '/root', '/srv']),
  /** Where upper layers and undo records live (default: /var/lib/aios/transactions, as root and through sudo; root's, writable by root only); on the same filesystem as the overlaid folders a commit is a rename. */
  state_dir: z.string().startsWith('/').optional(),
  /** Undo records kept: the oldest are dropped first (and said) beyond this many MB or days. */
  max_undo_mb: z.number().positive().default(2048),
  max_undo_days: z.number().positive().default(30),
  /** Memory for a command in a transaction (its cgroup), MB. */
  memory_mb: z.number().int().min(64).default(2048),
});

export const ConfigSchema = z.strictObject({
  general: z.strictObject({ name: z.string().min(1).default('aios') }).default({ name: 'aios' }),
  paths: z
    .strictObject({
      config_dir: z.string().min(1).optional(),
      memory_db: z.string().min(1).optional(),
      mcp_config: z.string().min(1).optional(),
    })
    .default({}),
  permissions: PermissionsSchema.default({ auto_allow: [], notify: [], require_approval: [], deny: [] }),
  profiles: z.record(z.string(), ProfileSchema).default({}),
  ai: AiSchema.default(AiSchema.parse({}, PARSE_ONCE)),
  ui: UiSchema.default(UiSchema.parse({}, PARSE_ONCE)),
  commands: CommandsSchema.default(CommandsSchema.parse({}, PARSE_ONCE)),
  preview: PreviewConfigSchema.default(PreviewConfigSchema.parse({}, PARSE_ONCE)),
  transactions: TransactionsConfigSchema.default(TransactionsConfigSchema.parse({}, PARSE_ONCE)),
});
export type AiosConfig = z.infer<typeof ConfigSchema>;

/**
 * What a person types into any aios chat (the graphical composer and the
 * `[aios] >` prompt): plain words for the AI, `!command` to run one
 * yourself, `/name [arg]` for the chat's own commands. One grammar and one
 * command table for every host; a host offers the commands it has.
 */

export type HostSurface = 'gui' | 'tty';

export type SlashName =
  | 'help'
  | 'clear'
  | 'history'
  | 'memory'
  | 'permissions'
  | 'terminal'
  | 'setup'
  | 'model'
  | 'output'
  | 'unconfined'
  | 'undo'
  | 'redo'
  | 'exit';

interface SlashSpec {
  name: SlashName;
  aliases: readonly string[];
  usage: string;
  /** What it does, per host where the words differ. */
  does: string | Record<HostSurface, string>;
  hosts: readonly HostSurface[];
}

export const SLASH_COMMANDS: readonly SlashSpec[] = [
  {
    name: 'history',
    aliases: [],
    usage: '/history [words]',
    does: 'commands run or refused, newest first (e.g. /history apt)',
    hosts: ['gui', 'tty'],
  },
  {
    name: 'memory',
    aliases: [],
    usage: '/memory [words]',
    does: 'search the shared memory (recent memories without words)',
    hosts: ['gui', 'tty'],
  },
  {
    name: 'permissions',
    aliases: [],
    usage: '/permissions [remove N]',
    does: 'your own rules (from "always allow"), and removing one',
    hosts: ['gui', 'tty'],
  },
  {
    name: 'undo',
    aliases: [],
    usage: '/undo [ID]',
    does: "undo the newest command's changes to files (or record ID); refused when a later one changed the same files",
    hosts: ['gui', 'tty'],
  },
  { name: 'redo', aliases: [], usage: '/redo [ID]', does: 'redo what the newest /undo undid', hosts: ['gui', 'tty'] },
  { name: 'clear', aliases: [], usage: '/clear', does: 'start a new conversation (the old one stays in memory)', hosts: ['gui', 'tty'] },
  {
    name: 'setup',
    aliases: ['settings'],
    usage: '/setup',
    does: {
      gui: 'open the settings: AI provider, model and key (written into config.toml)',
      tty: 'choose the AI provider (written into config.toml)',
    },
    hosts: ['gui', 'tty'],
  },
  {
    name: 'model',
    aliases: [],
    usage: '/model [name]',
    does: 'list the models the provider offers, or switch to one (saved in config.toml)',
    hosts: ['gui', 'tty'],
  },
  {
    name: 'terminal',
    aliases: [],
    usage: '/terminal',
    does: { gui: 'open the terminal pane', tty: 'open your shell ($SHELL); type exit to come back' },
    hosts: ['gui', 'tty'],
  },
  { name: 'output', aliases: [], usage: '/output', does: 'all the output of the last command (long output is folded)', hosts: ['tty'] },
  {
    name: 'unconfined',
    aliases: [],
    usage: '/unconfined',
    does: 'run again outside the jail the last command the jail stopped (asks first)',
    hosts: ['tty'],
  },
  { name: 'help', aliases: ['?'], usage: '/help', does: 'this text', hosts: ['gui', 'tty'] },
  { name: 'exit', aliases: ['quit'], usage: '/exit', does: 'leave (as Ctrl-D does)', hosts: ['tty'] },
];

export type ChatInput =
  | { kind: 'empty' }
  | { kind: 'message'; text: string }
  | { kind: 'direct'; command: string }
  | { kind: 'slash'; name: SlashName; arg: string }
  | { kind: 'unknown'; name: string };

/** Reads one input. A slash command the host does not offer is `unknown`, as a typo is. */
export function parseChatInput(raw: string, host: HostSurface): ChatInput {
  const text = raw.trim();
  if (text === '') return { kind: 'empty' };
  if (text.startsWith('!')) return { kind: 'direct', command: text.slice(1).trim() };
  // "/ something" or a path like "/etc/fstab?" is a message, not a command.
  const m = /^\/(\S+)(?:\s+([\s\S]*))?$/.exec(text);
  if (!m || m[1]!.includes('/')) return { kind: 'message', text };
  const word = m[1]!.toLowerCase();
  const spec = SLASH_COMMANDS.find((c) => c.hosts.includes(host) && (c.name === word || c.aliases.includes(word)));
  if (!spec) return { kind: 'unknown', name: m[1]! };
  return { kind: 'slash', name: spec.name, arg: (m[2] ?? '').trim() };
}

/** The commands a host offers, as [usage, what it does] pairs, for its help. */
export function slashHelpRows(host: HostSurface): Array<[string, string]> {
  return SLASH_COMMANDS.filter((c) => c.hosts.includes(host)).map((c) => [c.usage, typeof c.does === 'string' ? c.does : c.does[host]]);
}

export const INTRO = 'Talk to aios in plain words; it proposes commands and the permission policy decides.';
export const DIRECT_HELP: [string, string] = ['!command', 'run a command yourself (same policy, approvals and history)'];

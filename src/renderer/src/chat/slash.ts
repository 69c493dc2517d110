/** What the composer's text asks for: the same grammar as `aios chat`. */
export type ComposerInput =
  | { kind: 'empty' }
  | { kind: 'message'; text: string }
  | { kind: 'direct'; command: string }
  | { kind: 'slash'; name: SlashName; arg: string }
  | { kind: 'unknown'; name: string };

export type SlashName = 'help' | 'clear' | 'history' | 'memory' | 'terminal';

const ALIASES: Record<string, SlashName> = { help: 'help', '?': 'help', clear: 'clear', history: 'history', memory: 'memory', terminal: 'terminal' };

export const HELP = `Talk to aios in plain words; it proposes commands and the permission policy decides.

| command | what it does |
| --- | --- |
| \`!command\` | run a command yourself (same policy, approvals and history) |
| \`/history [words]\` | commands run or refused, newest first (e.g. \`/history apt\`) |
| \`/memory [words]\` | search the shared memory (recent memories without words) |
| \`/clear\` | start a new conversation (the old one stays in memory) |
| \`/terminal\` | open the terminal pane |
| \`/help\` | this text |

**Keys:** Enter sends · Shift+Enter new line · ↑/↓ earlier inputs · Esc stops the running answer · Ctrl+\` terminal · Ctrl+L clears the view · Ctrl+= / Ctrl+- / Ctrl+0 text size`;

export function parseInput(raw: string): ComposerInput {
  const text = raw.trim();
  if (text === '') return { kind: 'empty' };
  if (text.startsWith('!')) return { kind: 'direct', command: text.slice(1).trim() };
  // "/ something" or a path like "/etc/fstab?" is a message, not a command.
  const m = /^\/(\S+)(?:\s+([\s\S]*))?$/.exec(text);
  if (!m || m[1]!.includes('/')) return { kind: 'message', text };
  const name = ALIASES[m[1]!.toLowerCase()];
  if (!name) return { kind: 'unknown', name: m[1]! };
  return { kind: 'slash', name, arg: (m[2] ?? '').trim() };
}

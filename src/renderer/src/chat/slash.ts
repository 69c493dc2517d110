import { DIRECT_HELP, INTRO, parseChatInput, slashHelpRows, type ChatInput } from '../../../shared/slash';

/** What the composer's text asks for: the grammar every aios chat shares (src/shared/slash.ts). */
export type ComposerInput = ChatInput;

export function parseInput(raw: string): ComposerInput {
  return parseChatInput(raw, 'gui');
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** /help in the graphical chat: the shared command table as Markdown, and the keys. */
export const HELP = [
  INTRO,
  '',
  '| command | what it does |',
  '| --- | --- |',
  ...[DIRECT_HELP, ...slashHelpRows('gui')].map(([usage, does]) => `| \`${cell(usage)}\` | ${cell(does)} |`),
  '',
  '**Keys:** Enter sends · Shift+Enter new line · ↑/↓ earlier inputs · Esc stops the running answer · Ctrl+` terminal · Ctrl+L clears the view · Ctrl+= / Ctrl+- / Ctrl+0 text size',
].join('\n');

/**
 * Fills the open conversation of a throwaway home with many messages through
 * the core's own storage (memory file + ConversationStore), and asks the core
 * what `chat.state` would hand a UI from it.
 */
import { dispatchCall } from '../../src/core/bridge/dispatch';
import { loadConfig } from '../../src/core/config/load';
import { ConversationStore } from '../../src/core/conversation/store';
import { Core } from '../../src/core/core';
import { openMemoryStore } from '../../src/core/memory/store';
import { mulberry32 } from './stats';

const WORDS =
  'the a system package install service memory shell policy command output file directory network update kernel user config log error restart'.split(
    ' ',
  );

function sentence(rand: () => number, n: number): string {
  const words = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
  return `${words.join(' ')}.`;
}

/** A plausible assistant answer: paragraphs, sometimes a list or a code block. */
function answer(rand: () => number, i: number): string {
  const parts = [`Answer ${i}: ${sentence(rand, 12 + Math.floor(rand() * 30))}`];
  if (rand() < 0.3) parts.push(['- ' + sentence(rand, 5), '- ' + sentence(rand, 6), '- ' + sentence(rand, 4)].join('\n'));
  if (rand() < 0.2) parts.push(['```sh', `systemctl status unit-${i}`, `journalctl -u unit-${i} -n 20`, '```'].join('\n'));
  parts.push(sentence(rand, 8 + Math.floor(rand() * 20)));
  return parts.join('\n\n');
}

/** Appends `count` alternating user/assistant messages to the current conversation. */
export function seedConversation(env: Record<string, string>, count: number): void {
  const { paths } = loadConfig({ env });
  const memory = openMemoryStore(paths.memoryDb);
  try {
    const conversations = new ConversationStore(memory.connection);
    const id = conversations.current();
    const rand = mulberry32(6);
    const batch: Array<Record<string, unknown>> = [];
    for (let i = 0; i < count; i++) {
      batch.push(
        i % 2 === 0 ? { role: 'user', content: `question ${i}: ${sentence(rand, 6)}` } : { role: 'assistant', content: answer(rand, i) },
      );
      if (batch.length === 500 || i === count - 1) conversations.append(id, batch.splice(0));
    }
  } finally {
    memory.close();
  }
}

/** How many messages the core's `chat.state` returns for this home (what a UI can restore). */
export async function historyLength(env: Record<string, string>, cwd: string): Promise<number> {
  const core = new Core({ host: 'web', env, cwd, mcp: false });
  try {
    const r = await dispatchCall(core.handlers, 'chat.state', {}, { clientId: 'bench' });
    if (!r.ok) throw new Error(`chat.state failed: ${r.error.message}`);
    return (r.value as { messages: unknown[] }).messages.length;
  } finally {
    await core.close();
  }
}

import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConversationStore } from '../../src/core/conversation/store';
import { scratchConversationStore } from '../support/conversation-store';
import { extendRun, fitSized, fitToBudget, sizedRun, type SizedRun } from '../../src/core/conversation/window';

/**
 * A request's window is fitted from sizes kept with the rows read back
 * (`ConversationStore.windowed`), not by measuring every kept message again:
 * it must be exactly what `fitToBudget` gives for the same messages.
 */

type Msg = { role: string; content: string };
const message = fc.record({
  role: fc.constantFrom('user', 'assistant', 'tool', 'system'),
  content: fc.string({ maxLength: 40 }),
});

/** The rows the store keeps and their sizes: the older rows read and sized at once, the last `joined` added one by one. */
function keptRun(base: Msg[], limit: number, joined: number): { kept: Msg[]; run: SizedRun } {
  let kept = base.slice(0, base.length - joined).slice(-limit);
  let run = sizedRun(kept);
  for (const m of base.slice(base.length - joined)) {
    const next = [...kept, m].slice(-limit);
    run = extendRun(run, [m], kept.length + 1 - next.length);
    kept = next;
  }
  return { kept, run };
}

describe('fitting a window from kept sizes', () => {
  it('gives what fitToBudget gives, for any kept and waiting messages, limit and budget', () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 40 }),
        fc.array(message, { maxLength: 6 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 1500 }),
        fc.nat({ max: 40 }),
        (base: Msg[], extra: Msg[], limit, budget, joined) => {
          const { kept, run } = keptRun(base, limit, Math.min(joined, base.length));
          const want = fitToBudget([...kept, ...extra].slice(-limit), budget);
          const got = fitSized(kept, run, extra, limit, budget);
          expect(got.dropped).toBe(want.dropped);
          expect(got.messages).toHaveLength(want.messages.length);
          got.messages.forEach((m, i) => expect(m).toBe(want.messages[i]));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

function openStore(): { store: ConversationStore; file: string; id: string } {
  return scratchConversationStore('aios-window-', cleanup);
}

/** The store's window against fitToBudget over what it hands out as the request's messages. */
function expectSameWindow(store: ConversationStore, id: string, budget: number, limit: number): void {
  const want = fitToBudget(store.messageContents(id, limit), budget);
  const got = store.windowed(id, budget, limit);
  expect(got.dropped).toBe(want.dropped);
  expect(got.messages).toHaveLength(want.messages.length);
  got.messages.forEach((m, i) => expect(m).toBe(want.messages[i]));
}

describe('ConversationStore.windowed', () => {
  it('is fitToBudget of the request messages as rows join, leave the limit, and another program writes', async () => {
    const { store, file, id } = openStore();
    const budgets = [0, 30, 120, 400, 100_000];
    for (let turn = 0; turn < 12; turn++) {
      store.append(id, [{ role: 'user', content: `question ${turn} ${'x'.repeat(turn * 7)}` }]);
      for (const b of budgets) expectSameWindow(store, id, b, 9);
      store.append(id, [
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: `c${turn}`, type: 'function', function: { name: 'run_command', arguments: '{}' } }],
        },
      ]);
      await new Promise((r) => setImmediate(r)); // the store's own rows join what it keeps
      store.append(id, [{ role: 'tool', tool_call_id: `c${turn}`, content: 'ok'.repeat(turn) }]);
      for (const b of budgets) expectSameWindow(store, id, b, 9);
      store.append(id, [{ role: 'assistant', content: `answer ${turn}` }]);
      if (turn % 4 === 3) {
        // Another program changes, removes and adds rows: the next read is a whole one, sized again.
        const db = new Database(file);
        db.prepare('UPDATE aios_conversation_messages SET message = ? WHERE seq = (SELECT max(seq) FROM aios_conversation_messages)').run(
          JSON.stringify({ role: 'assistant', content: 'changed elsewhere, and much longer than before'.repeat(3) }),
        );
        db.prepare('DELETE FROM aios_conversation_messages WHERE seq = (SELECT min(seq) FROM aios_conversation_messages)').run();
        db.prepare('INSERT INTO aios_conversation_messages (conversation_id, message, created_at) VALUES (?, ?, ?)').run(
          id,
          JSON.stringify({ role: 'user', content: 'from elsewhere' }),
          new Date().toISOString(),
        );
        db.close();
      }
      await new Promise((r) => setImmediate(r));
      for (const b of budgets) expectSameWindow(store, id, b, 9);
    }
    for (const b of budgets) for (const limit of [3, 500]) expectSameWindow(store, id, b, limit);
  });

  it('keeps the sizes right as the oldest kept rows leave the limit', async () => {
    const { store, id } = openStore();
    for (let i = 0; i < 20; i++) {
      store.append(id, [{ role: i % 3 === 0 ? 'user' : 'assistant', content: `m${i} ${'y'.repeat(i * 5)}` }]);
      await new Promise((r) => setImmediate(r));
      for (const b of [0, 60, 150, 100_000]) expectSameWindow(store, id, b, 5);
    }
  });
});

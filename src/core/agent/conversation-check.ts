/**
 * The last look at a request's messages before they go to the server: what a
 * strict server would refuse is repaired, so no round, however odd, poisons
 * every later request. Every tool call gets exactly one result, right after
 * it; ids are non-empty and unique; arguments and contents are text; user
 * messages never follow each other; an empty answer is not sent empty.
 */
import type { ChatMessage } from './llm';
import { newCallId } from './stream-reader';
import { normaliseArguments } from './tool-arguments';

type Loose = Record<string, unknown>;

const MISSING_RESULT = JSON.stringify({
  success: false,
  error: 'no result was recorded for this call (aios stopped or the call was cut); it did not run',
});
const EMPTY_ANSWER = '(no answer)';
const NEW_ID = 'gave a tool call a unique id';

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  // Parts arrays are valid as they are; anything else would be sent as [object Object].
  return JSON.stringify(v);
}

/**
 * The arguments of calls read back from the store (frozen, shared between
 * requests), normalised once each: every request checks the whole window,
 * and the arguments of a stored call never change.
 */
const normalisedOfFrozen = new WeakMap<object, ReturnType<typeof normaliseArguments>>();

function normalisedArguments(fn: Loose, raw: string): ReturnType<typeof normaliseArguments> {
  if (!Object.isFrozen(fn) || typeof fn.arguments !== 'string') return normaliseArguments(raw);
  let known = normalisedOfFrozen.get(fn);
  if (!known) {
    known = normaliseArguments(raw);
    normalisedOfFrozen.set(fn, known);
  }
  return known;
}

/**
 * A stored call message with its stored results (all frozen), as checked
 * once: every request sends the same group again. Reused only when the
 * results are the same objects and none of its ids is taken by an earlier
 * message of this request (then the group is checked afresh).
 */
interface CheckedGroup {
  results: readonly Loose[];
  out: readonly Loose[];
  ids: readonly string[];
  repairs: readonly string[];
}
const checkedGroups = new WeakMap<object, CheckedGroup>();

function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface CheckedConversation {
  messages: ChatMessage[];
  /** The id of every tool call the checked messages hold. */
  callIds: Set<string>;
  /** What was repaired, in words (empty when the conversation was sound). */
  repairs: string[];
}

/** Where a check stands: the request so far, the call ids in it, what was repaired. */
interface CheckState {
  out: Loose[];
  seenIds: Set<string>;
  repairs: Set<string>;
}

const freshState = (): CheckState => ({ out: [], seenIds: new Set(), repairs: new Set() });

function checked(state: CheckState): CheckedConversation {
  return { messages: state.out as unknown as ChatMessage[], callIds: state.seenIds, repairs: [...state.repairs] };
}

/**
 * Repairs `input` (system prompt first, then the stored conversation) into a request a strict server accepts. A
 * message that needs no repair is passed on as it is, not copied (read-back messages are frozen and shared).
 */
export function checkConversation(input: readonly ChatMessage[]): CheckedConversation {
  const state = freshState();
  checkFrom(input as unknown as readonly Loose[], 0, state);
  return checked(state);
}

/**
 * Checks `msgs` from index `from` on, onto `state` (where the check stood after the messages before). `at`: when the
 * check reaches index `at.index` (after the messages before it), `at.reached` is told where it stands then.
 */
function checkFrom(
  msgs: readonly Loose[],
  from: number,
  state: CheckState,
  at?: { index: number; reached: (s: CheckState) => void },
): void {
  const { out, seenIds, repairs } = state;
  for (let i = from; i < msgs.length; i++) {
    if (i === at?.index) at.reached(state);
    const m = msgs[i]!;
    const role = m.role;
    if (role === 'system' || role === 'developer') {
      out.push(m);
      continue;
    }
    if (role === 'tool') {
      // A result whose call is not right before it (cut by the context window, or stray).
      repairs.add('dropped a tool result without its call');
      continue;
    }
    if (role === 'user') {
      const prev = out[out.length - 1];
      const content = Array.isArray(m.content) ? m.content : (text(m.content) ?? '');
      if (prev?.role === 'user' && typeof prev.content === 'string' && typeof content === 'string') {
        // An answer that was never stored (an old failure): the two questions go as one.
        out[out.length - 1] = { ...prev, content: `${prev.content}\n\n${content}` };
        repairs.add('joined two user messages in a row');
      } else out.push(content === m.content ? m : { ...m, content });
      continue;
    }
    if (role !== 'assistant') {
      repairs.add(`dropped a message with role ${String(role)}`);
      continue;
    }
    const calls = Array.isArray(m.tool_calls) ? (m.tool_calls as Loose[]) : [];
    let content = text(m.content);
    if (calls.length === 0) {
      if (!content || content.trim() === '') {
        content = EMPTY_ANSWER;
        repairs.add('filled an empty answer');
      }
      const prev = out[out.length - 1];
      if (prev?.role === 'assistant' && !prev.tool_calls) {
        out[out.length - 1] = { ...prev, content: `${String(prev.content ?? '')}\n\n${content}` };
        repairs.add('joined two answers in a row');
      } else out.push(content === m.content ? m : { ...m, content });
      continue;
    }
    // The results that follow this call message, in order.
    const results: Loose[] = [];
    while (i + 1 < msgs.length && msgs[i + 1]!.role === 'tool') results.push(msgs[++i]!);
    const known = Object.isFrozen(m) ? checkedGroups.get(m) : undefined;
    if (known && sameItems(known.results, results) && !known.ids.some((id) => seenIds.has(id))) {
      for (const id of known.ids) seenIds.add(id);
      for (const r of known.repairs) repairs.add(r);
      out.push(...known.out);
      continue;
    }
    const groupRepairs = new Set<string>();
    const repair = (what: string) => {
      repairs.add(what);
      groupRepairs.add(what);
    };
    const used = new Set<Loose>();
    const fixedCalls: Loose[] = [];
    const fixedResults: Loose[] = [];
    for (const c of calls) {
      const fn = (typeof c.function === 'object' && c.function !== null ? c.function : {}) as Loose;
      const oldId = typeof c.id === 'string' ? c.id : '';
      const result =
        results.find((r) => !used.has(r) && r.tool_call_id === oldId) ??
        results.find((r) => !used.has(r) && !calls.some((x) => x.id === r.tool_call_id));
      let id = oldId;
      if (!id || seenIds.has(id)) {
        id = newCallId();
        repair(NEW_ID);
      }
      seenIds.add(id);
      const rawArgs = typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {});
      const args = normalisedArguments(fn, rawArgs);
      if (!args.ok || args.text !== rawArgs) repair('made tool-call arguments a JSON object');
      const name = typeof fn.name === 'string' && fn.name ? fn.name : 'unnamed_tool';
      fixedCalls.push({ ...c, id, type: 'function', function: { name, arguments: args.ok ? args.text : '{}' } });
      if (result) {
        used.add(result);
        fixedResults.push({ ...result, tool_call_id: id, content: text(result.content) ?? '' });
      } else {
        fixedResults.push({ role: 'tool', tool_call_id: id, name, content: MISSING_RESULT });
        repair('added the missing result of a tool call');
      }
    }
    if (results.length > used.size) repair('dropped a tool result without its call');
    const group = [{ ...m, content, tool_calls: fixedCalls }, ...fixedResults];
    out.push(...group);
    // A group that needed a new id is not kept: its ids are made afresh for every request, as they always were.
    if (Object.isFrozen(m) && results.every((r) => Object.isFrozen(r)) && !groupRepairs.has(NEW_ID))
      checkedGroups.set(m, { results, out: group, ids: fixedCalls.map((c) => c.id as string), repairs: [...groupRepairs] });
  }
  if (msgs.length === at?.index) at.reached(state);
}

/** A question, or an answer without tool calls: no group of a call and its results runs across it. */
function ends(m: Loose): boolean {
  return m.role === 'user' || (m.role === 'assistant' && !(Array.isArray(m.tool_calls) && m.tool_calls.length > 0));
}

/**
 * `checkConversation` for the requests of one conversation, one after the other, each checking again only what is
 * new: the messages a request shares with the one before (the same frozen objects, from its start up to its last
 * question or plain answer that, with all before it, is frozen) are not looked at again; the check goes on from
 * where it stood after them. The answer is checkConversation's (a test compares them); its messages are read only.
 */
export class ConversationChecker {
  private kept: { input: readonly Loose[]; upTo: number; state: CheckState } | undefined;

  check(input: readonly ChatMessage[]): CheckedConversation {
    const msgs = input as unknown as readonly Loose[];
    const k = this.kept;
    let from = 0;
    let state = freshState();
    if (k && msgs.length >= k.upTo && startsWith(msgs, k.input, k.upTo)) {
      from = k.upTo;
      // Taken over, not copied: the kept state serves one request (it is dropped below and a new one kept).
      state = k.state;
    }
    // Where the next request may start from: after the last question or plain answer that is frozen, if all before are.
    let upTo = msgs.length;
    while (upTo > from && !(Object.isFrozen(msgs[upTo - 1]) && ends(msgs[upTo - 1]!))) upTo--;
    let allFrozen = true;
    for (let i = from; i < upTo && allFrozen; i++) allFrozen = Object.isFrozen(msgs[i]);
    this.kept = undefined;
    checkFrom(msgs, from, state, {
      index: upTo,
      reached: (s) => {
        // A repair that made new ids is made afresh for every request, as checkConversation does.
        if (allFrozen && upTo > 0 && !s.repairs.has(NEW_ID))
          this.kept = { input: msgs, upTo, state: { out: s.out.slice(), seenIds: new Set(s.seenIds), repairs: new Set(s.repairs) } };
      },
    });
    return checked(state);
  }
}

function startsWith(msgs: readonly Loose[], prefix: readonly Loose[], n: number): boolean {
  for (let i = 0; i < n; i++) if (msgs[i] !== prefix[i]) return false;
  return true;
}

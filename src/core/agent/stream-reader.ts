/**
 * Reads the chunks of one streamed chat completion as real OpenAI-compatible
 * servers send them, not only as OpenAI documents them: tool calls that reuse
 * `index: 0` or carry no index, names resent in every chunk, arguments sent as
 * a JSON object, ids missing, empty or repeated, reasoning in `reasoning`,
 * `reasoning_content` or `<think>` tags, tool calls written as text, error
 * objects in place of a chunk. What comes out is always storable: every call
 * has a unique, non-empty id and arguments that are a JSON object's text.
 */
import crypto from 'node:crypto';
import { ProviderError } from './errors';
import { ContentSplitter, type ContentPiece, type SplitPiece } from './content-splitter';
import { textToolCalls } from './text-tool-calls';
import { normaliseArguments } from './tool-arguments';

export interface ToolCallProblem {
  /** `cut`: the answer hit the output limit mid-call; `unparseable`: not a JSON object; `unnamed`: no tool name. */
  kind: 'cut' | 'unparseable' | 'unnamed';
  /** What the model sent, for the person (never stored as the call's arguments). */
  raw: string;
}

export interface RawToolCall {
  id: string;
  name: string;
  /** Always a JSON object's text ('{}' when the model's could not be used: see `problem`). */
  arguments: string;
  problem?: ToolCallProblem;
}

/** Where the reasoning came from; `reasoning_content` (DeepSeek) must go back on tool rounds. */
export type ReasoningSource = 'reasoning_content' | 'reasoning' | 'think_tags';

export interface Completion {
  content: string;
  reasoning: string;
  reasoningSource: ReasoningSource | undefined;
  toolCalls: RawToolCall[];
  /** As the server said it; 'stop' or 'tool_calls' when it said nothing before the end. */
  finishReason: string;
  /** The person should be told the server's tool parser looks off (a tool call came as text). */
  toolParserHint?: string;
}

interface Slot {
  id: string;
  name: string;
  args: string;
  /** Arguments arrived as an object: already whole. */
  argsObject: boolean;
}

export interface StreamReaderOptions {
  /** Names of the tools offered in this request (none: tool-call text stays text). */
  toolNames: readonly string[];
  /** The server, for messages ("Ollama at …"). */
  label: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A fresh id in OpenAI's shape, for calls the server sent without a usable one. */
export function newCallId(): string {
  return `call_${crypto.randomBytes(12).toString('hex')}`;
}

/** The message of an error object sent in place of a chunk (OpenAI, vLLM, Ollama and OpenRouter shapes). */
export function errorChunkMessage(chunk: Record<string, unknown>): string | undefined {
  const e = chunk.error;
  if (typeof e === 'string') return e;
  if (isRecord(e)) return str(e.message) ?? JSON.stringify(e);
  if (chunk.object === 'error') return str(chunk.message) ?? JSON.stringify(chunk);
  if (!('choices' in chunk) && typeof chunk.message === 'string') return chunk.message;
  if (!('choices' in chunk) && typeof chunk.detail === 'string') return chunk.detail;
  return undefined;
}

export class StreamReader {
  private readonly slots: Slot[] = [];
  private readonly byIndex = new Map<number, Slot>();
  private readonly splitter: ContentSplitter;
  private content = '';
  private reasoning = '';
  private source: ReasoningSource | undefined;
  private finish: string | undefined;

  constructor(private readonly o: StreamReaderOptions) {
    this.splitter = new ContentSplitter(o.toolNames.length > 0);
  }

  /** One parsed SSE chunk → what to show now. Throws a ProviderError for an error chunk. */
  push(chunk: unknown): ContentPiece[] {
    if (!isRecord(chunk)) return [];
    const error = errorChunkMessage(chunk);
    if (error !== undefined) throw new ProviderError('stream_error', `${this.o.label} sent an error instead of an answer: ${error}`);
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    const choice: unknown = choices[0];
    if (!isRecord(choice)) return [];
    const out: ContentPiece[] = [];
    const delta = isRecord(choice.delta) ? choice.delta : isRecord(choice.message) ? choice.message : {};
    for (const field of ['reasoning_content', 'reasoning'] as const) {
      const r = delta[field];
      if (typeof r === 'string') {
        // DeepSeek sends the field (even empty) on every chunk of a thinking answer.
        this.source ??= field;
        if (r) this.addReasoning(out, r);
      }
    }
    const text = str(delta.content);
    if (text) {
      for (const p of this.splitter.push(text)) this.take(out, p);
    }
    if (Array.isArray(delta.tool_calls)) for (const tc of delta.tool_calls) if (isRecord(tc)) this.addToolCall(tc);
    const f = str(choice.finish_reason);
    if (f) this.finish = f;
    return out;
  }

  /** The stream ended (with or without [DONE]): the whole answer, normalised. `takenIds`: ids already in the conversation. */
  end(takenIds: ReadonlySet<string> = new Set()): { pieces: ContentPiece[]; completion: Completion } {
    const pieces: ContentPiece[] = [];
    for (const p of this.splitter.end()) this.take(pieces, p);
    const cut = this.finish === 'length';
    const used = new Set(takenIds);
    const calls: RawToolCall[] = this.slots.map((s) => normaliseCall(s, cut, used));
    let content = this.content;
    let toolParserHint: string | undefined;
    const fromText = textToolCalls(this.splitter.toolCallBlocks, content, this.o.toolNames);
    for (const c of fromText.calls) {
      const id = uniqueId(undefined, used);
      calls.push({ id, name: c.name, arguments: c.arguments });
    }
    if (fromText.unusable.length > 0)
      content = [content, ...fromText.unusable.map((b) => `<tool_call>${b}</tool_call>`)].filter(Boolean).join('\n');
    // Calls written as well-formed text run (judged like any other); the rest only get the hint.
    if (fromText.unusable.length > 0 || fromText.jsonNamesTool) toolParserHint = TOOL_PARSER_HINT;
    const finishReason = this.finish ?? (calls.length > 0 ? 'tool_calls' : 'stop');
    return {
      pieces,
      completion: {
        content,
        reasoning: this.reasoning,
        reasoningSource: this.source,
        toolCalls: calls,
        finishReason,
        ...(toolParserHint ? { toolParserHint } : {}),
      },
    };
  }

  private take(out: ContentPiece[], p: SplitPiece): void {
    if (p.kind === 'reasoning_ended') {
      // Already shown as it came (nothing told us it was reasoning); at least it is not stored or sent back as the answer.
      this.source ??= 'think_tags';
      this.reasoning += this.content;
      this.content = '';
      return;
    }
    if (p.kind === 'reasoning') {
      this.source ??= 'think_tags';
      this.addReasoning(out, p.text);
      return;
    }
    this.content += p.text;
    out.push(p);
  }

  private addReasoning(out: ContentPiece[], text: string): void {
    this.reasoning += text;
    const last = out[out.length - 1];
    if (last?.kind === 'reasoning') last.text += text;
    else out.push({ kind: 'reasoning', text });
  }

  /** Set, except where a piece continues the name towards an offered tool (Gemini streams "edit_ex" + "isting_file"). */
  private joinName(current: string, piece: string): string {
    if (!current || current === piece || this.o.toolNames.includes(piece)) return piece;
    const joined = current + piece;
    return this.o.toolNames.some((t) => t.startsWith(joined)) ? joined : piece;
  }

  private addToolCall(tc: Record<string, unknown>): void {
    const id = str(tc.id) || undefined;
    const index = typeof tc.index === 'number' ? tc.index : undefined;
    const fn = isRecord(tc.function) ? tc.function : {};
    let slot: Slot | undefined;
    if (index !== undefined) {
      const atIndex = this.byIndex.get(index);
      // Ollama sends parallel calls all with index 0: a new id at a used index is a new call.
      // (A known id at another index is a duplicate id, made unique at the end, not the same call.)
      if (atIndex && !(id && atIndex.id && atIndex.id !== id)) slot = atIndex;
    } else if (id) slot = this.slots.find((s) => s.id === id);
    else {
      // No index and no id: the continuation of the call being streamed, unless this chunk starts a named call of its own.
      const last = this.slots[this.slots.length - 1];
      if (last && !(str(fn.name) && last.name && last.args)) slot = last;
    }
    if (!slot) {
      slot = { id: id ?? '', name: '', args: '', argsObject: false };
      this.slots.push(slot);
    }
    if (index !== undefined) this.byIndex.set(index, slot);
    if (id && !slot.id) slot.id = id;
    // Names are set, not appended: some servers resend the whole name in every chunk.
    const name = str(fn.name);
    if (name) slot.name = this.joinName(slot.name, name);
    const args = fn.arguments;
    if (typeof args === 'string') {
      if (!slot.argsObject) slot.args += args;
    } else if (isRecord(args)) {
      // llama.cpp (one regression) and TGI send the arguments as an object.
      slot.args = JSON.stringify(args);
      slot.argsObject = true;
    }
  }
}

function uniqueId(id: string | undefined, used: Set<string>): string {
  let chosen = id && !used.has(id) ? id : newCallId();
  while (used.has(chosen)) chosen = newCallId();
  used.add(chosen);
  return chosen;
}

function normaliseCall(s: Slot, cut: boolean, used: Set<string>): RawToolCall {
  const id = uniqueId(s.id, used);
  const args = normaliseArguments(s.args);
  if (!s.name)
    return { id, name: 'unnamed_tool', arguments: args.ok ? args.text : '{}', problem: { kind: cut ? 'cut' : 'unnamed', raw: s.args } };
  if (args.ok) return { id, name: s.name, arguments: args.text };
  return { id, name: s.name, arguments: '{}', problem: { kind: cut ? 'cut' : 'unparseable', raw: s.args } };
}

/** Said when a tool call came as text: the server's tool-call parser is off or wrong for the model. */
export const TOOL_PARSER_HINT =
  "the model wrote a tool call as text instead of calling the tool, so the server's tool-call parser looks off. " +
  'vLLM: start it with --enable-auto-tool-choice --tool-call-parser hermes (Qwen, Hermes; other models name their parser); ' +
  'llama-server: start it with --jinja; Ollama and LM Studio: use a model whose template supports tools. See docs/models.md.';

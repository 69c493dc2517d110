/**
 * Tool calls a model wrote as text because the server did not parse them:
 * Qwen/Hermes `<tool_call>{"name": …, "arguments": {…}}</tool_call>` blocks
 * (withheld from the answer by the ContentSplitter), and a bare or fenced
 * JSON object naming an offered tool, which is only reported (a JSON example
 * in an answer must never run a command).
 */
import { normaliseArguments } from './tool-arguments';

export interface TextToolCall {
  name: string;
  /** A JSON object's text. */
  arguments: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseBlock(body: string): TextToolCall | undefined {
  let v: unknown;
  try {
    v = JSON.parse(body.trim());
  } catch {
    return undefined;
  }
  if (!isRecord(v) || typeof v.name !== 'string' || v.name === '') return undefined;
  const a = v.arguments ?? v.parameters ?? {};
  const args = normaliseArguments(typeof a === 'string' ? a : JSON.stringify(a));
  return args.ok ? { name: v.name, arguments: args.text } : undefined;
}

/** Whether `content` is (or holds, fenced) a JSON object whose `name` is one of the offered tools. */
function jsonNamesTool(content: string, toolNames: readonly string[]): boolean {
  if (toolNames.length === 0) return false;
  const candidates = [content.trim(), ...[...content.matchAll(/```(?:json)?\s*\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')];
  return candidates.some((c) => {
    try {
      const v: unknown = JSON.parse(c.trim());
      const name = isRecord(v) ? (v.name ?? (isRecord(v.function) ? v.function.name : undefined)) : undefined;
      return typeof name === 'string' && toolNames.includes(name);
    } catch {
      return false;
    }
  });
}

export function textToolCalls(
  blocks: readonly string[],
  content: string,
  toolNames: readonly string[],
): { calls: TextToolCall[]; unusable: string[]; jsonNamesTool: boolean } {
  const calls: TextToolCall[] = [];
  const unusable: string[] = [];
  for (const b of blocks) {
    const c = parseBlock(b);
    if (c) calls.push(c);
    else unusable.push(b);
  }
  return { calls, unusable, jsonNamesTool: calls.length === 0 && jsonNamesTool(content, toolNames) };
}

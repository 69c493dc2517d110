/**
 * Answers as real OpenAI-compatible servers stream them, quirks included,
 * for the scripted server (`frames` steps). Each builder names the server
 * and cites where the behaviour is documented or reported. Stand-ins for the
 * real servers, which cannot run here.
 */
import type { Frame, Step } from './llm-server';

export interface QuirkCall {
  name: string;
  args: Record<string, unknown>;
}

const role: Frame = { delta: { role: 'assistant', content: '' } };
const json = (a: Record<string, unknown>) => JSON.stringify(a);
const halves = (s: string): [string, string] => [s.slice(0, Math.ceil(s.length / 2)), s.slice(Math.ceil(s.length / 2))];

/**
 * Ollama: parallel calls each in one chunk, all with `index: 0` and their own id.
 * https://github.com/ollama/ollama/issues/15457
 */
export function ollamaParallelIndexZero(calls: QuirkCall[]): Step {
  return {
    frames: [
      role,
      ...calls.map((c, i): Frame => ({
        delta: { tool_calls: [{ id: `call_ollama${i}`, index: 0, type: 'function', function: { name: c.name, arguments: json(c.args) } }] },
      })),
      { delta: {}, finish: 'tool_calls' },
    ],
  };
}

/**
 * Ollama before 0.4.7: streamed tool calls without `index`, and the same id
 * sent by servers that mint none per request (aios used to invent `call_0`).
 * https://github.com/ollama/ollama/issues/7881
 */
export function noIndexCalls(calls: QuirkCall[], id = ''): Step {
  return {
    frames: [
      role,
      ...calls.map((c): Frame => ({
        delta: { tool_calls: [{ ...(id ? { id } : {}), type: 'function', function: { name: c.name, arguments: json(c.args) } }] },
      })),
      { delta: {}, finish: 'tool_calls' },
    ],
  };
}

/**
 * MiniMax via NVIDIA NIM (and some OpenAI models) resend the whole name in every chunk.
 * https://github.com/NousResearch/hermes-agent/issues/8259, https://github.com/open-webui/open-webui/pull/22235
 */
export function nameInEveryChunk(call: QuirkCall, id = 'call_nim'): Step {
  const [a, b] = halves(json(call.args));
  return {
    frames: [
      role,
      { delta: { tool_calls: [{ index: 0, id, type: 'function', function: { name: call.name, arguments: '' } }] } },
      { delta: { tool_calls: [{ index: 0, id, type: 'function', function: { name: call.name, arguments: a } }] } },
      { delta: { tool_calls: [{ index: 0, id, type: 'function', function: { name: call.name, arguments: b } }] } },
      { delta: {}, finish: 'tool_calls' },
    ],
  };
}

/**
 * llama-server after its autoparser refactor: `arguments` as a JSON object, not a string.
 * https://github.com/ggml-org/llama.cpp/issues/20198
 */
export function objectArguments(call: QuirkCall, id = 'call_llama'): Step {
  return {
    frames: [
      role,
      { delta: { tool_calls: [{ index: 0, id, type: 'function', function: { name: call.name, arguments: call.args } }] } },
      { delta: {}, finish: 'tool_calls' },
    ],
  };
}

/** Two calls in one answer with the same id (strict servers then refuse every later request). */
export function duplicateIds(calls: QuirkCall[], id = 'call_same'): Step {
  return {
    frames: [
      role,
      ...calls.map((c, i): Frame => ({
        delta: { tool_calls: [{ index: i, id, type: 'function', function: { name: c.name, arguments: json(c.args) } }] },
      })),
      { delta: {}, finish: 'tool_calls' },
    ],
  };
}

/**
 * Qwen/Hermes models on a server without a tool parser: the call is text in `content`.
 * https://docs.vllm.ai/en/latest/features/tool_calling.html (hermes parser), https://qwen.readthedocs.io/en/latest/framework/function_call.html
 */
export function hermesTextCall(call: QuirkCall, before = ''): Step {
  const block = `<tool_call>\n${JSON.stringify({ name: call.name, arguments: call.args })}\n</tool_call>`;
  const [a, b] = halves(block);
  return {
    frames: [
      role,
      ...(before ? [{ delta: { content: before } }] : []),
      { delta: { content: a } },
      { delta: { content: b } },
      { delta: {}, finish: 'stop' },
    ],
  };
}

/** A model that writes the call as a fenced JSON block (no tags, no parser): shown, never run. */
export function jsonBlockCall(call: QuirkCall): Step {
  return {
    frames: [
      role,
      { delta: { content: `I will run it:\n\`\`\`json\n${JSON.stringify({ name: call.name, arguments: call.args })}\n\`\`\`\n` } },
      { delta: {}, finish: 'stop' },
    ],
  };
}

/**
 * Qwen3 / R1 distills served without a reasoning parser: `<think>…</think>` in
 * `content`, the tags split across chunks.
 * https://docs.vllm.ai/en/latest/features/reasoning_outputs.html, https://github.com/ggml-org/llama.cpp/tree/master/tools/server (--reasoning-format)
 */
export function thinkTagsSplit(thought: string, answer: string): Step {
  return {
    frames: [
      role,
      { delta: { content: '<thi' } },
      { delta: { content: `nk>${thought}</th` } },
      { delta: { content: `ink>\n\n${answer}` } },
      { delta: {}, finish: 'stop' },
    ],
  };
}

/**
 * DeepSeek thinking mode: `reasoning_content` chunks, then the answer or tool
 * calls; on tool rounds reasoning_content must go back in later requests.
 * https://api-docs.deepseek.com/guides/thinking_mode#tool-calls
 */
export function deepseekReasoning(thought: string, then: { text?: string; call?: QuirkCall }): Step {
  const frames: Frame[] = [
    { delta: { role: 'assistant', content: null, reasoning_content: '' } },
    { delta: { content: null, reasoning_content: thought } },
  ];
  if (then.text) frames.push({ delta: { content: then.text, reasoning_content: null } }, { delta: {}, finish: 'stop' });
  if (then.call) {
    frames.push(
      {
        delta: {
          content: null,
          reasoning_content: null,
          tool_calls: [{ index: 0, id: 'call_ds0', type: 'function', function: { name: then.call.name, arguments: json(then.call.args) } }],
        },
      },
      { delta: {}, finish: 'tool_calls' },
    );
  }
  return { frames };
}

/**
 * OpenRouter, Ollama (think) and recent vLLM: the reasoning in a `reasoning` field.
 * https://openrouter.ai/docs/use-cases/reasoning-tokens, https://docs.vllm.ai/en/latest/features/reasoning_outputs.html
 */
export function reasoningField(thought: string, answer: string): Step {
  return {
    frames: [role, { delta: { reasoning: thought } }, ...(answer ? [{ delta: { content: answer } }] : []), { delta: {}, finish: 'stop' }],
  };
}

/** The output limit hit mid-text (`finish_reason: length`). */
export function lengthMidText(text: string): Step {
  return { frames: [role, { delta: { content: text } }, { delta: {}, finish: 'length' }] };
}

/** The output limit hit mid-call: the arguments stop half-way. */
export function lengthMidCall(call: QuirkCall): Step {
  const [a] = halves(json(call.args));
  return {
    frames: [
      role,
      { delta: { tool_calls: [{ index: 0, id: 'call_cut', type: 'function', function: { name: call.name, arguments: a } }] } },
      { delta: {}, finish: 'length' },
    ],
  };
}

/** `[DONE]` without any finish_reason (the case: shown, then called an error and not stored). */
export function doneWithoutFinish(text: string): Step {
  return { frames: [role, { delta: { content: text } }] };
}

/**
 * An error object sent as a chunk after the headers, without `choices` (vLLM's
 * ErrorResponse shape). https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html
 */
export function errorChunk(message: string): Step {
  return { frames: [role, { chunk: { object: 'error', message, type: 'BadRequestError', param: null, code: 400 } }], end: 'close' };
}

/** Headers, one empty chunk, then silence (a stalled server or proxy). */
export function silentAfterHeaders(): Step {
  return { frames: [role], end: 'silent' };
}

/** Ollama's answer when the model has no tool support. https://github.com/ollama/ollama/blob/main/docs/openai.md */
export const ollamaNoTools = (model: string): Step => ({
  status: 400,
  body: { error: { message: `registry.ollama.ai/library/${model} does not support tools`, type: 'api_error', param: null, code: null } },
});

/** llama-server started without --jinja. https://github.com/containers/ramalama/issues/988 */
export const llamaServerNoJinja: Step = {
  status: 500,
  body: { error: { code: 500, message: 'tools param requires --jinja flag', type: 'server_error' } },
};

/** OpenAI (and vLLM, which copies its wording): the conversation is longer than the context. https://platform.openai.com/docs/guides/error-codes */
export const contextTooLong: Step = {
  status: 400,
  body: {
    error: {
      message: "This model's maximum context length is 4096 tokens. However, your messages resulted in 5000 tokens.",
      type: 'invalid_request_error',
      param: 'messages',
      code: 'context_length_exceeded',
    },
  },
};

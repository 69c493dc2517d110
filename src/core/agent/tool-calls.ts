import { badArgumentsText, commandResultForModel, toolResultForModel, type Emit, type Gate } from '../gate';
import type { RawToolCall } from './llm';
import { RUN_COMMAND } from '../../shared/contract';
import { parseRunCommandArgs, type ToolSet } from './tools';

export interface ToolCallContext {
  gate: Gate;
  tools: ToolSet;
  emit: Emit;
  cwd: string;
  turnId: string;
  conversationId: string;
  signal: AbortSignal;
}

/** The text a tool call answers the model with; `badArgs` when the model should send it again with other arguments. */
export interface CallAnswer {
  text: string;
  badArgs: boolean;
}

/**
 * One tool call of the model: read its arguments, and pass it as an action
 * through the gate (a command line or a tool call). A call the gate cannot
 * even judge is still shown and still a row of the command history.
 */
export async function answerToolCall(call: RawToolCall, c: ToolCallContext): Promise<CallAnswer> {
  if (call.problem) return unusableCall(call, c);
  const { gate, tools, turnId, signal } = c;
  const shown = () => c.emit('chat.toolCall', { turnId, callId: call.id, name: call.name, arguments: call.arguments });
  const bad = (message: string): CallAnswer => {
    // Nothing to judge: shown as a tool call with unusable arguments, and a row.
    shown();
    gate.recordMalformed(call.name, call.arguments, message);
    return { text: badArgumentsText(call.name, message), badArgs: true };
  };
  const keys = { callId: call.id, turnId, conversationId: c.conversationId, signal };
  if (call.name === RUN_COMMAND) {
    const a = parseRunCommandArgs(call.arguments);
    if (!a.ok) return bad(a.message);
    // chat.commandStart (from the gate) is the one event announcing the command and its decision.
    const outcome = await gate.pass({
      kind: 'command',
      command: a.value.command,
      cwd: c.cwd,
      why: a.value.reason,
      ...(a.value.unconfined ? { unconfined: true } : {}),
      ...keys,
    });
    return { text: commandResultForModel(outcome), badArgs: false };
  }
  // Every other tool, built-in or MCP, goes through the same gate as run_command.
  const resolved = tools.resolve(call.name, call.arguments, signal);
  if (resolved && 'error' in resolved) return bad(resolved.error);
  if (resolved) {
    const outcome = await gate.pass({
      kind: 'tool',
      name: call.name,
      facts: resolved.facts,
      rawArguments: call.arguments,
      exec: resolved.exec,
      ...keys,
    });
    return toolResultForModel(outcome);
  }
  shown();
  const unknown = `unknown tool "${call.name}". Available tools: ${tools.names().join(', ')}`;
  gate.recordMalformed(call.name, call.arguments, unknown);
  return { text: JSON.stringify({ success: false, error: unknown }), badArgs: false };
}

/** A call that cannot run as sent: the person sees what came, the model gets a clear error, nothing raw is stored. */
function unusableCall(call: RawToolCall, c: ToolCallContext): CallAnswer {
  const p = call.problem!;
  const raw = p.raw.length > 2000 ? `${p.raw.slice(0, 2000)}…` : p.raw;
  c.emit('chat.toolCall', { turnId: c.turnId, callId: call.id, name: call.name, arguments: raw });
  const error =
    p.kind === 'cut'
      ? `${call.name}: the call was cut off by the output token limit before its arguments were complete; it was NOT run. Make a shorter call.`
      : p.kind === 'unnamed'
        ? 'a tool call without a tool name was NOT run. Call a tool by its name.'
        : `${call.name}: the arguments are not valid JSON (a JSON object was expected), so it was NOT run. Call it again with arguments that match its JSON schema.`;
  // Every call the model made is a row, run_command's included: nothing the AI asked for goes unrecorded.
  c.gate.recordMalformed(call.name || '(unnamed tool)', raw, error);
  return { text: JSON.stringify({ success: false, error }), badArgs: p.kind !== 'cut' };
}

import type { Executor, RunResult } from '../executor/executor';
import type { Confinement } from '../executor/sandbox';
import type { CommandAction, ToolAction, ToolResult } from './action';

/** The abort reason when aios itself stops: a command cut off by it was interrupted, not cancelled by the person. */
export const SHUTDOWN = 'aios-shutdown';
export const INTERRUPTED_BY_SHUTDOWN = 'interrupted: aios stopped while this command was running';

/** Output that says the jail, not the command, failed: a write outside the working tree, the network. */
const JAIL_FAILURE: ReadonlyArray<[RegExp, string]> = [
  [/read-only file system/i, 'a write outside the working tree was refused (read-only file system)'],
  [
    /network is unreachable|could not resolve host|temporary failure in name resolution|name or service not known/i,
    'the network is not reachable from the jail',
  ],
  [/permission denied/i, 'the jail refused access (permission denied)'],
];

export interface CommandRan {
  result: RunResult;
  /** Why it could not start, or that aios stopped it. */
  failure?: string;
  /** It ran confined only because no rule names it, failed, and its output says the jail stopped it. */
  jailFailure?: string;
}

export interface ToolRan {
  result: ToolResult;
  startedAt: Date;
  endedAt: Date;
}

export interface CommandRunContext {
  executor: Executor;
  timeoutMs: number;
  /** The jail it runs in, when the policy's decision put it there. */
  confinement?: Confinement;
  /** It runs confined only because no rule names it: a failure may be the jail's. */
  confinedUnknown: boolean;
  onOutput: (data: string, stream: 'stdout' | 'stderr') => void;
}

/** The run step of a command: past the policy and the person, it runs (in the jail, when decided). */
export async function runCommand(a: CommandAction, c: CommandRunContext): Promise<CommandRan> {
  const { signal } = a;
  const result = await c.executor.run({
    command: a.command,
    cwd: a.cwd,
    timeoutMs: c.timeoutMs,
    signal,
    confinement: c.confinement,
    onOutput: c.onOutput,
  });
  const failure = failureOf(result, signal);
  const jailFailure = c.confinedUnknown && result.exitCode !== 0 ? JAIL_FAILURE.find(([re]) => re.test(result.fullOutput))?.[1] : undefined;
  return { result, ...(failure ? { failure } : {}), ...(jailFailure ? { jailFailure } : {}) };
}

/** Why a command that ran has no result of its own: it could not start, or aios stopped it. */
export function failureOf(result: RunResult, signal: AbortSignal): string | undefined {
  return result.spawnError ?? (result.cancelled && signal.reason === SHUTDOWN ? INTERRUPTED_BY_SHUTDOWN : undefined);
}

/** The run step of a tool call: the tool itself; a throw is its failure, never the gate's. */
export async function runTool(a: ToolAction): Promise<ToolRan> {
  const startedAt = new Date();
  let result: ToolResult;
  try {
    result = await a.exec();
  } catch (err) {
    result = { ok: false, message: `${a.name} failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { result, startedAt, endedAt: new Date() };
}

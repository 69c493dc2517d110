/**
 * Agent overhead around one command, through the real agent loop (scripted
 * OpenAI-compatible server on loopback, real PolicyEngine, real SQLite
 * history and conversation, real child process). The command is
 * auto-allowed, so it takes the quiet path: the jail (bubblewrap) with the
 * Core's sandbox and scrubbed environment, as in the app; every run is
 * checked to have run confined and printed its output, so the figures never
 * time an instant failure. If bubblewrap cannot run here the bench says so
 * and stops.
 *   pre:  the tool call has arrived (stream finished) → the command is spawned
 *         (argument parsing, policy decision, events)
 *   post: the command has exited → the result is sent back to the model
 *         (history row, conversation write, capping, next request's prompt)
 * Baseline in the same run: a bare `spawn('/bin/sh', ['-c', cmd])` to exit.
 * Target: pre + post under 1 ms.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LlmClient, type CompleteOptions, type Completion } from '../src/core/agent/llm';
import { dispatchCall } from '../src/core/bridge/dispatch';
import { loadConfig } from '../src/core/config/load';
import { Core } from '../src/core/core';
import { commandEnvironment } from '../src/core/environment';
import { Executor, Sandbox, type RunOptions, type RunResult } from '../src/core/executor';
import { startLlmServer } from '../test/support/llm-server';

const TURNS = Number(process.env.BENCH_TURNS ?? 60);
const COMMAND = 'printf ok';

const marks = { arrived: [] as number[], spawn: [] as number[], exit: [] as number[], sent: [] as number[] };
/** This process's CPU time (user + system, all its threads, in ms) at the same marks: less swayed by other jobs than wall time. */
const cpuMarks = { arrived: [] as number[], spawn: [] as number[], exit: [] as number[], sent: [] as number[] };
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Runs that did not run confined to a clean exit with the command's output: the bench refuses to time them. */
const badRuns: string[] = [];

class TimedExecutor extends Executor {
  override async run(o: RunOptions): Promise<RunResult> {
    marks.spawn.push(performance.now());
    cpuMarks.spawn.push(cpuNow());
    const r = await super.run(o);
    marks.exit.push(performance.now());
    cpuMarks.exit.push(cpuNow());
    if (!r.confined || r.exitCode !== 0 || r.fullOutput !== 'ok')
      badRuns.push(
        `${o.command}: confined ${r.confined}, exit ${r.exitCode}, ${r.spawnError ?? JSON.stringify(r.fullOutput.slice(0, 200))}`,
      );
    return r;
  }
}

class TimedClient extends LlmClient {
  override async complete(o: CompleteOptions): Promise<Completion> {
    marks.sent.push(performance.now());
    cpuMarks.sent.push(cpuNow());
    const r = await super.complete(o);
    marks.arrived.push(performance.now());
    cpuMarks.arrived.push(cpuNow());
    return r;
  }
}

function bareSpawn(): Promise<number> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const c = spawn('/bin/sh', ['-c', COMMAND], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    c.stdout.resume();
    c.stderr.resume();
    c.on('close', () => resolve(performance.now() - t0));
  });
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p95: at(0.95) };
};
const fmt = (ms: number) => `${ms.toFixed(2).padStart(7)} ms`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-bench-agent-'));
const env = {
  HOME: dir,
  XDG_CONFIG_HOME: path.join(dir, 'xdg'),
  AIOS_CONFIG_DIR: path.join(dir, 'cfg'),
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  USER: 'bench',
};
fs.mkdirSync(env.AIOS_CONFIG_DIR, { recursive: true });
const server = await startLlmServer();
server.setResponder((body) =>
  body.messages.at(-1)?.role === 'tool'
    ? { text: 'done' }
    : { toolCalls: [{ name: 'run_command', arguments: { command: COMMAND, reason: 'bench' } }] },
);
fs.writeFileSync(
  path.join(env.AIOS_CONFIG_DIR, 'config.toml'),
  `[ai]\nbase_url = "${server.baseUrl}"\nmodel = "scripted"\n\n[permissions]\nauto_allow = ["printf*"]\n`,
);
const config = loadConfig({ env });
// What the Core gives its own executor: the scrubbed environment, its secrets and the quiet jail.
const commandEnv = commandEnvironment(config.config, env);
const sandbox = new Sandbox({ bwrap: config.config.commands.bwrap, env, disabled: !config.config.commands.confine_auto_allowed });
const jail = sandbox.status();
if (!jail.available) {
  process.stderr.write(`agent-overhead: the quiet jail cannot run here (${jail.reason}); nothing to time.\n`);
  process.exit(1);
}
const executor = new TimedExecutor({ env: commandEnv.env, secrets: commandEnv.secrets, sandbox });
const core = new Core({
  host: 'tty',
  env,
  config,
  cwd: dir,
  mcp: false,
  chat: { executor, llmFactory: (p) => new TimedClient({ provider: p, ai: config.config.ai }) },
});

async function turn(): Promise<void> {
  const r = await dispatchCall(core.handlers, 'chat.send', { text: 'run it' }, { clientId: 'bench' });
  if (!r.ok) throw new Error(r.error.message);
  const { turnId } = r.value as { turnId: string };
  await new Promise<void>((resolve) => {
    const off = core.events.on('chat.turnDone', (p) => {
      if (p.turnId === turnId) {
        off();
        resolve();
      }
    });
  });
}

// Warm up: grammar load, SQLite statements, JIT.
for (let i = 0; i < 5; i++) await turn();
for (const k of Object.keys(marks) as Array<keyof typeof marks>) {
  marks[k].length = 0;
  cpuMarks[k].length = 0;
}
if (badRuns.length > 0) throw new Error(`agent-overhead: the command did not run in the jail: ${badRuns[0]}`);

const bare: number[] = [];
for (let i = 0; i < TURNS; i++) {
  bare.push(await bareSpawn());
  await turn();
}

// Per turn: sent[2i] → arrived[2i] (tool call) → spawn[i] → exit[i] → sent[2i+1] (result back) → arrived[2i+1].
const pre: number[] = [];
const post: number[] = [];
const run: number[] = [];
const cpuAdded: number[] = [];
for (let i = 0; i < TURNS; i++) {
  pre.push(marks.spawn[i]! - marks.arrived[2 * i]!);
  post.push(marks.sent[2 * i + 1]! - marks.exit[i]!);
  run.push(marks.exit[i]! - marks.spawn[i]!);
  cpuAdded.push(cpuMarks.spawn[i]! - cpuMarks.arrived[2 * i]! + (cpuMarks.sent[2 * i + 1]! - cpuMarks.exit[i]!));
}
await core.close();
await server.close();
fs.rmSync(dir, { recursive: true, force: true });
if (badRuns.length > 0) throw new Error(`agent-overhead: ${badRuns.length} runs did not run in the jail: ${badRuns[0]}`);

const b = stats(bare);
const p = stats(pre);
const q = stats(post);
const r = stats(run);
const total = stats(pre.map((x, i) => x + post[i]!));
console.log(`agent-overhead: ${TURNS} turns of one auto_allow command (\`${COMMAND}\`), medians (p95)`);
console.log(`  bare spawn → exit (baseline)        ${fmt(b.median)}  (${fmt(b.p95)})`);
console.log(`  executor spawn → exit, in the jail   ${fmt(r.median)}  (${fmt(r.p95)})   bubblewrap ${jail.version}`);
console.log(`  pre:  tool call arrived → spawn      ${fmt(p.median)}  (${fmt(p.p95)})`);
console.log(`  post: exit → result sent to model    ${fmt(q.median)}  (${fmt(q.p95)})`);
console.log(`  added by aios (pre + post)           ${fmt(total.median)}  (${fmt(total.p95)})   target < 1 ms`);
console.log(`  ratio (bare + added) / bare          ${((b.median + total.median) / b.median).toFixed(2).padStart(7)}`);
const c = stats(cpuAdded);
console.log(`  CPU time in pre + post (all threads)  ${fmt(c.median)}  (${fmt(c.p95)})   load ${os.loadavg()[0]?.toFixed(1)}`);
{
  const offset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  fs.writeFileSync(process.env.MARKS_OUT ?? '/tmp/marks.json', JSON.stringify({ offset, marks }));
}

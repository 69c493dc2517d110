import { spawn } from 'node:child_process';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { dispatchCall } from '../core/bridge/dispatch';
import type { Core } from '../core/core';
import type { Env } from '../core/config/paths';
import type { CallName, CallRequest, CallResponse, EventPayload } from '../../shared/contract';
import { ARGUMENT_LINES, decisionLabel, formatDuration, formatHistory, formatMemories, formatToolArguments, HELP } from './format';
import { colourWanted, makeStyle, type Style } from './style';

export interface ChatReplOptions {
  core: Core;
  input: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  output: Writable & { isTTY?: boolean; columns?: number };
  env: Env;
}

export const PROMPT = '[aios] > ';
const APPROVAL_PROMPT = 'Run it? [y/N] ';
const TOOL_APPROVAL_PROMPT = 'Call it? [y/N] ';

/**
 * The `[aios] >` prompt: a host like the graphical one, over the same core
 * calls and events, with the y/N prompt as its Approver.
 */
export class ChatRepl {
  private readonly style: Style;
  private readonly rl: readline.Interface;
  private readonly offs: Array<() => void> = [];
  private busy = false;
  private approval: EventPayload<'chat.approvalRequest'> | undefined;
  private atLineStart = true;
  private inTerminal = false;
  private finished: (code: number) => void = () => undefined;

  constructor(private readonly o: ChatReplOptions) {
    this.style = makeStyle(colourWanted(o.env, o.output.isTTY === true));
    this.rl = readline.createInterface({ input: o.input, output: o.output, terminal: o.input.isTTY === true && o.output.isTTY === true, prompt: this.promptText() });
  }

  private promptText(): string {
    return this.style.enabled ? `${this.style.bold(this.style.cyan('[aios]'))} > ` : PROMPT;
  }

  private write(s: string): void {
    if (s.length === 0) return;
    this.o.output.write(s);
    this.atLineStart = s.endsWith('\n');
  }

  private line(s: string): void {
    if (!this.atLineStart) this.write('\n');
    this.write(`${s}\n`);
  }

  private async call<N extends CallName>(name: N, req: CallRequest<N>): Promise<CallResponse<N>> {
    const r = await dispatchCall(this.o.core.handlers, name, req, { clientId: 'tty' });
    if (!r.ok) throw new Error(r.error.message);
    return r.value as CallResponse<N>;
  }

  private prompt(): void {
    if (this.inTerminal) return;
    if (!this.atLineStart) this.write('\n');
    this.rl.setPrompt(this.approval ? this.style.yellow(this.approval.tool ? TOOL_APPROVAL_PROMPT : APPROVAL_PROMPT) : this.promptText());
    this.rl.prompt();
    this.atLineStart = true;
  }

  async run(): Promise<number> {
    this.subscribe();
    const done = new Promise<number>((resolve) => (this.finished = resolve));
    this.rl.on('line', (text) => void this.onLine(text));
    this.rl.on('SIGINT', () => this.onInterrupt());
    this.rl.on('close', () => {
      this.write('\n');
      // Ctrl-D at a terminal leaves now; the end of piped input lets the last answer finish first.
      const waitFirst = this.o.input.isTTY === true ? Promise.resolve() : this.o.core.chat.agent.idle();
      void waitFirst.then(() => this.shutdown(0));
    });
    await this.banner();
    this.prompt();
    return done;
  }

  private async banner(): Promise<void> {
    const state = await this.call('chat.history', {});
    this.line(`${this.style.bold('aios chat')} ${this.style.dim(state.provider ? `· ${state.provider}` : '· no AI provider')} ${this.style.dim('· /help for help, Ctrl-D to leave')}`);
    if (state.problem) this.line(this.style.yellow(state.problem));
    const restored = state.messages.filter((m) => (m.role === 'user' || m.role === 'assistant') && m.text.trim() !== '');
    if (restored.length > 0) {
      this.line(this.style.dim(`(conversation restored: ${state.messages.length} messages; /clear starts a new one)`));
      for (const m of restored.slice(-2)) this.line(this.style.dim(`${m.role === 'user' ? 'you' : 'aios'}: ${m.text.replace(/\s+/g, ' ').slice(0, 200)}`));
    }
  }

  private subscribe(): void {
    const ev = this.o.core.events;
    const s = this.style;
    this.offs.push(
      ev.on('chat.delta', (p) => this.write(p.text)),
      ev.on('chat.toolCall', (p) => {
        // A command is shown by chat.commandStart, with its decision; other tools as a short line.
        if (p.command !== undefined) return;
        const decided = p.decision ? `  ${s.dim('[')}${decisionLabel(p.decision, s)}${s.dim(']')}${p.rule ? s.dim(` (${p.rule})`) : ''}` : '';
        // The model's name (`server__tool`) already says server and tool.
        this.line(s.dim(`→ ${p.name} ${p.arguments.length > 160 ? `${p.arguments.slice(0, 160)}…` : p.arguments}`) + decided);
      }),
      ev.on('chat.toolDone', (p) => {
        this.clearStaleApproval();
        if (!p.ran) this.line(s.red(`not called: ${p.refusal ?? 'refused'}`));
      }),
      ev.on('chat.commandStart', (p) => {
        const rule = p.rule ? s.dim(` (${p.rule})`) : '';
        this.line(`${s.bold('$')} ${p.command}  ${s.dim('[')}${decisionLabel(p.decision, s)}${s.dim(']')}${rule}`);
      }),
      ev.on('chat.approvalRequest', (p) => {
        this.approval = p;
        if (p.tool) {
          this.line(`${s.yellow('approval needed')}: MCP tool ${s.bold(p.tool.tool)} of server ${s.bold(p.tool.server)}`);
          this.line(formatToolArguments(p.tool.arguments, ARGUMENT_LINES));
          this.line(s.dim(`  rule: ${p.rule ?? 'no rule matches'}${p.reasons.length > 0 ? `; ${p.reasons.join('; ')}` : ''}`));
        } else {
          this.line(`${s.yellow('approval needed')}: ${s.bold(p.command)}`);
          this.line(s.dim(`  in ${p.cwd}; rule: ${p.rule ?? 'no rule matches'}${p.reasons.length > 0 ? `; ${p.reasons.join('; ')}` : ''}`));
        }
        this.prompt();
      }),
      ev.on('chat.commandOutput', (p) => this.write(s.dim(p.data))),
      ev.on('chat.commandDone', (p) => {
        this.clearStaleApproval();
        if (!p.ran) this.line(s.red(`not run: ${p.refusal ?? 'refused'}`));
        else {
          const how = p.cancelled ? 'cancelled' : p.timedOut ? 'timed out' : p.signal ? `killed (${p.signal})` : `exit ${p.exitCode ?? '?'}`;
          this.line(s.dim(`[${how} · ${formatDuration(p.durationMs)}]`));
        }
      }),
      ev.on('chat.notice', (p) => this.line((p.level === 'warning' ? s.yellow : s.cyan)(`! ${p.message}`))),
      ev.on('chat.error', (p) => this.line(s.red(`error: ${p.message}`))),
      ev.on('chat.turnDone', (p) => {
        this.clearStaleApproval();
        if (p.status === 'cancelled') this.line(s.yellow('(cancelled)'));
        this.busy = false;
        this.prompt();
      }),
    );
  }

  /** An approval that ended without our answer (timeout, cancel) must not eat the next line. */
  private clearStaleApproval(): void {
    if (this.approval) {
      this.approval = undefined;
      this.rl.setPrompt(this.promptText());
    }
  }

  private onInterrupt(): void {
    if (this.approval) {
      void this.answer(false);
    }
    if (this.busy) {
      this.write('^C');
      void this.call('chat.cancel', {});
      return;
    }
    // Idle: like a shell, drop the line being typed and start afresh.
    this.write('^C\n');
    this.rl.write(null, { ctrl: true, name: 'u' });
    this.prompt();
  }

  private async answer(approved: boolean): Promise<void> {
    const a = this.approval;
    if (!a) return;
    this.approval = undefined;
    this.rl.setPrompt(this.promptText());
    try {
      await this.call('chat.approve', { requestId: a.requestId, approved });
    } catch (err) {
      this.line(this.style.yellow(`too late: ${(err as Error).message}`));
    }
  }

  private async onLine(raw: string): Promise<void> {
    this.atLineStart = true;
    if (this.approval) {
      // `?` shows a tool call's arguments in full before answering.
      if (this.approval.tool && raw.trim() === '?') {
        this.line(formatToolArguments(this.approval.tool.arguments, Infinity));
        this.prompt();
        return;
      }
      await this.answer(/^\s*y(es)?\s*$/i.test(raw));
      return;
    }
    const text = raw.trim();
    if (this.busy) {
      if (text) this.line(this.style.dim('(still working: wait, or Ctrl-C to cancel)'));
      return;
    }
    if (text === '') return this.prompt();
    try {
      if (text.startsWith('!')) await this.direct(text.slice(1).trim());
      else if (text.startsWith('/')) await this.slash(text);
      else {
        this.busy = true;
        await this.call('chat.send', { text });
        return; // chat.turnDone shows the prompt again
      }
    } catch (err) {
      this.busy = false;
      this.line(this.style.red(`error: ${(err as Error).message}`));
    }
    this.prompt();
  }

  private async direct(command: string): Promise<void> {
    if (!command) return this.line('usage: !<command>');
    this.busy = true;
    try {
      await this.call('chat.run', { command });
    } finally {
      this.busy = false;
    }
  }

  private async slash(text: string): Promise<void> {
    const [cmd = '', ...rest] = text.slice(1).split(/\s+/);
    const arg = rest.join(' ').trim();
    const chat = this.o.core.chat;
    switch (cmd) {
      case 'help':
      case '?':
        return this.line(HELP);
      case 'exit':
      case 'quit':
        this.rl.close();
        return;
      case 'clear':
        await this.call('chat.clear', {});
        return this.line(this.style.dim('(new conversation)'));
      case 'history': {
        const h = chat.history;
        if (!h) return this.line(this.style.yellow('history is off: the memory file cannot be used'));
        return this.line(formatHistory(h.query({ ...(arg ? { text: arg } : {}), limit: 30 }), this.style));
      }
      case 'memory': {
        const m = chat.memory;
        if (!m) return this.line(this.style.yellow('memory is off: the memory file cannot be used'));
        return this.line(formatMemories(arg ? m.search(arg, { limit: 20 }).map((x) => x.memory) : m.list({ limit: 20 }), this.style));
      }
      case 'terminal':
        return this.terminal();
      default:
        return this.line(`unknown command /${cmd}; /help lists them`);
    }
  }

  /** Drops to the person's shell with the terminal handed over whole; `exit` comes back. */
  private terminal(): Promise<void> {
    const shell = this.o.env.SHELL || '/bin/sh';
    this.line(this.style.dim(`(${shell}; type exit to return to aios)`));
    this.inTerminal = true;
    this.rl.pause();
    this.o.input.setRawMode?.(false);
    return new Promise<void>((resolve) => {
      const child = spawn(shell, [], { stdio: 'inherit', env: { ...process.env, ...this.o.env } as NodeJS.ProcessEnv });
      const back = () => {
        this.inTerminal = false;
        this.o.input.setRawMode?.(true);
        this.rl.resume();
        this.atLineStart = false;
        this.line(this.style.dim('(back in aios)'));
        resolve();
      };
      child.on('exit', back);
      child.on('error', (err) => {
        this.line(this.style.red(`cannot start ${shell}: ${err.message}`));
        back();
      });
    });
  }

  private async shutdown(code: number): Promise<void> {
    for (const off of this.offs) off();
    await this.o.core.close();
    this.finished(code);
  }
}

import { spawn } from 'node:child_process';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { previewText, type Preview } from '../../shared/preview';
import { switchModel } from '../../shared/switch-model';
import type { ConnectedClient } from '../core/bridge/client';
import type { Core } from '../core/core';
import type { Env } from '../core/config/paths';
import { resolveShell } from '../core/terminal/shell';
import { attachmentNote } from '../../shared/attachment';
import { approvalWording } from '../../shared/approval-wording';
import { formatPersonRules, parsePermissionsArg } from '../../shared/permissions-text';
import { MAX_ATTACHMENT_TEXT, MAX_CHAT_TEXT, type CallName, type CallRequest, type CallResponse, type EventPayload } from '../../shared/contract';
import { ARGUMENT_LINES, decisionLabel, formatDuration, formatHistory, formatMemories, formatToolArguments, HELP } from './format';
import { MarkdownStream, renderMarkdown } from './markdown';
import { OutputFold } from './output-fold';
import { SetupWizard } from './setup-wizard';
import { ThinkingLine } from './thinking';
import { parseChatInput, type ChatInput } from '../../shared/slash';
import { effectsLine, undoRequest, undoResultText } from '../../shared/undo-text';
import { colourWanted, makeStyle, type Style } from './style';
import { visibleOutput, visibleText } from '../../shared/visible-text';

/** For what must stay on one line: a folder, a tool's name. */
const ONE_LINE = { tabs: false, newlines: false } as const;

export interface ChatReplOptions {
  /** Only the bridge (calls through dispatchCall, events from the bus) and the host's shutdown: the TTY is a host like the others. */
  core: Pick<Core, 'connect' | 'events' | 'close' | 'workDir'>;
  input: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  output: Writable & { isTTY?: boolean; columns?: number };
  env: Env;
  /** The environment /terminal's shell gets: the host passes the core's scrubbed one, as the terminal pane has. */
  shellEnv: Record<string, string>;
}

export const PROMPT = '[aios] > ';
const APPROVAL_PROMPT = 'Run it? [y/N] ';
const TOOL_APPROVAL_PROMPT = 'Call it? [y/N] ';
const ALWAYS_APPROVAL_PROMPT = 'Run it? [y/N/a(lways)] ';

/**
 * The `[aios] >` prompt: a host like the graphical one, over the same core
 * calls and events, with the y/N prompt as its Approver.
 */
/** How much of the last answer a restored conversation shows at the start. */
const RESTORED_LINES = 20;

/** Marks input typed while aios worked, when it is queued and when it is sent. */
const QUEUED_MARK = '⏵';

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}

export class ChatRepl {
  private readonly style: Style;
  private readonly rl: readline.Interface;
  private readonly offs: Array<() => void> = [];
  /** This host's connection to the core: its calls, and its goodbye at exit. */
  private client: ConnectedClient | undefined;
  private busy = false;
  private approval: EventPayload<'chat.approvalRequest'> | undefined;
  /** Commands whose approval question a crash of the previous aios took away (until the next line). */
  private lostApprovals: string[] = [];
  private atLineStart = true;
  /** A command's output was printed since aios last said something: its colours may still be on. */
  private outputColours = false;
  private inTerminal = false;
  private closed = false;
  private wizard: SetupWizard | undefined;
  private approvalDeadline = 0;
  private countdown: ReturnType<typeof setInterval> | undefined;
  private readonly answerText: MarkdownStream;
  private readonly thinking: ThinkingLine;
  private readonly folds = new Map<string, OutputFold>();
  private lastOutput: OutputFold | undefined;
  private pasting = false;
  private readonly pasted: string[] = [];
  /** What was typed while aios worked: sent, in order, when it is free again. */
  private readonly queued: string[] = [];
  private finished: (code: number) => void = () => undefined;

  constructor(private readonly o: ChatReplOptions) {
    this.style = makeStyle(colourWanted(o.env, o.output.isTTY === true));
    this.answerText = new MarkdownStream(this.style);
    this.thinking = new ThinkingLine(this.style, o.output.isTTY === true);
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
    this.flushAnswer();
    if (!this.atLineStart) this.write('\n');
    // Colours a command's output left on do not carry over into what aios says next.
    if (this.outputColours) {
      this.write('\x1b[0m');
      this.outputColours = false;
    }
    this.write(`${s}\n`);
  }

  private async call<N extends CallName>(name: N, req: CallRequest<N>): Promise<CallResponse<N>> {
    this.client ??= this.o.core.connect('tty');
    const r = await this.client.call(name, req);
    if (!r.ok) throw new Error(r.error.message);
    return r.value as CallResponse<N>;
  }

  /** An answer's last block is held back until it is complete; anything else printing completes it (and folds the reasoning). */
  private flushAnswer(): void {
    this.endThinking();
    const rest = this.answerText.flush();
    if (rest) this.write(rest);
  }

  /** The reasoning folds into one line as soon as anything else is printed. */
  private endThinking(): void {
    if (!this.thinking.active) return;
    const fold = this.thinking.end();
    if (!this.atLineStart && !fold.startsWith('\r')) this.write('\n');
    this.write(fold);
  }

  private prompt(question?: string): void {
    this.flushAnswer();
    if (this.inTerminal || this.closed) return;
    if (!this.atLineStart) this.write('\n');
    this.rl.setPrompt(this.approval ? this.approvalPromptText(this.approval) : question ? this.style.cyan(question) : this.promptText());
    this.rl.prompt();
    this.atLineStart = true;
  }

  /** Resolves when no turn or command of ours is running (the end of piped input lets the last answer finish). */
  private idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.o.core.events.on('chat.turnDone', () => {
        off();
        resolve();
      });
    });
  }

  /** Bracketed paste: the terminal marks a paste, so its lines become one message instead of one each. */
  private bracketedPaste(on: boolean): void {
    if (this.o.input.isTTY === true && this.o.output.isTTY === true) this.o.output.write(on ? '\x1b[?2004h' : '\x1b[?2004l');
  }

  private onKeypress(key: { name?: string } | undefined): void {
    if (key?.name === 'paste-start') this.pasting = true;
    else if (key?.name === 'paste-end') {
      this.pasting = false;
      if (this.pasted.length === 0) return;
      const n = this.pasted.length + (this.rl.line.length > 0 ? 1 : 0);
      this.write(`\n${this.style.dim(`(${n} lines pasted: Enter sends them as one message, Ctrl-C drops them)`)}\n`);
      this.rl.prompt(true);
    }
  }

  async run(): Promise<number> {
    this.subscribe();
    this.bracketedPaste(true);
    this.o.input.on('keypress', (_s: string, key: { name?: string } | undefined) => this.onKeypress(key));
    const done = new Promise<number>((resolve) => (this.finished = resolve));
    this.rl.on('line', (text) => void this.onLine(text));
    this.rl.on('SIGINT', () => this.onInterrupt());
    this.rl.on('close', () => {
      this.closed = true;
      this.write('\n');
      // Ctrl-D at a terminal leaves now; the end of piped input lets the last answer finish first.
      const waitFirst = this.o.input.isTTY === true ? Promise.resolve() : this.idle();
      void waitFirst.then(() => this.shutdown(0));
    });
    await this.banner();
    this.prompt();
    return done;
  }

  private async banner(): Promise<void> {
    const state = await this.call('chat.history', {});
    const { config } = await this.call('app.status', {});
    this.line(`${this.style.bold('aios chat')} ${this.style.dim(state.provider ? `· ${state.provider}` : '· no AI provider')} ${this.style.dim('· /help for help, Ctrl-D to leave')}`);
    if (config.problems.length > 0) {
      // Said once, here: the file, where, and what is in force meanwhile.
      this.line(this.style.red(`${config.file} has ${config.problems.length === 1 ? 'a problem' : `${config.problems.length} problems`}; the safe policy is in force (every command needs approval) until it is fixed and aios restarted:`));
      for (const p of config.problems) this.line(this.style.red(`  ${p.text}`));
    }
    for (const w of config.warnings ?? []) this.line(this.style.yellow(`config: ${w.text}`));
    if (config.problems.length === 0 && state.problem) this.line(this.style.yellow(`No AI provider yet: type /setup to choose one (or !cmd and /terminal work without one).`));
    const restored = state.messages.filter((m) => (m.role === 'user' || m.role === 'assistant') && m.text.trim() !== '');
    if (restored.length > 0) {
      this.line(this.style.dim(`(conversation restored: ${state.messages.length} messages; /clear starts a new one)`));
      // The answer as it was shown, Markdown drawn for the terminal; the question as typed.
      for (const m of restored.slice(-2)) {
        if (m.role === 'user') this.line(this.style.dim(`you: ${visibleText(m.text.replace(/\s+/g, ' ').slice(0, 200))}`));
        else {
          const lines = renderMarkdown(visibleText(m.text), this.style).replace(/\n+$/, '').split('\n');
          const more = lines.length > RESTORED_LINES ? `\n${this.style.dim(`… ${lines.length - RESTORED_LINES} more lines`)}` : '';
          this.line(`${this.style.dim('aios:')}\n${lines.slice(0, RESTORED_LINES).join('\n')}${more}`);
        }
      }
    }
    // The last turn never finished (aios stopped, or the request failed): said, so nobody waits for an answer that will not come.
    const last = state.messages.at(-1);
    if (!state.busy && (last?.role === 'user' || last?.role === 'tool')) {
      this.line(this.style.yellow(last.role === 'user' ? '(that question got no answer: ask again if you still want one)' : '(that turn stopped before the model answered: ask again to go on)'));
    }
    this.lostApprovals = (state.interrupted ?? []).filter((c) => !c.ran).map((c) => c.command);
  }

  private subscribe(): void {
    const ev = this.o.core.events;
    const s = this.style;
    this.offs.push(
      // A question typed in another window: shown here too, so the answer that follows has its question.
      ev.on('chat.turnStart', (p) => {
        if (!this.busy) this.line(s.dim(`you (another window): ${visibleText(p.text.replace(/\s+/g, ' ').slice(0, 500))}`));
      }),
      ev.on('chat.reasoning', (p) => this.write(this.thinking.push(visibleText(p.text)))),
      ev.on('chat.delta', (p) => {
        this.endThinking();
        this.write(this.answerText.push(visibleText(p.text)));
      }),
      ev.on('chat.toolCall', (p) => {
        // Other tools as a short line; a command is shown by chat.commandStart, with its decision.
        const decided = p.decision ? `  ${s.dim('[')}${decisionLabel(p.decision, s)}${s.dim(']')}${p.rule ? s.dim(` (${p.rule})`) : ''}` : '';
        // The model's name (`server__tool`) already says server and tool.
        this.line(s.dim(visibleText(`→ ${p.name} ${p.arguments.length > 160 ? `${p.arguments.slice(0, 160)}…` : p.arguments}`, ONE_LINE)) + decided);
      }),
      ev.on('chat.toolDone', (p) => {
        this.clearStaleApproval();
        if (!p.ran) this.line(s.red(`not called: ${visibleText(p.refusal ?? 'refused')}`));
      }),
      ev.on('chat.commandStart', (p) => {
        this.folds.set(p.callId, new OutputFold(p.command));
        const rule = p.rule ? s.dim(` (${p.rule})`) : '';
        this.line(`${s.bold('$')} ${visibleText(p.command)}  ${s.dim('[')}${decisionLabel(p.decision, s)}${s.dim(']')}${rule}`);
        // Run in the jail because no rule names it: say so, as the card does.
        if (p.sandbox?.confined && p.sandbox.detail.startsWith('confined because')) this.line(s.dim(`  ${visibleText(p.sandbox.detail, ONE_LINE)}`));
      }),
      ev.on('chat.approvalRequest', (p) => {
        this.approval = p;
        this.approvalDeadline = Date.now() + p.timeoutMs;
        // What the AI wants and why aios asks, in plain words; the rule and the engine's reasons last, dimmed.
        const words = approvalWording(p);
        const always = p.remember ? s.dim(`  a = always allow: adds ${p.remember.list} ${visibleText(JSON.stringify(p.remember.pattern), ONE_LINE)} to ${visibleText(p.remember.file, ONE_LINE)}`) : undefined;
        const because = `  aios asks because ${visibleText(words.because.join('; '), ONE_LINE)}.`;
        const details = s.dim(`  details: ${visibleText(words.details.join('; '), ONE_LINE)}`);
        if (p.tool) {
          this.line(`${s.yellow('approval needed')}: MCP tool ${s.bold(visibleText(p.tool.tool, ONE_LINE))} of server ${s.bold(visibleText(p.tool.server, ONE_LINE))}`);
          this.line(formatToolArguments(visibleText(p.tool.arguments), ARGUMENT_LINES));
          if (p.why) this.line(`  AI: ${visibleText(p.why)}`);
          this.line(because);
          this.line(details);
        } else {
          this.line(`${s.yellow('approval needed')}: ${s.bold(visibleText(p.command))}`);
          if (p.why) this.line(`  AI: ${visibleText(p.why)}`);
          this.line(because);
          this.line(s.dim(`  in ${visibleText(p.cwd, ONE_LINE)}`));
          this.line(details);
          if (always) this.line(always);
        }
        // What it would change, seen in a throwaway overlay before this question.
        if (p.preview) this.line(this.previewLines(p.preview));
        else if (p.previewPending) this.line(s.dim('  preparing the preview… (answer now, or wait for it)'));
        this.prompt();
        this.startCountdown();
      }),
      ev.on('chat.approvalPreview', (p) => {
        if (this.approval?.requestId !== p.requestId || this.inTerminal || this.closed) return;
        // Above the question, keeping what the person has typed at it.
        if (this.o.output.isTTY === true) {
          readline.clearLine(this.o.output, 0);
          readline.cursorTo(this.o.output, 0);
          this.atLineStart = true;
        }
        this.line(this.previewLines(p.preview));
        this.rl.setPrompt(this.approvalPromptText(this.approval));
        this.rl.prompt(true);
      }),
      ev.on('chat.commandOutput', (p) => {
        const shown = visibleOutput(this.folds.get(p.callId)?.push(p.data) ?? p.data);
        if (shown) {
          this.write(s.dim(shown));
          this.outputColours = true;
        }
      }),
      ev.on('chat.commandDone', (p) => {
        this.clearStaleApproval();
        const fold = this.folds.get(p.callId);
        this.folds.delete(p.callId);
        if (fold) {
          this.lastOutput = fold;
          const tail = fold.finish();
          if (tail) this.line(s.dim(visibleOutput(tail.replace(/\n$/, ''))));
        }
        if (!p.ran) this.line(s.red(`not run: ${visibleText(p.refusal ?? 'refused')}`));
        else {
          const how = p.cancelled ? 'cancelled' : p.timedOut ? 'timed out' : p.signal ? `killed (${p.signal})` : `exit ${p.exitCode ?? '?'}`;
          this.line(s.dim(`[${how} · ${formatDuration(p.durationMs)}]`));
        }
        const effects = effectsLine(p);
        if (effects) this.line(p.notApplied || p.cannotUndo ? s.yellow(visibleText(effects)) : s.dim(visibleText(effects)));
      }),
      ev.on('chat.notice', (p) => this.line((p.level === 'warning' ? s.yellow : s.cyan)(`! ${visibleText(p.message)}`))),
      ev.on('chat.error', (p) => this.line(s.red(`error: ${visibleText(p.message)}`))),
      ev.on('chat.turnDone', (p) => {
        this.clearStaleApproval();
        if (p.status === 'cancelled') this.line(s.yellow('(cancelled)'));
        this.busy = false;
        if (!this.sendQueued()) this.prompt();
      }),
    );
  }

  private previewLines(preview: Preview): string {
    return `${this.style.cyan('  preview (nothing was changed):')}\n${previewText(preview, { full: true, maxList: 15 })}`;
  }

  /** An approval that ended without our answer (timeout, cancel) must not eat the next line. */
  private clearStaleApproval(): void {
    if (this.approval) {
      this.approval = undefined;
      this.stopCountdown();
      this.rl.setPrompt(this.promptText());
    }
  }

  /** `Run it? [y/N] (117 s) `: the time left before no answer means no. */
  private approvalPromptText(a: EventPayload<'chat.approvalRequest'>): string {
    const left = Math.max(0, Math.ceil((this.approvalDeadline - Date.now()) / 1000));
    const prompt = a.tool ? TOOL_APPROVAL_PROMPT : a.remember ? ALWAYS_APPROVAL_PROMPT : APPROVAL_PROMPT;
    return this.style.yellow(`${prompt.trimEnd()} (${left} s) `);
  }

  /** On a terminal the prompt counts down in place, keeping what is typed; elsewhere the first figure stands. */
  private startCountdown(): void {
    this.stopCountdown();
    if (this.o.output.isTTY !== true || this.o.input.isTTY !== true) return;
    this.countdown = setInterval(() => {
      if (!this.approval || this.inTerminal || this.closed) return this.stopCountdown();
      this.rl.setPrompt(this.approvalPromptText(this.approval));
      this.rl.prompt(true);
    }, 1000);
  }

  private stopCountdown(): void {
    if (this.countdown) clearInterval(this.countdown);
    this.countdown = undefined;
  }

  private onInterrupt(): void {
    if (this.wizard?.active) {
      this.wizard.stop();
      this.write('^C\n');
      this.line(this.style.dim('(setup stopped; nothing was written)'));
      this.prompt();
      return;
    }
    if (this.pasted.length > 0) {
      this.pasted.splice(0);
      this.write('^C\n');
      this.line(this.style.dim('(paste dropped)'));
      this.rl.write(null, { ctrl: true, name: 'u' });
      this.prompt();
      return;
    }
    if (this.approval) {
      void this.answer(false);
    }
    if (this.busy) {
      this.write('^C');
      if (this.queued.length > 0) {
        this.line(this.style.dim(`(${this.queued.length} queued ${this.queued.length === 1 ? 'input' : 'inputs'} dropped)`));
        this.queued.splice(0);
      }
      void this.call('chat.cancel', {});
      return;
    }
    // Idle: like a shell, drop the line being typed and start afresh.
    this.write('^C\n');
    this.rl.write(null, { ctrl: true, name: 'u' });
    this.prompt();
  }

  private async answer(approved: boolean, remember = false): Promise<void> {
    const a = this.approval;
    if (!a) return;
    this.approval = undefined;
    this.stopCountdown();
    this.rl.setPrompt(this.promptText());
    try {
      await this.call('chat.approve', { requestId: a.requestId, approved, ...(remember ? { remember: true } : {}) });
    } catch (err) {
      this.line(this.style.yellow(`too late: ${(err as Error).message}`));
    }
  }

  private async onLine(line: string): Promise<void> {
    let raw = line;
    this.atLineStart = true;
    if (this.pasting) {
      // Inside a bracketed paste every line is part of one message (and never an approval's answer).
      this.pasted.push(raw);
      return;
    }
    if (this.pasted.length > 0) raw = [...this.pasted.splice(0), raw].join('\n');
    if (this.approval) {
      // `?` shows a tool call's arguments in full before answering.
      if (this.approval.tool && raw.trim() === '?') {
        this.line(formatToolArguments(this.approval.tool.arguments, Infinity));
        this.prompt();
        return;
      }
      const always = this.approval.remember !== undefined && /^\s*a(lways)?\s*$/i.test(raw);
      await this.answer(always || /^\s*y(es)?\s*$/i.test(raw), always);
      return;
    }
    if (this.wizard?.active) {
      try {
        return this.prompt(await this.wizard.answer(raw));
      } catch (err) {
        this.wizard.stop();
        this.line(this.style.red(`setup failed: ${(err as Error).message}`));
        return this.prompt();
      }
    }
    if (this.lostApprovals.length > 0 && /^\s*(y(es)?|no?)\s*$/i.test(raw)) {
      // An answer to a question the restart took away: it must not reach the model as a message.
      this.line(this.style.yellow(`no question is waiting: aios stopped while it asked about ${this.lostApprovals.join('; ')}, and that did not run. Ask again if you still want it.`));
      this.lostApprovals = [];
      return this.prompt();
    }
    this.lostApprovals = [];
    const input = parseChatInput(raw, 'tty');
    if (this.busy) {
      // Typed while aios works: kept and sent next, as the person sees.
      if (input.kind !== 'empty') {
        this.queued.push(raw);
        this.line(this.style.cyan(`${QUEUED_MARK} queued (${this.queued.length}): ${oneLine(raw)}`) + this.style.dim('  sent when this answer ends; Ctrl-C drops it'));
        this.rl.prompt(true);
      }
      return;
    }
    if (input.kind === 'empty') return this.prompt();
    try {
      if (input.kind === 'direct') await this.direct(input.command);
      else if (input.kind === 'slash' || input.kind === 'unknown') {
        await this.slash(input);
        if (this.wizard?.active) return; // the wizard asked its first question
      } else {
        this.busy = true;
        await this.call('chat.send', { text: await this.fitMessage(input.text) });
        return; // chat.turnDone shows the prompt again
      }
    } catch (err) {
      this.busy = false;
      this.line(this.style.red(`error: ${(err as Error).message}`));
    }
    // What was typed during a `!command` goes next.
    if (!this.sendQueued()) this.prompt();
  }

  /** A message over the limit (a big paste) is saved as a file and the message points at it: nothing is refused or lost. */
  private async fitMessage(text: string): Promise<string> {
    if (text.length <= MAX_CHAT_TEXT) return text;
    if (text.length > MAX_ATTACHMENT_TEXT) throw new Error(`this text is ${Math.round(text.length / 1024)} KB, over the ${MAX_ATTACHMENT_TEXT / 1024} KB a message or attachment holds: save it to a file and name the file`);
    const saved = await this.call('chat.attach', { text });
    this.line(this.style.dim(`(${Math.round(text.length / 1024)} KB is more than a message holds: saved as ${saved.path} for the AI to read)`));
    return attachmentNote(saved);
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

  /** Sends the oldest queued input, if any; true when it did (its own turn prompts again). */
  private sendQueued(): boolean {
    const next = this.queued.shift();
    if (next === undefined || this.closed) return false;
    this.line(this.style.cyan(`${QUEUED_MARK} sending queued: ${oneLine(next)}`));
    void this.onLine(next);
    return true;
  }

  private async slash(input: Extract<ChatInput, { kind: 'slash' | 'unknown' }>): Promise<void> {
    if (input.kind === 'unknown') return this.line(`unknown command /${input.name}; /help lists them`);
    const { name, arg } = input;
    switch (name) {
      case 'help':
        return this.line(HELP);
      case 'exit':
        // Like Ctrl-D: the close handler shuts down with status 0, and nothing prompts again.
        this.rl.close();
        return;
      case 'model':
        return this.line(await switchModel((n, r) => this.call(n, r), arg));
      case 'setup': {
        this.wizard = new SetupWizard((name, req) => this.call(name, req), (l) => this.line(l), this.style);
        const first = await this.wizard.start();
        if (first) return this.prompt(first);
        return;
      }
      case 'clear':
        await this.call('chat.clear', {});
        return this.line(this.style.dim('(new conversation)'));
      case 'history':
        return this.line(formatHistory(await this.call('history.list', { ...(arg ? { query: arg } : {}), limit: 30 }), this.style));
      case 'undo':
      case 'redo':
        return this.line(undoResultText(await this.call('undo.run', undoRequest(arg, name === 'redo'))));
      case 'memory':
        return this.line(formatMemories(await this.call('memory.list', { ...(arg ? { query: arg } : {}), limit: 20 }), this.style));
      case 'permissions': {
        const parsed = parsePermissionsArg(arg);
        if ('error' in parsed) return this.line(this.style.yellow(parsed.error));
        let list = await this.call('permissions.list', {});
        if (parsed.remove !== undefined) {
          const rule = list.rules[parsed.remove - 1];
          if (!rule) return this.line(this.style.yellow(`there is no rule ${parsed.remove}; /permissions lists them`));
          list = await this.call('permissions.remove', rule);
          this.line(this.style.dim(`removed ${rule.list} ${JSON.stringify(rule.pattern)}`));
        }
        return this.line(formatPersonRules(list));
      }
      case 'terminal':
        return this.terminal();
      case 'output': {
        const last = this.lastOutput;
        if (!last) return this.line(this.style.dim('no command has printed anything yet'));
        this.line(this.style.dim(`output of: ${visibleText(last.command)}`));
        const full = visibleOutput(last.full());
        this.outputColours = true;
        return this.write(full.endsWith('\n') || full === '' ? full : `${full}\n`);
      }
    }
  }

  /** Drops to the person's shell with the terminal handed over whole; `exit` comes back. */
  private terminal(): Promise<void> {
    // The same shell, and the same scrubbed environment, as the graphical terminal pane.
    const shell = resolveShell(this.o.env);
    this.line(this.style.dim(`(${shell}; type exit to return to aios)`));
    this.inTerminal = true;
    this.bracketedPaste(false);
    this.rl.pause();
    this.o.input.setRawMode?.(false);
    return new Promise<void>((resolve) => {
      const child = spawn(shell, [], { stdio: 'inherit', env: this.o.shellEnv, cwd: this.o.core.workDir });
      const back = () => {
        this.inTerminal = false;
        this.bracketedPaste(true);
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
    this.stopCountdown();
    this.bracketedPaste(false);
    for (const off of this.offs) off();
    this.client?.close();
    await this.o.core.close();
    this.finished(code);
  }
}

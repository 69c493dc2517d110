import { spawn } from 'node:child_process';
import { switchModel } from '../../shared/switch-model';
import { resolveShell } from '../../core/terminal/shell';
import { attachmentNote } from '../../shared/attachment';
import { formatPersonRules, parsePermissionsArg } from '../../shared/permissions-text';
import { MAX_ATTACHMENT_TEXT, MAX_CHAT_TEXT } from '../../shared/contract';
import { formatCommandLog, formatMemories, formatToolArguments, HELP } from './format';
import { renderMarkdown } from './markdown';
import { SetupWizard } from './setup-wizard';
import { parseChatInput, type ChatInput } from '../../shared/slash';
import { undoRequest, undoResultText } from '../../shared/undo-text';
import { visibleOutput, visibleText } from '../../shared/visible-text';
import { EDIT_HINT, EDIT_PROMPT, readApprovalReply } from './approval-answer';
import { ChatReplView } from './chat-repl-view';

export { PROMPT, type ChatReplOptions } from './chat-repl-view';

/** How much of the last answer a restored conversation shows at the start. */
const RESTORED_LINES = 20;

/** Marks input typed while aios worked, when it is queued and when it is sent. */
const QUEUED_MARK = '⏵';

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}

/**
 * The `[aios] >` prompt: a host like the graphical one, over the same core
 * calls and events, with the y/N prompt as its Approver.
 */
export class ChatRepl extends ChatReplView {
  /** Commands whose approval question a crash of the previous aios took away (until the next line). */
  private lostApprovals: string[] = [];
  private wizard: SetupWizard | undefined;
  private pasting = false;
  private readonly pasted: string[] = [];
  /** What was typed while aios worked: sent, in order, when it is free again. */
  private readonly queued: string[] = [];
  private finished: (code: number) => void = () => undefined;

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
    const state = await this.call('chat.state', {});
    const { config } = await this.call('app.status', {});
    this.line(
      `${this.style.bold('aios chat')} ${this.style.dim(state.provider ? `· ${state.provider}` : '· no AI provider')} ${this.style.dim('· /help for help, Ctrl-D to leave')}`,
    );
    if (config.problems.length > 0) {
      // Said once, here: the file, where, and what is in force meanwhile.
      this.line(
        this.style.red(
          `${config.file} has ${config.problems.length === 1 ? 'a problem' : `${config.problems.length} problems`}; the safe policy is in force (every command needs approval) until it is fixed and aios restarted:`,
        ),
      );
      for (const p of config.problems) this.line(this.style.red(`  ${p.text}`));
    }
    for (const w of config.warnings ?? []) this.line(this.style.yellow(`config: ${w.text}`));
    if (config.problems.length === 0 && state.problem)
      this.line(this.style.yellow(`No AI provider yet: type /setup to choose one (or !cmd and /terminal work without one).`));
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
      this.line(
        this.style.yellow(
          last.role === 'user'
            ? '(that question got no answer: ask again if you still want one)'
            : '(that turn stopped before the model answered: ask again to go on)',
        ),
      );
    }
    this.lostApprovals = (state.interrupted ?? []).filter((c) => !c.ran).map((c) => c.command);
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
      // The edit line's text goes with the question it edited.
      if (this.editing) this.rl.write(null, { ctrl: true, name: 'u' });
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

  private async answer(approved: boolean, remember = false, edited?: string): Promise<void> {
    const a = this.approval;
    if (!a) return;
    this.approval = undefined;
    this.editing = false;
    this.stopCountdown();
    this.rl.setPrompt(this.promptText());
    try {
      await this.call('chat.approve', {
        requestId: a.requestId,
        approved,
        ...(remember ? { remember: true } : {}),
        ...(edited !== undefined ? { command: edited } : {}),
      });
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
      if (this.editing) {
        // An emptied line runs nothing.
        const edited = raw.trim();
        await this.answer(edited !== '', false, edited || undefined);
        return;
      }
      const reply = readApprovalReply(raw, this.approval);
      if (reply === 'edit') return this.openEdit(this.approval.command);
      await this.answer(reply === 'yes' || reply === 'always', reply === 'always');
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
      this.line(
        this.style.yellow(
          `no question is waiting: aios stopped while it asked about ${this.lostApprovals.join('; ')}, and that did not run. Ask again if you still want it.`,
        ),
      );
      this.lostApprovals = [];
      return this.prompt();
    }
    this.lostApprovals = [];
    const input = parseChatInput(raw, 'tty');
    if (this.busy) {
      // Typed while aios works: kept and sent next, as the person sees.
      if (input.kind !== 'empty') {
        this.queued.push(raw);
        this.line(
          this.style.cyan(`${QUEUED_MARK} queued (${this.queued.length}): ${oneLine(raw)}`) +
            this.style.dim('  sent when this answer ends; Ctrl-C drops it'),
        );
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

  /** The question's command on an edit line of its own, ready to change; the question stays open meanwhile. */
  private openEdit(command: string): void {
    this.editing = true;
    this.line(this.style.dim(EDIT_HINT));
    this.rl.setPrompt(this.style.yellow(EDIT_PROMPT));
    this.rl.prompt();
    this.atLineStart = false;
    this.rl.write(command);
  }

  /** A message over the limit (a big paste) is saved as a file and the message points at it: nothing is refused or lost. */
  private async fitMessage(text: string): Promise<string> {
    if (text.length <= MAX_CHAT_TEXT) return text;
    if (text.length > MAX_ATTACHMENT_TEXT)
      throw new Error(
        `this text is ${Math.round(text.length / 1024)} KB, over the ${MAX_ATTACHMENT_TEXT / 1024} KB a message or attachment holds: save it to a file and name the file`,
      );
    const saved = await this.call('chat.attach', { text });
    this.line(
      this.style.dim(`(${Math.round(text.length / 1024)} KB is more than a message holds: saved as ${saved.path} for the AI to read)`),
    );
    return attachmentNote(saved);
  }

  private async direct(command: string, unconfined = false): Promise<void> {
    if (!command) return this.line('usage: !<command>');
    this.busy = true;
    try {
      await this.call('chat.run', { command, ...(unconfined ? { unconfined: true } : {}) });
    } finally {
      this.busy = false;
    }
  }

  /** Sends the oldest queued input, if any; true when it did (its own turn prompts again). */
  protected override sendQueued(): boolean {
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
        this.wizard = new SetupWizard(
          (name, req) => this.call(name, req),
          (l) => this.line(l),
          this.style,
        );
        const first = await this.wizard.start();
        if (first) return this.prompt(first);
        return;
      }
      case 'clear':
        await this.call('chat.clear', {});
        return this.line(this.style.dim('(new conversation)'));
      case 'history':
        return this.line(formatCommandLog(await this.call('commandLog.list', { ...(arg ? { query: arg } : {}), limit: 30 }), this.style));
      case 'undo':
      case 'redo':
        return this.line(undoResultText(await this.call('undo.run', undoRequest(arg, name === 'redo'))));
      case 'memory':
        return this.line(formatMemories(await this.call('memory.list', { ...(arg ? { query: arg } : {}), limit: 20 }), this.style, arg));
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
      case 'unconfined':
        if (!this.jailStopped) return this.line(this.style.dim('the jail has stopped no command yet'));
        return this.direct(this.jailStopped, true);
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

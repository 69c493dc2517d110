import { attachmentNote } from '../../shared/attachment';
import { MAX_ATTACHMENT_TEXT, MAX_CHAT_TEXT } from '../../shared/contract';
import { formatToolArguments } from './format';
import { renderMarkdown } from './markdown';
import { parseChatInput } from '../../shared/slash';
import { visibleText } from '../../shared/visible-text';
import { EDIT_HINT, EDIT_PROMPT, readApprovalReply } from './approval-answer';
import { ChatReplSlash } from './chat-repl-slash';

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
export class ChatRepl extends ChatReplSlash {
  /** Commands whose approval question a crash of the previous aios took away (until the next line). */
  private lostApprovals: string[] = [];
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

  protected override async direct(command: string, unconfined = false): Promise<void> {
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

  private async shutdown(code: number): Promise<void> {
    this.stopCountdown();
    this.bracketedPaste(false);
    for (const off of this.offs) off();
    this.client?.close();
    await this.o.core.close();
    this.finished(code);
  }
}

import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { previewText, type Preview } from '../../shared/preview';
import type { ConnectedClient } from '../../core/bridge/client';
import type { Core } from '../../core/core';
import type { Env } from '../../core/config/paths';
import { approvalWording } from '../../shared/approval-wording';
import type { CallName, CallRequest, CallResponse, EventPayload } from '../../shared/contract';
import { confinedViewNote } from '../../shared/confined-view';
import { effectsLine } from '../../shared/undo-text';
import { EDIT_OFFER, EDIT_PROMPT, jailStoppedHint } from './approval-answer';
import { ARGUMENT_LINES, decisionLabel, formatDuration, formatToolArguments } from './format';
import { MarkdownStream } from './markdown';
import { OutputFold } from './output-fold';
import { ThinkingLine } from './thinking';
import { colourWanted, makeStyle, type Style } from './style';
import { visibleOutput, visibleText } from '../../shared/visible-text';

/** For what must stay on one line: a folder, a tool's name. */
export const ONE_LINE = { tabs: false, newlines: false } as const;

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
 * What the `[aios] >` prompt shows: the core's events printed as they come
 * (answers, commands and their output, approval questions with their
 * countdown). What the person types is handled by ChatRepl (chat-repl.ts).
 */
export abstract class ChatReplView {
  protected readonly style: Style;
  protected readonly rl: readline.Interface;
  protected readonly offs: Array<() => void> = [];
  /** This host's connection to the core: its calls, and its goodbye at exit. */
  protected client: ConnectedClient | undefined;
  protected busy = false;
  protected approval: EventPayload<'chat.approvalRequest'> | undefined;
  /** The question's command is open on the edit line: the next line is the edited command. */
  protected editing = false;
  /** The last command the quiet jail stopped: what `/unconfined` runs again. */
  protected jailStopped: string | undefined;
  protected atLineStart = true;
  /** A command's output was printed since aios last said something: its colours may still be on. */
  protected outputColours = false;
  protected inTerminal = false;
  protected closed = false;
  protected approvalDeadline = 0;
  protected countdown: ReturnType<typeof setInterval> | undefined;
  protected readonly answerText: MarkdownStream;
  protected readonly thinking: ThinkingLine;
  protected readonly folds = new Map<string, OutputFold>();
  protected lastOutput: OutputFold | undefined;

  constructor(protected readonly o: ChatReplOptions) {
    this.style = makeStyle(colourWanted(o.env, o.output.isTTY === true));
    this.answerText = new MarkdownStream(this.style);
    this.thinking = new ThinkingLine(this.style, o.output.isTTY === true);
    this.rl = readline.createInterface({
      input: o.input,
      output: o.output,
      terminal: o.input.isTTY === true && o.output.isTTY === true,
      prompt: this.promptText(),
    });
  }

  protected promptText(): string {
    return this.style.enabled ? `${this.style.bold(this.style.cyan('[aios]'))} > ` : PROMPT;
  }

  protected write(s: string): void {
    if (s.length === 0) return;
    this.o.output.write(s);
    this.atLineStart = s.endsWith('\n');
  }

  protected line(s: string): void {
    this.flushAnswer();
    if (!this.atLineStart) this.write('\n');
    // Colours a command's output left on do not carry over into what aios says next.
    if (this.outputColours) {
      this.write('\x1b[0m');
      this.outputColours = false;
    }
    this.write(`${s}\n`);
  }

  protected async call<N extends CallName>(name: N, req: CallRequest<N>): Promise<CallResponse<N>> {
    this.client ??= this.o.core.connect('tty');
    const r = await this.client.call(name, req);
    if (!r.ok) throw new Error(r.error.message);
    return r.value as CallResponse<N>;
  }

  /** An answer's last block is held back until it is complete; anything else printing completes it (and folds the reasoning). */
  protected flushAnswer(): void {
    this.endThinking();
    const rest = this.answerText.flush();
    if (rest) this.write(rest);
  }

  /** The reasoning folds into one line as soon as anything else is printed. */
  protected endThinking(): void {
    if (!this.thinking.active) return;
    const fold = this.thinking.end();
    if (!this.atLineStart && !fold.startsWith('\r')) this.write('\n');
    this.write(fold);
  }

  protected prompt(question?: string): void {
    this.flushAnswer();
    if (this.inTerminal || this.closed) return;
    if (!this.atLineStart) this.write('\n');
    this.rl.setPrompt(this.approval ? this.approvalPromptText(this.approval) : question ? this.style.cyan(question) : this.promptText());
    this.rl.prompt();
    this.atLineStart = true;
  }

  protected subscribe(): void {
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
        const decided = p.decision
          ? `  ${s.dim('[')}${decisionLabel(p.decision, s)}${s.dim(']')}${p.rule ? s.dim(` (${p.rule})`) : ''}`
          : '';
        // The model's name (`server__tool`) already says server and tool.
        this.line(
          s.dim(visibleText(`→ ${p.name} ${p.arguments.length > 160 ? `${p.arguments.slice(0, 160)}…` : p.arguments}`, ONE_LINE)) + decided,
        );
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
        if (p.sandbox?.confined && p.sandbox.detail.startsWith('confined because'))
          this.line(s.dim(`  ${visibleText(p.sandbox.detail, ONE_LINE)}`));
        const view = p.sandbox?.confined ? confinedViewNote(p.command) : undefined;
        if (view) this.line(s.yellow(`  ${view}`));
      }),
      ev.on('chat.approvalRequest', (p) => {
        this.approval = p;
        this.approvalDeadline = Date.now() + p.timeoutMs;
        // What the AI wants and why aios asks, in plain words; the rule and the engine's reasons last, dimmed.
        const words = approvalWording(p);
        const always = p.remember
          ? s.dim(
              `  a = always allow: adds ${p.remember.list} ${visibleText(JSON.stringify(p.remember.pattern), ONE_LINE)} to ${visibleText(p.remember.file, ONE_LINE)}`,
            )
          : undefined;
        const because = `  aios asks because ${visibleText(words.because.join('; '), ONE_LINE)}.`;
        const details = s.dim(`  details: ${visibleText(words.details.join('; '), ONE_LINE)}`);
        if (p.tool) {
          this.line(
            `${s.yellow('approval needed')}: MCP tool ${s.bold(visibleText(p.tool.tool, ONE_LINE))} of server ${s.bold(visibleText(p.tool.server, ONE_LINE))}`,
          );
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
          this.line(s.dim(EDIT_OFFER));
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
        // A person who already chose to edit keeps the edit line (a preview can land after the `e`).
        this.rl.setPrompt(this.editing ? this.style.yellow(EDIT_PROMPT) : this.approvalPromptText(this.approval));
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
          const how = p.cancelled
            ? 'cancelled'
            : p.timedOut
              ? 'timed out'
              : p.signal
                ? `killed (${p.signal})`
                : `exit ${p.exitCode ?? '?'}`;
          this.line(s.dim(`[${how} · ${formatDuration(p.durationMs)}]`));
        }
        const effects = effectsLine(p);
        if (effects) this.line(p.notApplied || p.cannotUndo ? s.yellow(visibleText(effects)) : s.dim(visibleText(effects)));
        if (p.jailFailure) {
          this.jailStopped = p.command;
          this.line(s.yellow(visibleText(jailStoppedHint(p.jailFailure), ONE_LINE)));
        }
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

  protected previewLines(preview: Preview): string {
    return `${this.style.cyan('  preview (nothing was changed):')}\n${previewText(preview, { full: true, maxList: 15 })}`;
  }

  /** An approval that ended without our answer (timeout, cancel) must not eat the next line. */
  protected clearStaleApproval(): void {
    if (this.approval) {
      this.approval = undefined;
      this.stopCountdown();
      this.rl.setPrompt(this.promptText());
    }
  }

  /** `Run it? [y/N] (117 s) `: the time left before no answer means no. */
  protected approvalPromptText(a: EventPayload<'chat.approvalRequest'>): string {
    const left = Math.max(0, Math.ceil((this.approvalDeadline - Date.now()) / 1000));
    const prompt = a.tool ? TOOL_APPROVAL_PROMPT : a.remember ? ALWAYS_APPROVAL_PROMPT : APPROVAL_PROMPT;
    return this.style.yellow(`${prompt.trimEnd()} (${left} s) `);
  }

  /** On a terminal the prompt counts down in place, keeping what is typed; elsewhere the first figure stands. */
  protected startCountdown(): void {
    this.stopCountdown();
    if (this.o.output.isTTY !== true || this.o.input.isTTY !== true) return;
    this.countdown = setInterval(() => {
      if (!this.approval || this.inTerminal || this.closed) return this.stopCountdown();
      if (this.editing) return;
      this.rl.setPrompt(this.approvalPromptText(this.approval));
      this.rl.prompt(true);
    }, 1000);
  }

  protected stopCountdown(): void {
    if (this.countdown) clearInterval(this.countdown);
    this.countdown = undefined;
  }

  /** Sends the oldest input typed while aios worked; true when it did. */
  protected abstract sendQueued(): boolean;
}

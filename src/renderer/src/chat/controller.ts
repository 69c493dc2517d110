/**
 * The chat's link to the core: bridge events → the conversation store, and
 * the person's actions → bridge calls. Every decision stays in the core; this
 * only shows what the core says and passes on what the person answers.
 */
import type { AiosBridge, CallRequest, CallResponse, EventName, EventPayload } from '../../../shared/contract';
import { useUi } from '../store';
import { StreamBatcher, applyOps, type Scheduler } from './batch';
import { applyChat, useChat } from './chat-store';
import { formatCommandLog, formatMemories } from './lists';
import { formatPersonRules, parsePermissionsArg } from '../../../shared/permissions-text';
import * as R from './reducer';
import { interruptedCards, restoreRows } from './restore';
import type { SlashName } from '../../../shared/slash';
import { HELP, parseInput } from './slash';
import { useSettings } from '../settings-state';
import { switchModel } from '../../../shared/switch-model';
import { undoRequest, undoResultText } from '../../../shared/undo-text';
import { useCardUndo } from './undo-state';

const NO_PROVIDER_ROW =
  'Not sent to an AI: no provider is configured. “Set up an AI provider” above says what to set; !commands work meanwhile.';

/** One shell word, whatever the text holds. */
function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface ChatControllerOptions {
  /** When streamed text reaches the page: once per animation frame in the app. */
  scheduler: Scheduler;
  now?: () => number;
  /** Opens the terminal pane and types text at its prompt (not run). */
  typeInTerminal?: (text: string) => void;
}

export class ChatController {
  private readonly batcher: StreamBatcher;
  private readonly offs: Array<() => void> = [];
  private restoreSeq = 0;
  /** The conversation chat.state last restored (for chat.message). */
  private conversationId = '';
  private readonly now: () => number;

  constructor(
    private readonly bridge: AiosBridge,
    private readonly options: ChatControllerOptions,
  ) {
    this.batcher = new StreamBatcher((ops) => applyChat((s) => applyOps(s, ops)), options.scheduler);
    this.now = options.now ?? Date.now;
  }

  start(): void {
    const b = this.bridge;
    this.offs.push(
      this.handle('chat.turnStart', (p) => applyChat((s) => R.turnStarted(s, p))),
      b.on('chat.delta', (p) => this.batcher.push({ kind: 'delta', turnId: p.turnId, text: p.text })),
      b.on('chat.reasoning', (p) => this.batcher.push({ kind: 'reasoning', turnId: p.turnId, text: p.text })),
      b.on('chat.commandOutput', (p) => this.batcher.push({ kind: 'output', callId: p.callId, stream: p.stream, data: p.data })),
      this.handle('chat.toolCall', (p) => applyChat((s) => R.toolCall(s, p))),
      this.handle('chat.toolDone', (p) => applyChat((s) => R.toolDone(s, p))),
      this.handle('chat.commandStart', (p) => {
        applyChat((s) => R.commandStart(s, p));
        if (p.decision === 'notify') useUi.getState().addToast(`Running (notify): ${p.command}`);
      }),
      this.handle('chat.commandRunning', (p) => applyChat((s) => R.commandRunning(s, p))),
      this.handle('chat.commandDone', (p) => applyChat((s) => R.commandDone(s, p))),
      this.handle('chat.approvalRequest', (p) => applyChat((s) => R.approvalRequest(s, p, this.now()))),
      this.handle('chat.approvalPreview', (p) => applyChat((s) => R.approvalPreview(s, p))),
      this.handle('chat.notice', (p) => applyChat((s) => R.notice(s, p))),
      this.handle('chat.error', (p) => {
        if (p.kind === 'no_provider') {
          // The setup card explains it better than a banner could.
          applyChat((s) => R.addMessage(R.endStream(s), 'error', NO_PROVIDER_ROW, { turnId: p.turnId }));
          useUi.getState().setProvider({ provider: null, problem: p.message });
          useUi.getState().showSetup(false);
          return;
        }
        applyChat((s) => R.error(s, p));
      }),
      this.handle('chat.turnDone', (p) => applyChat((s) => R.turnDone(s, p))),
      // The core pushes the status when it changes; asked once here and after a reconnect.
      this.handle('app.statusChanged', (status) => {
        useUi.getState().setStatus(status);
        applyChat((s) => R.followStatus(s, status.busy, this.now()));
      }),
    );
    void this.restore(false);
    void this.refreshStatus();
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }

  /** Streamed text queued for the next frame goes first, so events stay in order. */
  private handle<E extends EventName>(name: E, fn: (p: EventPayload<E>) => void): () => void {
    return this.bridge.on(name, (p) => {
      this.batcher.flush();
      fn(p);
    });
  }

  /** Loads the stored conversation; `replace` after a reconnect, when events may have been missed. */
  async restore(replace: boolean): Promise<void> {
    const seq = ++this.restoreSeq;
    try {
      const state = await this.bridge.call('chat.state', {});
      if (seq !== this.restoreSeq) return;
      this.conversationId = state.conversationId;
      this.batcher.flush();
      const stored = restoreRows(state.messages, `h${seq}-`, state.busy, state.commands);
      // A command still running here when the server went away has no stored turn yet: keep its card, interrupted.
      const rows = replace && !state.busy ? [...stored, ...interruptedCards(useChat.getState().rows, stored)] : stored;
      const now = this.now();
      // Questions asked before this page loaded (or while it was away) still need an answer.
      // After a reconnect to a restarted server nothing runs any more: the composer is free again.
      const settle = (s: ReturnType<typeof useChat.getState>) => (replace && !state.busy && s.busy ? { ...s, busy: null } : s);
      applyChat((s) =>
        state.approvals.reduce(
          (t, a) => R.approvalRequest(t, a, now),
          R.busyElsewhere(settle(R.restored(s, rows, replace)), state.busy, now),
        ),
      );
      useUi.getState().setProvider({ provider: state.provider, problem: state.problem });
    } catch (err) {
      applyChat((s) => R.localError(s, 'restore_failed', `could not load the conversation: ${message(err)}`));
    }
  }

  /** "Show all" on a message restored folded: its whole text from the memory file. */
  async unfold(rowId: string, seq: number): Promise<void> {
    try {
      const { text } = await this.bridge.call('chat.message', { conversationId: this.conversationId, seq });
      applyChat((s) => R.unfolded(s, rowId, text));
    } catch (err) {
      useUi.getState().addToast(`Could not load the whole message: ${message(err)}`);
    }
  }

  /** Starts a new, empty conversation (the old one stays in the memory file); works while a turn runs or hangs. */
  async newConversation(): Promise<void> {
    return this.slash('clear', '');
  }

  /** Asks for the whole status: on connect and reconnect, when pushed changes may have been missed. */
  async refreshStatus(): Promise<void> {
    try {
      // Busy is not taken from this answer (it may be older than the events since): chat.state and the pushes say it.
      useUi.getState().setStatus(await this.bridge.call('app.status', {}));
    } catch {
      // The status bar keeps what it had; the connection indicator tells the rest.
    }
  }

  /** The composer's Enter. Returns false when the text should stay in the input. */
  submit(raw: string): boolean {
    const input = parseInput(raw);
    const busy = useChat.getState().busy !== null;
    switch (input.kind) {
      case 'empty':
        return false;
      case 'message':
      case 'direct':
        if (busy) {
          this.system('Still working: wait for the answer, or press Esc (Stop) to cancel it.');
          return false;
        }
        if (input.kind === 'message') void this.send(input.text);
        else void this.direct(input.command);
        return true;
      case 'unknown':
        this.system(`unknown command /${input.name}; /help lists them`);
        return true;
      case 'slash':
        void this.slash(input.name, input.arg);
        return true;
    }
  }

  private system(text: string): void {
    this.batcher.flush();
    applyChat((s) => R.addMessage(s, 'system', text));
  }

  async send(text: string): Promise<void> {
    this.batcher.flush();
    applyChat((s) => R.sendStart(s, text, this.now()));
    try {
      const { turnId } = await this.bridge.call('chat.send', { text });
      applyChat((s) => R.sendAccepted(s, turnId));
    } catch (err) {
      applyChat((s) => R.sendFailed(s, `could not send: ${message(err)}`));
    }
  }

  /** `unconfined`: again outside the quiet jail that stopped it; the core then asks before it runs. */
  async direct(command: string, how: { unconfined?: boolean } = {}): Promise<void> {
    if (!command) return this.system('usage: !<command>, e.g. !ls -la');
    this.batcher.flush();
    applyChat((s) => R.directStart(s, this.now()));
    try {
      await this.bridge.call('chat.run', { command, ...(how.unconfined ? { unconfined: true } : {}) });
    } catch (err) {
      applyChat((s) => R.localError(s, 'run_failed', `could not run ${command}: ${message(err)}`));
    } finally {
      this.batcher.flush();
      applyChat(R.directDone);
    }
  }

  async cancel(): Promise<void> {
    try {
      await this.bridge.call('chat.cancel', {});
    } catch (err) {
      applyChat((s) => R.localError(s, 'cancel_failed', `could not cancel: ${message(err)}`));
    }
  }

  /** Answers the one request the core asked; the core checks the id. */
  async answer(requestId: string, approved: boolean, how: { remember?: boolean; editedCommand?: string } = {}): Promise<void> {
    const { remember = false, editedCommand } = how;
    // An edit does not start this card: the edited command gets a card of its own once judged.
    applyChat((s) => R.approvalSettled(s, requestId, editedCommand !== undefined ? null : approved));
    try {
      await this.bridge.call('chat.approve', {
        requestId,
        approved,
        ...(remember ? { remember: true } : {}),
        ...(editedCommand !== undefined ? { command: editedCommand } : {}),
      });
    } catch (err) {
      useUi.getState().addToast(`Too late to answer: ${message(err)}`);
    }
  }

  /** The request ended without an answer from here (its timeout passed). */
  expire(requestId: string): void {
    applyChat((s) => R.approvalSettled(s, requestId, null));
  }

  dismissError(id: string): void {
    applyChat((s) => R.dismissError(s, id));
  }

  clearView(): void {
    this.batcher.flush();
    applyChat(R.clearView);
  }

  openConfigInTerminal(path: string): void {
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) || '/' : '.';
    useUi.getState().showTerminal();
    // Typed, not run: the person sees the command and presses Enter. nano is not on every machine.
    this.options.typeInTerminal?.(
      `mkdir -p ${singleQuoted(dir)} && \${VISUAL:-\${EDITOR:-$(command -v nano || command -v vim || echo vi)}} ${singleQuoted(path)}`,
    );
  }

  /** Saves text too long for a message as a file the model can read. */
  attachText(text: string): Promise<CallResponse<'chat.attach'>> {
    return this.bridge.call('chat.attach', { text });
  }

  /** The first-run form: what is configured, and a local Ollama if one answers. */
  setupState(): Promise<CallResponse<'setup.state'>> {
    return this.bridge.call('setup.state', {});
  }

  testProvider(req: CallRequest<'setup.testProvider'>): Promise<CallResponse<'setup.testProvider'>> {
    return this.bridge.call('setup.testProvider', req);
  }

  /** Writes [ai] and switches the chat over; the status bar and setup card follow. */
  async saveProvider(req: CallRequest<'setup.saveProvider'>): Promise<CallResponse<'setup.saveProvider'>> {
    const saved = await this.bridge.call('setup.saveProvider', req);
    useUi.getState().setProvider({ provider: saved.provider, problem: saved.problem });
    return saved;
  }

  /**
   * A card's Undo (or, once undone, Redo) action: as `/undo ID` with the
   * record the card's change stands on now; the card then offers the other.
   */
  async undoCard(cardRecord: string): Promise<void> {
    const now = useCardUndo.getState().byCard[cardRecord];
    try {
      const result = await this.bridge.call('undo.run', { recordId: now?.next ?? cardRecord });
      if (result.ok && result.recordId) useCardUndo.getState().set(cardRecord, { undone: !(now?.undone ?? false), next: result.recordId });
      this.system(`\`\`\`\n${undoResultText(result)}\n\`\`\``);
    } catch (err) {
      applyChat((s) => R.localError(s, 'undo_failed', `Undo failed: ${message(err)}`));
    }
  }

  private async slash(name: SlashName, arg: string): Promise<void> {
    try {
      switch (name) {
        case 'help':
          return this.system(HELP);
        case 'terminal':
          useUi.getState().showTerminal();
          return;
        case 'setup':
          useSettings.getState().show();
          return;
        case 'model':
          return this.system(`\`\`\`\n${await switchModel((n, r) => this.bridge.call(n, r), arg)}\n\`\`\``);
        case 'clear':
          await this.bridge.call('chat.clear', {});
          this.batcher.flush();
          applyChat(R.newConversation);
          return;
        case 'history': {
          const list = await this.bridge.call('commandLog.list', arg ? { query: arg } : {});
          return this.system(formatCommandLog(list, arg));
        }
        case 'undo':
        case 'redo':
          return this.system(`\`\`\`\n${undoResultText(await this.bridge.call('undo.run', undoRequest(arg, name === 'redo')))}\n\`\`\``);
        case 'memory': {
          const list = await this.bridge.call('memory.list', arg ? { query: arg } : {});
          return this.system(formatMemories(list, arg));
        }
        case 'permissions': {
          const parsed = parsePermissionsArg(arg);
          if ('error' in parsed) return this.system(parsed.error);
          let list = await this.bridge.call('permissions.list', {});
          const rule = parsed.remove !== undefined ? list.rules[parsed.remove - 1] : undefined;
          if (parsed.remove !== undefined && !rule) return this.system(`there is no rule ${parsed.remove}; /permissions lists them`);
          if (rule) list = await this.bridge.call('permissions.remove', rule);
          return this.system(
            `${rule ? `Removed ${rule.list} ${JSON.stringify(rule.pattern)}.\n` : ''}${formatPersonRules(list, { markdown: true })}`,
          );
        }
        default:
          // The shared grammar only lets through what the GUI offers (parseChatInput).
          return this.system(`/${name} is not available here; /help lists what is`);
      }
    } catch (err) {
      applyChat((s) => R.localError(s, `${name}_failed`, `/${name} failed: ${message(err)}`));
    }
  }
}

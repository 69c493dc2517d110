import { spawn } from 'node:child_process';
import { resolveShell } from '../../core/terminal/shell';
import { formatPersonRules, parsePermissionsArg } from '../../shared/permissions-text';
import type { ChatInput } from '../../shared/slash';
import { switchModel } from '../../shared/switch-model';
import { undoRequest, undoResultText } from '../../shared/undo-text';
import { visibleOutput, visibleText } from '../../shared/visible-text';
import { ChatReplView } from './chat-repl-view';
import { formatCommandLog, formatMemories, HELP } from './format';
import { SetupWizard } from './setup-wizard';

/** The prompt's slash commands (`/help`, `/history`, `/terminal`, …): each a core call whose answer is drawn for the terminal. */
export abstract class ChatReplSlash extends ChatReplView {
  /** /setup's questions, while they are being asked. */
  protected wizard: SetupWizard | undefined;

  /** Bracketed paste: the terminal marks a paste, so its lines become one message instead of one each. */
  protected bracketedPaste(on: boolean): void {
    if (this.o.input.isTTY === true && this.o.output.isTTY === true) this.o.output.write(on ? '\x1b[?2004h' : '\x1b[?2004l');
  }

  /** Runs a command the person typed (`!cmd`); `unconfined`: again outside the jail that stopped it. */
  protected abstract direct(command: string, unconfined?: boolean): Promise<void>;

  protected async slash(input: Extract<ChatInput, { kind: 'slash' | 'unknown' }>): Promise<void> {
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
}

import type { CallName, CallRequest, CallResponse, SetupState } from '../../shared/contract';
import type { Style } from './style';

type Call = <N extends CallName>(name: N, req: CallRequest<N>) => Promise<CallResponse<N>>;

type Step = 'url' | 'key' | 'model' | 'done';

/**
 * `/setup` in `aios chat`: the graphical setup form as three questions
 * (server, key variable, model), with the same "test connection" and the
 * same save into config.toml. Enter takes the suggestion in brackets.
 */
export class SetupWizard {
  private step: Step = 'url';
  private state: SetupState | undefined;
  private baseUrl: string | undefined;
  private apiKeyEnv = 'OPENAI_API_KEY';
  private models: string[] = [];

  constructor(
    private readonly call: Call,
    private readonly say: (line: string) => void,
    private readonly style: Style,
  ) {}

  get active(): boolean {
    return this.step !== 'done';
  }

  /** Reads the current settings and returns the first question. */
  async start(): Promise<string> {
    this.state = await this.call('setup.state', {});
    const s = this.state;
    this.apiKeyEnv = s.ai.apiKeyEnv;
    if (s.config.safeFallback) {
      this.step = 'done';
      this.say(this.style.yellow(`${s.config.file} has problems; fix them first (the form would have to guess):`));
      for (const p of s.config.problems) this.say(`  ${p.text}`);
      return '';
    }
    this.say(
      `Set up the AI provider: answers go into [ai] of ${s.config.file} (your comments stay). Enter takes the value in brackets; Ctrl-C stops.`,
    );
    if (s.ollama)
      this.say(
        this.style.cyan(
          `Ollama answers at ${s.ollama.url} (${s.ollama.models.length} models${s.ollama.models[0] ? `, e.g. ${s.ollama.models[0]}` : ''}).`,
        ),
      );
    return this.question();
  }

  private suggestedUrl(): string {
    return this.state?.ai.baseUrl ?? this.state?.ollama?.baseUrl ?? '';
  }

  private question(): string {
    switch (this.step) {
      case 'url': {
        const suggested = this.suggestedUrl();
        return `server base URL${suggested ? ` [${suggested}]` : ' (empty: OpenAI)'}: `;
      }
      case 'key':
        return `key variable [${this.apiKeyEnv}]: `;
      case 'model': {
        const suggested = this.state?.ai.model ?? this.models[0];
        return `model${suggested ? ` [${suggested}]` : ''}: `;
      }
      case 'done':
        return '';
    }
  }

  stop(): void {
    this.step = 'done';
  }

  /** One answer; returns the next question, or '' when the wizard is over. */
  async answer(raw: string): Promise<string> {
    const text = raw.trim();
    switch (this.step) {
      case 'url': {
        const value = text || this.suggestedUrl();
        if (value && !/^https?:\/\/\S+$/.test(value)) {
          this.say(this.style.yellow('write the base URL like http://127.0.0.1:11434/v1, or leave it empty for OpenAI'));
          return this.question();
        }
        this.baseUrl = value || undefined;
        this.step = 'key';
        return this.question();
      }
      case 'key': {
        const value = text || this.apiKeyEnv;
        if (!/^[A-Z][A-Z0-9_]*API_KEY$/.test(value)) {
          this.say(this.style.yellow('the key variable must be an upper-case name ending in API_KEY, e.g. OPENAI_API_KEY'));
          return this.question();
        }
        this.apiKeyEnv = value;
        await this.test();
        this.step = 'model';
        return this.question();
      }
      case 'model': {
        const value = text || this.state?.ai.model || this.models[0] || '';
        if (!value) {
          this.say(this.style.yellow('name a model (the server lists them under /models)'));
          return this.question();
        }
        this.step = 'done';
        await this.save(value);
        return '';
      }
      case 'done':
        return '';
    }
  }

  private async test(): Promise<void> {
    this.say(this.style.dim(`testing ${this.baseUrl ?? 'OpenAI'}…`));
    const r = await this.call('setup.testProvider', { ...(this.baseUrl ? { baseUrl: this.baseUrl } : {}), apiKeyEnv: this.apiKeyEnv });
    if (r.ok) {
      this.models = r.models;
      const list = r.models.slice(0, 8).join(', ');
      this.say(
        this.style.green(
          `connected: ${r.models.length} model${r.models.length === 1 ? '' : 's'}${list ? ` (${list}${r.models.length > 8 ? ', …' : ''})` : ''}`,
        ),
      );
    } else {
      this.say(this.style.yellow(`${r.message}. You can still save; the chat will say so until the server answers.`));
    }
  }

  private async save(model: string): Promise<void> {
    try {
      const saved = await this.call('setup.saveProvider', {
        ...(this.baseUrl ? { baseUrl: this.baseUrl } : {}),
        model,
        apiKeyEnv: this.apiKeyEnv,
      });
      this.say(this.style.green(`saved to ${saved.file}`) + (saved.provider ? `: the chat now uses ${saved.provider}` : ''));
      if (saved.problem) this.say(this.style.yellow(saved.problem));
    } catch (err) {
      this.say(this.style.red(`not saved: ${(err as Error).message}`));
    }
  }
}

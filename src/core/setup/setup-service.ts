import fs from 'node:fs';
import { parse } from 'smol-toml';
import { BridgeError, type CallResponse, type ConfigState } from '../../shared/contract';
import type { Handler } from '../bridge/dispatch';
import { formatProblem, parseConfigText, type ConfigProblem, type LoadedConfig } from '../config/load';
import type { Env } from '../config/paths';
import { AiSchema, type AiosConfig } from '../config/schema';
import { OLLAMA_URL, probeOllama, ollamaFromEnv } from '../agent/provider';
import { ConfigEditError, withAiSettings } from './ai-section';
import { writeFileAtomic } from './config-file';
import { probeProvider } from './provider-probe';

export interface SetupServiceOptions {
  config: LoadedConfig;
  env: Env;
  /** Where a local Ollama is probed; tests point it at a closed port or a stand-in. */
  ollamaUrl?: string;
  /** Switches the chat to new [ai] settings once they are saved. */
  applyAi: (ai: AiosConfig['ai']) => Promise<{ provider: string | null; problem: string | null }>;
  fetchImpl?: typeof fetch;
}

type SetupHandlers = {
  'setup.state': Handler<'setup.state'>;
  'setup.testProvider': Handler<'setup.testProvider'>;
  'setup.saveProvider': Handler<'setup.saveProvider'>;
};

export function configState(loaded: LoadedConfig): ConfigState {
  return {
    file: loaded.file,
    exists: loaded.exists,
    problems: loaded.problems.map(problemView),
    warnings: (loaded.warnings ?? []).map(problemView),
    safeFallback: loaded.problems.length > 0,
  };
}

function problemView(p: ConfigProblem): ConfigState['problems'][number] {
  return { file: p.file, line: p.line ?? null, column: p.column ?? null, message: p.message, text: formatProblem(p) };
}

/**
 * The first-run path: what the form shows, "test connection", and saving the
 * provider into config.toml without losing the person's comments or other
 * sections. Saving switches the running chat over at once; the policy and
 * paths keep what was read at start (they change only with a restart).
 */
export class SetupService {
  private ai: AiosConfig['ai'];

  constructor(private readonly o: SetupServiceOptions) {
    this.ai = o.config.config.ai;
  }

  private ollamaUrl(): string {
    return this.o.ollamaUrl ?? ollamaFromEnv(this.o.env.OLLAMA_HOST) ?? OLLAMA_URL;
  }

  async state(): Promise<CallResponse<'setup.state'>> {
    const url = this.ollamaUrl();
    const models = await probeOllama(url, this.o.fetchImpl ?? fetch);
    const key = this.o.env[this.ai.api_key_env];
    return {
      config: configState(this.o.config),
      ai: {
        baseUrl: this.ai.base_url ?? null,
        model: this.ai.model ?? null,
        apiKeyEnv: this.ai.api_key_env,
        keySet: typeof key === 'string' && key.length > 0,
      },
      ollama: models ? { url, baseUrl: `${url}/v1`, models } : null,
    };
  }

  async save(req: { baseUrl?: string | undefined; model: string; apiKeyEnv: string }): Promise<CallResponse<'setup.saveProvider'>> {
    const file = this.o.config.file;
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'ENOENT') throw new BridgeError('unavailable', `cannot read ${file} (${e.message}); nothing was written`);
    }
    let next: string;
    try {
      next = withAiSettings(
        text,
        { ...(req.baseUrl ? { base_url: req.baseUrl } : {}), model: req.model, api_key_env: req.apiKeyEnv },
        file,
      );
    } catch (err) {
      if (err instanceof ConfigEditError) throw new BridgeError('invalid_request', err.message);
      throw err;
    }
    try {
      writeFileAtomic(file, next);
    } catch (err) {
      throw new BridgeError('unavailable', `cannot write ${file} (${(err as Error).message}); nothing was changed`);
    }
    // The [ai] table itself was verified by the editor; another section's problem does not stop the chat.
    const ai = parseConfigText(next, file).config?.ai ?? AiSchema.parse((parse(next) as { ai?: unknown }).ai ?? {});
    this.ai = ai;
    return { file, ...(await this.o.applyAi(ai)) };
  }

  handlers(): SetupHandlers {
    return {
      'setup.state': () => this.state(),
      'setup.testProvider': (req) =>
        probeProvider({ baseUrl: req.baseUrl, apiKey: this.o.env[req.apiKeyEnv], apiKeyEnv: req.apiKeyEnv, fetchImpl: this.o.fetchImpl }),
      'setup.saveProvider': (req) => this.save(req),
    };
  }
}

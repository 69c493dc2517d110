import os from 'node:os';
import type { HostKind } from '../../shared/contract';
import { APP_NAME, APP_VERSION } from '../../shared/version';
import type { Handlers } from './bridge/dispatch';
import { EventBus } from './bridge/event-bus';
import { loadConfig, type LoadedConfig } from './config/load';
import type { Env } from './config/paths';
import { TerminalService } from './terminal/terminal-service';

export interface CoreOptions {
  host: HostKind;
  env?: Env;
  /** An already loaded config (the CLI may have read `--config`). */
  config?: LoadedConfig;
}

/**
 * The host-agnostic heart of aios: every service, and the handler table that
 * answers the bridge contract. A host (Electron, web, TTY) creates one Core,
 * forwards its events, and routes calls through `dispatchCall`.
 */
export class Core {
  readonly events = new EventBus();
  readonly config: LoadedConfig;
  readonly terminals: TerminalService;
  readonly handlers: Handlers;

  constructor(readonly options: CoreOptions) {
    const env = options.env ?? process.env;
    this.config = options.config ?? loadConfig({ env });
    this.terminals = new TerminalService({ events: this.events, env });
    this.handlers = {
      'app.info': () => ({
        name: APP_NAME,
        version: APP_VERSION,
        host: options.host,
        platform: `${os.type()} ${os.release()}`,
        machine: os.hostname(),
        configDir: this.config.paths.configDir,
        configFile: this.config.file,
        dataDir: this.config.paths.dataDir,
        memoryDb: this.config.paths.memoryDb,
      }),
      'terminal.open': (req) => this.terminals.open(req),
      'terminal.write': (req) => (this.terminals.write(req.id, req.data), null),
      'terminal.resize': (req) => (this.terminals.resize(req.id, req.cols, req.rows), null),
      'terminal.ack': (req) => (this.terminals.ack(req.id, req.chars), null),
      'terminal.close': (req) => (this.terminals.close(req.id), null),
    };
  }

  dispose(): void {
    this.terminals.dispose();
  }
}

import path from 'node:path';
import { CoreToMainSchema, MainToCoreSchema, type CoreToMain } from '../../shared/core-process';
import { formatProblem } from '../../core/config/load';
import type { Env } from '../../core/config/paths';
import { Core } from '../../core/core';
import { RotatingFileLogger, type Logger } from '../../core/log';
import { loadConfigForHost } from '../../core/setup/config-file';
import type { ParentPort } from '../../core/bridge/ports';
import { RemoteApprover } from './remote-approver';
import { serveCorePort } from '../../core/bridge/serve-port';

export interface CoreHostOptions {
  env: Env;
  logger?: Logger;
  /** Ends the process once the core has shut down (`process.exit` outside tests). */
  exit?: (code: number) => void;
}

/**
 * The core in Electron's utility process: ptys, SQLite and the policy parser
 * run here, away from the main process's event loop. Main sends heartbeats,
 * renderer ports and approval answers; renderers call over their ports.
 */
export function runCoreHost(parent: ParentPort, options: CoreHostOptions): Core {
  const { loaded } = loadConfigForHost(options.env);
  // Its own folder: two processes must not rotate one file.
  const logger = options.logger ?? new RotatingFileLogger({ dir: path.join(loaded.paths.logDir, 'core') });
  for (const problem of loaded.problems) logger.warn(`config: ${formatProblem(problem)}`);
  const send = (message: CoreToMain) => parent.postMessage(CoreToMainSchema.parse(message));
  const approver = new RemoteApprover(send);
  const core = new Core({ host: 'electron', env: options.env, config: loaded, chat: { approver } });
  const links = new Set<() => void>();

  parent.on('message', ({ data, ports }) => {
    const parsed = MainToCoreSchema.safeParse(data);
    if (!parsed.success) {
      logger.warn('core host: ignored a malformed message from the main process');
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'ping':
        send({ type: 'pong', seq: message.seq });
        return;
      case 'attach': {
        const port = ports[0];
        if (!port) {
          logger.warn(`core host: attach for ${message.clientId} came without a port`);
          return;
        }
        const stop = serveCorePort(core, port, message.clientId);
        links.add(stop);
        port.on('close', () => links.delete(stop));
        logger.info(`core host: UI ${message.clientId} attached`);
        return;
      }
      case 'approval-answer':
        approver.answer(message.requestId, message.approved, message.remember === true, message.edit === true);
        return;
      case 'shutdown':
        logger.info('core host: shutting down; closing shells');
        for (const stop of links) stop();
        void core.close().finally(() => (options.exit ?? process.exit)(0));
        return;
    }
  });

  logger.info(`core host started (pid ${process.pid}, config ${loaded.file})`);
  send({ type: 'ready', pid: process.pid });
  return core;
}

import path from 'node:path';
import { BridgeError } from '../../shared/contract';
import type { Handler } from '../bridge/dispatch';
import { withRuleRemoved } from '../policy/rules/rules-file';
import { AgentBusyError } from './agent';
import { saveAttachment } from './attachments';
import type { ChatService } from './service';

export type ChatHandlers = {
  'chat.send': Handler<'chat.send'>;
  'chat.cancel': Handler<'chat.cancel'>;
  'chat.state': Handler<'chat.state'>;
  'chat.message': Handler<'chat.message'>;
  'chat.approve': Handler<'chat.approve'>;
  'permissions.list': Handler<'permissions.list'>;
  'permissions.remove': Handler<'permissions.remove'>;
  'chat.run': Handler<'chat.run'>;
  'chat.clear': Handler<'chat.clear'>;
  'chat.attach': Handler<'chat.attach'>;
  'memory.list': Handler<'memory.list'>;
  'commandLog.list': Handler<'commandLog.list'>;
  'undo.run': Handler<'undo.run'>;
};

/** The chat's calls as the bridge dispatches them. */
export function chatHandlers(chat: ChatService, dataDir: string): ChatHandlers {
  return {
    'chat.send': (req) => {
      try {
        return { turnId: chat.open().agent.send(req.text).turnId };
      } catch (err) {
        if (err instanceof AgentBusyError) throw new BridgeError('unavailable', err.message);
        throw err;
      }
    },
    'chat.cancel': () => ({ cancelled: chat.cancel() }),
    'chat.state': () => chat.state(),
    'chat.message': (req) => {
      const text = chat.open().agent.messageText(req.conversationId, req.seq);
      if (text === undefined)
        throw new BridgeError(
          'not_found',
          `no message ${req.seq} in the current conversation (it was cleared or replaced): reload the page`,
        );
      return { text };
    },
    'chat.approve': (req) => {
      if (
        !chat.approvals.answer(req.requestId, req.approved, {
          remember: req.remember === true,
          ...(req.command !== undefined ? { edited: req.command } : {}),
        })
      ) {
        throw new BridgeError('not_found', `no approval is waiting with id ${req.requestId} (already answered, expired or never asked)`);
      }
      return null;
    },
    'chat.run': (req) => chat.runDirect(req.command, { unconfined: req.unconfined === true }),
    'permissions.list': () => chat.personRules(),
    'permissions.remove': (req) => {
      chat.editRules((text, file) => withRuleRemoved(text, req, file));
      return chat.personRules();
    },
    'chat.clear': () => (chat.open().agent.clear(), null),
    'chat.attach': (req) => saveAttachment(path.join(dataDir, 'attachments'), req.text),
    'memory.list': (req) => {
      const m = chat.open().memory;
      if (!m) return { problem: 'memory is off: the memory file cannot be used', items: [] };
      const limit = req.limit ?? 20;
      const found = req.query ? m.search(req.query, { limit }).map((h) => h.memory) : m.list({ limit });
      return { problem: null, items: found.map((x) => ({ id: x.id, content: x.content, createdAt: x.createdAt })) };
    },
    'commandLog.list': (req) => {
      const log = chat.open().commandLog;
      if (!log) return { problem: 'history is off: the memory file cannot be used', items: [] };
      const rows = log.query({ ...(req.query ? { text: req.query } : {}), limit: req.limit ?? 30 });
      return {
        problem: null,
        items: rows.map((r) => ({
          command: r.command,
          decision: r.decision,
          exitCode: r.exitCode,
          durationMs: r.durationMs,
          startedAt: r.startedAt,
          cwd: r.cwd,
          approver: r.approver,
          rule: r.matchedRule,
          signal: r.signal,
          callId: r.callId,
          conversationId: r.conversationId,
          state: r.state,
        })),
      };
    },
    'undo.run': (req) => chat.undo(req),
  };
}

import type { EventName, EventPayload } from '../../shared/contract';
import { dispatchCall, type DispatchResult, type Handlers } from './dispatch';
import type { EventBus } from './event-bus';

/** What a connected client's going away must release in the core. */
export interface ClientResources {
  handlers: Handlers;
  events: EventBus;
  /** Terminals count each client's unacknowledged output: a client that is gone must stop holding a shell back. */
  terminals: { detachClient(clientId: string): void };
}

/**
 * One UI connected to the core (a window's port, a browser socket, the
 * TTY): its calls, its events, and `close()`, which releases everything the
 * core keeps for it. Every host connects through this, so none can forget a
 * part of the goodbye.
 */
export interface ConnectedClient {
  readonly id: string;
  call(name: unknown, payload: unknown): Promise<DispatchResult>;
  /** Idempotent: stops its events and detaches it from its terminals. */
  close(): void;
  readonly closed: boolean;
}

export type ClientEventListener = <N extends EventName>(name: N, payload: EventPayload<N>) => void;

export function connectClient(core: ClientResources, clientId: string, onEvent?: ClientEventListener): ConnectedClient {
  let closed = false;
  const unsubscribe = onEvent
    ? core.events.onAny((name, payload) => {
        if (!closed) onEvent(name, payload as never);
      })
    : () => undefined;
  return {
    id: clientId,
    get closed() {
      return closed;
    },
    call: (name, payload) =>
      closed
        ? Promise.resolve({ ok: false, error: { code: 'unavailable', message: `client ${clientId} is disconnected` } })
        : dispatchCall(core.handlers, name, payload, { clientId }),
    close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      core.terminals.detachClient(clientId);
    },
  };
}

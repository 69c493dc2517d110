import type { EventName, EventPayload } from '../../shared/contract';

type Listener<E extends EventName> = (payload: EventPayload<E>) => void;
type AnyListener = (name: EventName, payload: EventPayload<EventName>) => void;

/**
 * Core → UI events. Services emit; each host forwards every event to its
 * connected UIs (Electron: the window; web: every authenticated socket).
 */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();
  private readonly catchAll = new Set<AnyListener>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    for (const l of this.listeners.get(name) ?? []) l(payload);
    for (const l of this.catchAll) l(name, payload);
  }

  on<E extends EventName>(name: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as Listener<EventName>);
    return () => set.delete(listener as Listener<EventName>);
  }

  /** Subscribes to every event; how hosts forward the whole stream. */
  onAny(listener: AnyListener): () => void {
    this.catchAll.add(listener);
    return () => this.catchAll.delete(listener);
  }
}

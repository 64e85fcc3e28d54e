/** A subscription handle: call `unsubscribe()` when the screen that subscribed goes away. */
export interface Subscription {
  unsubscribe(): void;
}

/**
 * A small typed pub-sub (OHIF's pubSubServiceInterface, typed): `EventMap` maps each event name to its
 * detail type; subscribing to a name the service does not declare throws.
 */
export class Emitter<EventMap extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof EventMap, Set<(detail: never) => void>>();

  constructor(private readonly declared: Record<string, keyof EventMap & string>) {}

  /** Calls `fn` with each `event`'s detail until unsubscribed. */
  subscribe<E extends keyof EventMap>(event: E, fn: (detail: EventMap[E]) => void): Subscription {
    if (!Object.values(this.declared).includes(event as string)) throw new Error(`unknown event ${String(event)}`);
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn as (detail: never) => void);
    return { unsubscribe: () => set!.delete(fn as (detail: never) => void) };
  }

  protected emit<E extends keyof EventMap>(event: E, detail: EventMap[E]): void {
    for (const fn of this.listeners.get(event) ?? []) {
      try {
        (fn as (d: EventMap[E]) => void)(detail);
      } catch (err) {
        console.error(`listener of ${String(event)} failed`, err);
      }
    }
  }
}

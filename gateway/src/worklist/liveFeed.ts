import type { Actor, Notification, Notifier } from '@hoichan/worklist';

/** What a subscriber receives: the notification without its recipient list (ids and state only). */
export interface FeedEvent {
  readonly id: number;
  readonly kind: Notification['kind'];
  readonly consultId: string;
  readonly state: Notification['state'];
  readonly urgent: boolean;
  readonly at: string;
}

type Listener = (e: FeedEvent) => void;

/** True when `n` is addressed to `actor` (by user id, or by a role the actor holds at their facility). */
export function addressedTo(n: Notification, actor: Actor): boolean {
  return n.to.some((r) => ('userId' in r ? r.userId === actor.userId : r.facilityId === actor.facilityId && actor.roles.includes(r.role)));
}

/**
 * The in-process live feed (G-3.4: people see new steps at once; no mail server). Notifications are pushed
 * after the transaction commits; subscribers are the open `GET /api/events` streams.
 */
export class LiveFeed implements Notifier {
  private readonly subs = new Set<{ actor: Actor; listener: Listener }>();
  private seq = 0;

  subscribe(actor: Actor, listener: Listener): () => void {
    const s = { actor, listener };
    this.subs.add(s);
    return () => this.subs.delete(s);
  }

  get subscribers(): number {
    return this.subs.size;
  }

  async notify(ns: readonly Notification[]): Promise<void> {
    const at = new Date().toISOString();
    for (const n of ns) {
      const e: FeedEvent = { id: ++this.seq, kind: n.kind, consultId: n.consultId, state: n.state, urgent: n.urgent, at };
      for (const s of this.subs) if (addressedTo(n, s.actor)) s.listener(e);
    }
  }
}

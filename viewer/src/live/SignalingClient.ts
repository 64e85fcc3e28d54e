import { BEARER_PROTOCOL_PREFIX, LIVE_PROTOCOL, type ClientMessage, type ServerMessage } from './protocol';

/**
 * The room's signaling socket. The bearer token rides in a WebSocket subprotocol (browsers cannot set an
 * Authorization header on a WebSocket); the gateway answers with the plain protocol name, never the token.
 */
export class SignalingClient {
  private ws: WebSocket | null = null;
  private closedByUs = false;

  constructor(private readonly url: string, private readonly token: string, private readonly handlers: {
    onMessage: (m: ServerMessage) => void;
    onClose: (reason: string) => void;
  }) {}

  /** Resolves once open; rejects when the gateway refuses the upgrade (not a participant, not in session). */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, [LIVE_PROTOCOL, BEARER_PROTOCOL_PREFIX + this.token]);
      this.ws = ws;
      let opened = false;
      ws.onopen = () => { opened = true; resolve(); };
      ws.onmessage = (e) => {
        try { this.handlers.onMessage(JSON.parse(String(e.data)) as ServerMessage); } catch (err) { console.warn('live: bad message', err); }
      };
      ws.onclose = (e) => {
        if (!opened) reject(new Error(`refused (${e.code})`));
        else if (!this.closedByUs) this.handlers.onClose(e.reason || `socket closed (${e.code})`);
      };
    });
  }

  send(m: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  close(): void {
    this.closedByUs = true;
    this.ws?.close(1000, 'leave');
  }
}

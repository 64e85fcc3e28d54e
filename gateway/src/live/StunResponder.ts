import dgram from 'node:dgram';
import { Message, classes, methods, parseMessage } from 'werift';

/**
 * A STUN binding responder (RFC 5389 Binding only, no TURN, no authentication) so browsers at sites with no
 * STUN server learn their server-reflexive address from the gateway itself: nothing outside the hospital
 * network is needed (issue 7 point 2). Message parsing and encoding are werift's; werift ships no server, so
 * the UDP loop here is hand-written (a few lines).
 */
export class StunResponder {
  private socket: dgram.Socket | null = null;
  /** Binding requests answered (the README and tests read it). */
  answered = 0;

  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    socket.on('message', (data, rinfo) => {
      const req = parseMessage(data);
      // Anything but a Binding request is dropped silently (no amplification, no error chatter).
      if (!req || req.messageMethod !== methods.BINDING || req.messageClass !== classes.REQUEST) return;
      const res = new Message(methods.BINDING, classes.RESPONSE, req.transactionId)
        .setAttribute('XOR-MAPPED-ADDRESS', [rinfo.address, rinfo.port])
        .addFingerprint();
      this.answered++;
      socket.send(res.bytes, rinfo.port, rinfo.address);
    });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => { socket.off('error', reject); resolve(); });
    });
    this.socket = socket;
    return socket.address().port;
  }

  get port(): number | null {
    return this.socket ? this.socket.address().port : null;
  }

  close(): void {
    this.socket?.close();
    this.socket = null;
  }
}

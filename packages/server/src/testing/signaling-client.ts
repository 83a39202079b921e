import { PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL, TICKET_SUBPROTOCOL_PREFIX } from '@plenum/protocol';
import WebSocket from 'ws';

export interface Msg {
  namespace: string;
  payload: { message: string; [k: string]: unknown };
}

/** A real WebSocket signaling client that records what it receives; `next` waits for a message (the test's timeout bounds it). */
export class SignalingClient {
  readonly received: Msg[] = [];
  readonly closed: Promise<number>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(JSON.parse(String(data)) as Msg);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  }

  static open(signalingUrl: string, ticket: string): Promise<SignalingClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(signalingUrl, [SIGNALING_SUBPROTOCOL, `${TICKET_SUBPROTOCOL_PREFIX}${ticket}`]);
      const client = new SignalingClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  send(namespace: string, payload: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ namespace, payload }));
  }

  join(): void {
    this.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION });
  }

  all(namespace: string, message: string): Msg['payload'][] {
    return this.received.filter((m) => m.namespace === namespace && m.payload.message === message).map((m) => m.payload);
  }

  async next(namespace: string, message: string, where: (p: Msg['payload']) => boolean = () => true): Promise<Msg['payload']> {
    for (;;) {
      const hit = this.all(namespace, message).find(where);
      if (hit) return hit;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** A round trip through the room: an unknown chat action is answered at once, after everything sent before it. */
  async roundTrip(): Promise<void> {
    const before = this.all('chat', 'error').length;
    this.send('chat', { action: 'round_trip_barrier' });
    await this.next('chat', 'error', () => this.all('chat', 'error').length > before);
  }

  close(): void {
    this.ws.close();
  }
}

import { PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL, type LegalVoteInfo, type LegalVoteKind } from '@plenum/protocol';
import WebSocket from 'ws';
import type { VoteParameters } from './storage.ts';
import { voteOptions } from './rules.ts';

/** Test helper: the parameters of a yes/no vote with `voters` eligible voters v0, v1, … */
export function voteParams(kind: LegalVoteKind, voters: number): VoteParameters {
  const { options, maxChoices } = voteOptions({ type: 'yes_no', abstain: true });
  const vote: LegalVoteInfo = {
    id: crypto.randomUUID(),
    title: 'Budget 2027',
    agenda_item_id: null,
    kind,
    options,
    max_choices: maxChoices,
    allow_abstain: true,
    duration_s: null,
    auto_close: false,
    started_at: '2026-03-02T09:00:00.000Z',
    ends_at: null,
    quorum: null,
    chair: { participant_id: 'chair', display_name: 'Chair' },
  };
  const eligible = Array.from({ length: voters }, (_, i) => ({ voter_id: `v${i}`, display_name: `Voter ${i}`, substitutes_for: null, proxy: null }));
  return { vote, eligible, delegations: [] };
}


/** A minimal signaling client over a real WebSocket, for tests against a running server. */
export class WsClient {
  readonly received: { namespace: string; payload: { message: string; [k: string]: unknown } }[] = [];
  id = '';
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.received.push(JSON.parse(data.toString()) as WsClient['received'][number]));
  }

  /** Opens the socket with the ticket and joins; resolves with join_success. */
  static async join(baseUrl: string, ticket: string): Promise<WsClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/signaling`, [SIGNALING_SUBPROTOCOL, `ticket.${ticket}`], { origin: baseUrl });
    const client = new WsClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    client.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION });
    const join = await client.waitFor((m) => m.namespace === 'control' && (m.payload.message === 'join_success' || m.payload.message === 'error'));
    if (join.payload.message !== 'join_success') throw new Error(`join refused: ${JSON.stringify(join.payload)}`);
    client.id = join.payload.id as string;
    return client;
  }

  send(namespace: string, payload: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ namespace, payload }));
  }

  messages(namespace: string, message?: string) {
    return this.received.filter((m) => m.namespace === namespace && (message === undefined || m.payload.message === message)).map((m) => m.payload);
  }

  /** The first received message matching `pred` (also one already received); bounded in time. */
  async waitFor(pred: (m: WsClient['received'][number]) => boolean, timeoutMs = 30_000): Promise<WsClient['received'][number]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(pred);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out; received: ${JSON.stringify(this.received.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.ws.close();
  }
}

import { verifyVoteExport } from '../../server/src/modules/legal_vote/verify.ts';

/** The verifier itself is the server's pure one (no database, no network); this adds key lookup and wording. */

export interface VerifyOptions {
  /** SPKI DER, base64. */
  publicKey?: string;
  /** A URL answering like /.well-known/plenum-signing-key ({ public_key }). */
  keyUrl?: string;
}

export type VerifyOutcome = { kind: 'ok' | 'failed'; message: string; warning?: string } | { kind: 'usage'; message: string };

export async function verifyVote(doc: unknown, options: VerifyOptions): Promise<VerifyOutcome> {
  let key = options.publicKey;
  let warning: string | undefined;
  if (options.keyUrl) {
    try {
      const res = await fetch(options.keyUrl, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) return { kind: 'usage', message: `cannot fetch the public key: HTTP ${res.status} from ${options.keyUrl}` };
      const body = (await res.json()) as { public_key?: unknown };
      if (typeof body.public_key !== 'string') return { kind: 'usage', message: `no public_key in the answer of ${options.keyUrl}` };
      key = body.public_key;
    } catch (err) {
      return { kind: 'usage', message: `cannot fetch the public key from ${options.keyUrl}: ${(err as Error).message}` };
    }
  }
  if (!key) warning = 'warning: no --public-key or --key-url given; checking against the key inside the export itself';
  const result = verifyVoteExport(doc, key);
  if (result.ok) {
    const tally = result.tally ? ` tally ${Object.entries(result.tally).map(([k, v]) => `${k}=${v}`).join(' ')};` : '';
    return {
      kind: 'ok',
      message: `OK vote ${result.voteId} (${result.state}): ${result.events} events, chain intact, head ${result.headHash};${tally} signature valid (key ${result.keyFingerprint})`,
      ...(warning ? { warning } : {}),
    };
  }
  const where = result.seq !== null ? `event seq ${result.seq} (position ${result.position})` : result.position !== null ? `event at position ${result.position}` : 'the export';
  return { kind: 'failed', message: `FAILED at ${where}: ${result.problem}`, ...(warning ? { warning } : {}) };
}

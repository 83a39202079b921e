import { createHash, createPublicKey, verify } from 'node:crypto';
import { LEGAL_VOTE_EXPORT_FORMAT, LegalVoteInfo, type LegalVoteExport } from '@plenum/protocol';
import { GENESIS_HASH, canonicalJson, chainHash } from '../../audit/chain.ts';
import { finalResultsOf, isNamedKind, signedMessage, validChoices, type BallotData, type StopReason } from './rules.ts';

/**
 * Offline verification of a vote export (`plenum verify-vote`): no database, no server. Checks, event by event
 * in the order of the file: the sequence numbers (1, 2, 3, … without gaps), that each content names its own
 * vote, seq and type, the link to the previous hash and the hash itself, the shape and validity of every ballot
 * (eligible and only once for roll-call kinds, distinct tokens for pseudonymous), that the final_results
 * content equals the tally recomputed from the ballot events, and the Ed25519 signature of the closing event.
 * The first mismatch is reported with its seq; nothing after it is trusted.
 *
 * The key inside the export proves nothing by itself: whoever changes an export can re-chain it, re-sign it with
 * a key of their own and put that key in. Only a key the reader trusts (the deployment's public key, or its
 * fingerprint, obtained some other way) makes the signature mean something; without one the result says
 * `trusted: false` and the CLI refuses to call the export verified.
 */

export interface VerifyOk {
  ok: true;
  voteId: string;
  state: 'closed' | 'cancelled';
  events: number;
  headHash: string;
  tally: Record<string, number> | null;
  keyFingerprint: string;
  /** True when the signature was checked against a key the caller trusts (given key or pinned fingerprint). */
  trusted: boolean;
}

/** One key of a trusted set (the deployment's key document): the key an export names is picked by its id. */
export interface TrustedKeyEntry {
  keyId: string;
  /** SPKI DER, base64. */
  publicKey: string;
  /** ISO times; null or absent: open on that side. */
  validFrom?: string | null;
  validUntil?: string | null;
}

/**
 * What the caller trusts: the deployment's public key (SPKI DER, base64), the fingerprint of it (`SHA256:<hex>`),
 * or the deployment's set of keys with validity periods (/.well-known/plenum-signing-key after key rotation).
 */
export type TrustedKey = { publicKey: string } | { fingerprint: string } | { keys: TrustedKeyEntry[] };

export interface VerifyFailure {
  ok: false;
  /** seq of the first event that does not match (as written in the file), or null for the file as a whole. */
  seq: number | null;
  /** 1-based position in the file's event list. */
  position: number | null;
  problem: string;
}

export type VerifyResult = VerifyOk | VerifyFailure;

const fail = (position: number | null, seq: number | null, problem: string): VerifyFailure => ({ ok: false, seq, position, problem });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function fingerprintOfKey(publicKeyBase64: string): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('hex')}`;
}

function signatureValid(publicKeyBase64: string, message: string, signatureBase64: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKeyBase64, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, Buffer.from(message, 'utf8'), key, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
}

/**
 * Verifies an export. `trusted` is the key to trust (a string is a public key, SPKI DER base64), or its
 * fingerprint. With a public key the signature is checked against it; with a fingerprint, against the key inside
 * the export, which must have that fingerprint. A trusted key that differs from the export's own is a failure
 * naming both fingerprints. Without `trusted` the key inside the export is used and the result is
 * `trusted: false`: intact against that key, which anyone could have made.
 */
export function verifyVoteExport(doc: unknown, trusted?: string | TrustedKey): VerifyResult {
  if (!isObject(doc) || doc.format !== LEGAL_VOTE_EXPORT_FORMAT) return fail(null, null, `not a vote export (format must be ${LEGAL_VOTE_EXPORT_FORMAT})`);
  const exp = doc as unknown as LegalVoteExport;
  if (!isObject(exp.vote) || typeof exp.vote.id !== 'string') return fail(null, null, 'the export has no vote');
  if (!Array.isArray(exp.events) || exp.events.length === 0) return fail(null, null, 'the export has no events');
  const given: TrustedKey | undefined = typeof trusted === 'string' ? { publicKey: trusted } : trusted;
  const embeddedRaw = isObject(exp.public_key) ? exp.public_key.public_key : undefined;
  const embedded = typeof embeddedRaw === 'string' && embeddedRaw !== '' ? embeddedRaw : undefined;
  const embeddedFp = embedded ? fingerprintOfKey(embedded) : null;
  // The key id the export names (exports from before key rotation name none: their key's fingerprint is the id).
  const namedIdRaw = isObject(exp.public_key) ? exp.public_key.key_id : undefined;
  if (namedIdRaw !== undefined && typeof namedIdRaw !== 'string') return fail(null, null, 'the export names a key id that is not a string');
  const namedId = namedIdRaw ?? embeddedFp;
  // From a set of keys, the one the export names by id; a set of one is that key (as a single given key).
  let entry: TrustedKeyEntry | undefined;
  let unknownKey: string[] | null = null;
  let trust: { publicKey: string } | { fingerprint: string } | undefined;
  if (given && 'keys' in given) {
    entry = given.keys.find((k) => k.keyId === namedId) ?? (given.keys.length === 1 ? given.keys[0] : undefined);
    if (entry) trust = { publicKey: entry.publicKey };
    else unknownKey = given.keys.map((k) => k.keyId);
  } else {
    trust = given;
  }
  const key = trust && 'publicKey' in trust ? trust.publicKey : embedded;
  if (typeof key !== 'string' || key === '') return fail(null, null, 'no public key to check the signature with');
  const keyFp = fingerprintOfKey(key);
  const keyIsTrusted = trust !== undefined && 'publicKey' in trust;
  const trustedFp = !trust ? null : 'publicKey' in trust ? keyFp : normalizeFingerprint(trust.fingerprint);
  if (trust && !trustedFp) return fail(null, null, 'the trusted fingerprint is not of the form SHA256:<64 hex digits>');
  let signedAt: unknown = null;
  const voteId = exp.vote.id;

  let prev = GENESIS_HASH;
  let info: LegalVoteInfo | null = null;
  let eligibleIds = new Set<string>();
  const ballots: BallotData[] = [];
  const votedIds = new Set<string>();
  const tokens = new Set<string>();
  let stopReason: StopReason | null = null;
  let closing: 'final_results' | 'cancelled' | null = null;
  let tally: Record<string, number> | null = null;

  for (const [index, raw] of exp.events.entries()) {
    const position = index + 1;
    if (!isObject(raw)) return fail(position, null, 'the event is not an object');
    const seq = typeof raw.seq === 'number' ? raw.seq : null;
    const at = (problem: string) => fail(position, seq, problem);
    if (seq !== position) return at(`sequence broken: expected seq ${position} at position ${position}, found ${seq ?? 'none'}`);
    if (closing) return at(`event after the closing ${closing} event`);
    const content = raw.content;
    if (!isObject(content)) return at('content is not an object');
    if (content.vote_id !== voteId) return at(`content names another vote (${String(content.vote_id)})`);
    if (content.seq !== seq) return at(`content seq ${String(content.seq)} differs from the event's seq`);
    if (content.type !== raw.type) return at(`content type ${String(content.type)} differs from the event's type ${String(raw.type)}`);
    if (raw.prev_hash !== prev) return at(`prev_hash does not link to the previous event's hash (expected ${prev}, found ${String(raw.prev_hash)})`);
    let expected: string;
    try {
      expected = chainHash(prev, content);
    } catch {
      return at('content cannot be hashed');
    }
    if (raw.hash !== expected) return at(`hash mismatch: content hashes to ${expected}, the event says ${String(raw.hash)}`);
    prev = expected;
    const data = content.data;
    if (!isObject(data)) return at('content has no data');
    const type = raw.type;
    if ((type === 'final_results' || type === 'cancelled') !== (raw.signature !== null && raw.signature !== undefined)) {
      return at(type === 'final_results' || type === 'cancelled' ? 'the closing event has no signature' : 'a signature on an event that is not the closing event');
    }

    if (position === 1) {
      if (type !== 'started') return at('the first event must be `started`');
      const parsed = LegalVoteInfo.safeParse(data.vote);
      if (!parsed.success) return at('started: the vote parameters are malformed');
      if (parsed.data.id !== voteId) return at('started: the parameters name another vote');
      if (!Array.isArray(data.eligible) || !data.eligible.every((e) => isObject(e) && typeof e.voter_id === 'string')) return at('started: the eligible list is malformed');
      info = parsed.data;
      eligibleIds = new Set((data.eligible as { voter_id: string }[]).map((e) => e.voter_id));
      if (eligibleIds.size !== data.eligible.length) return at('started: a voter is listed twice');
      continue;
    }
    if (!info) return at('no started event');

    switch (type) {
      case 'started':
        return at('a second `started` event');
      case 'ballot': {
        if (stopReason) return at('a ballot after the vote was stopped');
        if (!strings(data.choices) || !validChoices(info, data.choices)) return at('ballot: the choices are not valid in this vote');
        if (isNamedKind(info.kind)) {
          if (typeof data.voter_id !== 'string' || typeof data.display_name !== 'string') return at('ballot: a roll-call ballot must name its voter');
          if (!eligibleIds.has(data.voter_id)) return at(`ballot: voter ${data.voter_id} is not eligible`);
          if (votedIds.has(data.voter_id)) return at(`ballot: voter ${data.voter_id} voted twice`);
          votedIds.add(data.voter_id);
        } else if (info.kind === 'pseudonymous') {
          if (typeof data.token !== 'string' || data.token === '') return at('ballot: a pseudonymous ballot must carry a token');
          if ('voter_id' in data || 'display_name' in data) return at('ballot: a pseudonymous ballot names its voter');
          if (tokens.has(data.token)) return at('ballot: the token was used twice');
          tokens.add(data.token);
        } else if (Object.keys(data).some((k) => k !== 'choices')) {
          return at('ballot: a secret ballot carries more than its choices');
        }
        ballots.push(data as unknown as BallotData);
        if (ballots.length > eligibleIds.size) return at('ballot: more ballots than eligible voters');
        break;
      }
      case 'delegated':
      case 'issue_reported':
        break;
      case 'stopped':
        if (stopReason) return at('a second `stopped` event');
        if (data.reason !== 'chair' && data.reason !== 'expired' && data.reason !== 'all_voted') return at('stopped: unknown reason');
        stopReason = data.reason;
        break;
      case 'final_results': {
        if (!stopReason) return at('final_results before `stopped`');
        const recomputed = finalResultsOf(info, eligibleIds.size, ballots, stopReason);
        for (const field of ['tally', 'cast', 'eligible', 'ballots', 'tokens', 'stop_reason'] as const) {
          if (!sameJson(data[field] ?? null, recomputed[field] ?? null)) return at(`final_results: ${field} differs from the result recomputed from the ballot events`);
        }
        if (Object.keys(data).some((k) => !['tally', 'cast', 'eligible', 'ballots', 'tokens', 'stop_reason'].includes(k))) return at('final_results: unexpected fields');
        tally = recomputed.tally;
        closing = 'final_results';
        break;
      }
      case 'cancelled':
        if (typeof data.reason !== 'string') return at('cancelled: no reason');
        closing = 'cancelled';
        break;
      default:
        return at(`unknown event type ${String(type)}`);
    }
    if (closing) signedAt = content.at;
    if (closing && !signatureValid(key, signedMessage(voteId, expected), String(raw.signature))) {
      const other = keyIsTrusted && embeddedFp && embeddedFp !== keyFp ? ` (key mismatch: the export carries another key, ${embeddedFp})` : '';
      return at(`signature does not verify with the ${keyIsTrusted ? 'trusted' : "export's own"} public key ${keyFp}${other}`);
    }
  }

  const last = exp.events.at(-1) as { seq: number };
  if (!closing) return fail(exp.events.length, last.seq, 'the vote is not closed: no signed final_results or cancelled event');
  if (exp.vote.head_hash !== prev) return fail(exp.events.length, last.seq, `the vote's head_hash ${exp.vote.head_hash} is not the hash of its last event`);
  // The key checks come after every chain check, so a broken chain is always reported as such first.
  const statedFp = isObject(exp.public_key) ? exp.public_key.fingerprint : undefined;
  if (embeddedFp && statedFp !== undefined && statedFp !== embeddedFp) {
    return fail(exp.events.length, last.seq, `the export states the fingerprint ${String(statedFp)}, but its public key has the fingerprint ${embeddedFp}`);
  }
  if (namedIdRaw !== undefined && embeddedFp !== null && namedIdRaw !== embeddedFp) {
    return fail(exp.events.length, last.seq, `the export names the key id ${namedIdRaw}, but its public key has the fingerprint ${embeddedFp}`);
  }
  if (unknownKey) {
    return fail(exp.events.length, last.seq, `unknown key: the export is signed with the key ${namedId ?? 'none'}, which is not among the trusted keys (${unknownKey.join(', ')})`);
  }
  if (trustedFp && embeddedFp !== null && embeddedFp !== trustedFp) {
    return fail(exp.events.length, last.seq, `key mismatch: the export is signed with the key ${embeddedFp}, not with the trusted key ${trustedFp}`);
  }
  if (entry && (entry.validFrom || entry.validUntil)) {
    // The signing time is the closing event's own time, covered by the hash and the signature.
    const t = typeof signedAt === 'string' ? Date.parse(signedAt) : NaN;
    const from = entry.validFrom ? Date.parse(entry.validFrom) : -Infinity;
    const until = entry.validUntil ? Date.parse(entry.validUntil) : Infinity;
    if (!(t >= from && t <= until)) {
      return fail(exp.events.length, last.seq, `signed at ${String(signedAt)}, outside the validity of the key ${entry.keyId} (${entry.validFrom ?? 'beginning'} to ${entry.validUntil ?? 'now'})`);
    }
  }
  return {
    ok: true,
    voteId,
    state: closing === 'final_results' ? 'closed' : 'cancelled',
    events: exp.events.length,
    headHash: prev,
    tally,
    keyFingerprint: keyFp,
    trusted: trustedFp !== null,
  };
}

/** `SHA256:<64 hex>` in the canonical (lower-case) form, or null when it is not a fingerprint. */
export function normalizeFingerprint(text: string): string | null {
  const m = /^SHA256:([0-9a-f]{64})$/i.exec(text.trim());
  return m ? `SHA256:${m[1]!.toLowerCase()}` : null;
}

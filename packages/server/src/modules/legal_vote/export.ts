import { LEGAL_VOTE_EXPORT_FORMAT, type LegalVoteExport, type LegalVoteSummary } from '@plenum/protocol';
import type { KeyLookup, PublicKeyInfo } from '../../audit/signing.ts';
import { parseJsonColumn, type LegalVoteEventRow, type LegalVoteRepository, type LegalVoteRow } from './storage.ts';
import { signedMessage } from './rules.ts';

const iso = (d: Date | string) => new Date(d).toISOString();

export function voteSummary(v: LegalVoteRow): LegalVoteSummary {
  return {
    id: v.id,
    room_id: v.room_id,
    title: v.title,
    agenda_item_id: v.agenda_item_id,
    kind: v.kind,
    state: v.state,
    opened_at: iso(v.opened_at),
    closed_at: v.closed_at ? iso(v.closed_at) : null,
    head_hash: v.head_hash,
  };
}

/**
 * The key that signed the closing event: with the deployment's keyring, the one of its keys (current or retired)
 * whose public half verifies the signature, so an export made after a rotation still names the key that
 * signed; with a single key (tests), that key.
 */
function signerKey(keys: PublicKeyInfo | KeyLookup, vote: LegalVoteRow, closing: LegalVoteEventRow | undefined): PublicKeyInfo & { key_id: string } {
  if (!('signerOf' in keys)) return { ...keys, key_id: keys.fingerprint };
  const found = closing?.signature ? keys.signerOf(signedMessage(vote.id, closing.hash), closing.signature) : undefined;
  return found ?? { ...keys.publicKey, key_id: keys.publicKey.key_id ?? keys.publicKey.fingerprint };
}

/** The export of one vote from its stored rows: the format `plenum verify-vote` reads. */
export function exportOf(vote: LegalVoteRow, events: readonly LegalVoteEventRow[], keys: PublicKeyInfo | KeyLookup): LegalVoteExport {
  const closing = events.at(-1);
  const publicKey = signerKey(keys, vote, closing);
  return {
    format: LEGAL_VOTE_EXPORT_FORMAT,
    vote: voteSummary(vote),
    events: events.map((e) => ({
      seq: e.seq,
      type: e.type,
      content: parseJsonColumn(e.content),
      prev_hash: e.prev_hash,
      hash: e.hash,
      signature: e.signature,
      created_at: iso(e.created_at),
    })),
    public_key: { algorithm: publicKey.algorithm, public_key: publicKey.public_key, fingerprint: publicKey.fingerprint, key_id: publicKey.key_id },
    signed_message: closing?.signature ? signedMessage(vote.id, closing.hash) : null,
  };
}

export async function loadExport(repo: LegalVoteRepository, voteId: string, keys: PublicKeyInfo | KeyLookup): Promise<LegalVoteExport | undefined> {
  const vote = await repo.vote(voteId);
  if (!vote) return undefined;
  return exportOf(vote, await repo.events(voteId), keys);
}

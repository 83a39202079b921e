import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LegalVoteExport } from '@plenum/protocol';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAdminAudit } from '../../server/src/audit/admin-log.ts';
import { SigningKeyring } from '../../server/src/audit/keyring.ts';
import { SigningKey } from '../../server/src/audit/signing.ts';
import { main as rotateSigningKey } from '../../server/src/cli/rotate-signing-key.ts';
import { allMigrations } from '../../server/src/features.ts';
import { loadExport } from '../../server/src/modules/legal_vote/export.ts';
import { signedMessage } from '../../server/src/modules/legal_vote/rules.ts';
import { LegalVoteRepository, type VoteSigner } from '../../server/src/modules/legal_vote/storage.ts';
import { voteParams } from '../../server/src/modules/legal_vote/testing.ts';
import { migrateToLatest, type Storage } from '../../server/src/storage/database.ts';
import { backends, openBareTestStorage } from '../../server/src/storage/testing.ts';
import { main as plenum } from './cli.ts';

// Key rotation and the admin audit log end to end on both databases: a deployment from before migration 0008
// (its key in server_secrets), migrated; rotated with the real CLI; exports checked and the audit log tampered
// with, then checked by the real `plenum` commands, all called in-process (no process per case).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-rotation-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
function write(doc: unknown): string {
  const file = path.join(dir, `file-${++n}.json`);
  fs.writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await plenum(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}


/** A closed roll call with 3 ballots (yes, no, yes), closed at `at` and signed by `signer`. */
async function closedVote(repo: LegalVoteRepository, signer: VoteSigner, at: Date): Promise<string> {
  const params = voteParams('roll_call', 4);
  const id = params.vote.id;
  await repo.create({ roomId: crypto.randomUUID(), params, at });
  for (const [i, choice] of ['yes', 'no', 'yes'].entries()) {
    await repo.castBallot(id, `v${i}`, { voter_id: `v${i}`, display_name: `Voter ${i}`, choices: [choice], cast_by_proxy: null }, at);
  }
  await repo.close(id, 'chair', at, signer);
  return id;
}

describe.each(backends)('signing-key rotation and the admin audit log (%s)', (backend) => {
  let bare: Awaited<ReturnType<typeof openBareTestStorage>>;
  let db: Storage['db'];
  let repo: LegalVoteRepository;
  const oldKey = SigningKey.generate();
  let keyring: SigningKeyring;
  let oldExport: LegalVoteExport;
  let newExport: LegalVoteExport;
  let keysDocFile: string;
  const before = new Date('2026-03-02T09:00:00Z');
  const rotatedAt = new Date('2026-06-01T12:00:00Z');
  const after = new Date('2026-06-02T09:00:00Z');

  beforeAll(async () => {
    bare = await openBareTestStorage(backend);
    db = bare.storage.db;
    repo = new LegalVoteRepository(db);
    // The deployment as it was: the migrations before 0008 (later ones may depend on it, and Kysely refuses
    // to run an older one after a newer), its one key in server_secrets, a vote signed with it.
    const earlier = Object.fromEntries(Object.entries(allMigrations()).filter(([name]) => name < '0008_keys_admin_audit'));
    await migrateToLatest(db, earlier, bare.schema);
    await db.insertInto('server_secrets').values({ name: 'signing_key_ed25519', value: oldKey.privateKeyPem() }).execute();
    const oldVote = await closedVote(repo, oldKey, before);
    // Then the upgrade, and the key rotated by an operator with the CLI.
    await migrateToLatest(db, allMigrations(), bare.schema);
    const lines: string[] = [];
    const code = await rotateSigningKey(['--reason', 'yearly rotation'], { storage: bare.storage, now: rotatedAt, io: { out: (l) => lines.push(l), err: (l) => lines.push(l) } });
    expect(code, lines.join('\n')).toBe(0);
    expect(lines.join('\n')).toContain(`retired key  ${oldKey.keyId}`);
    keyring = await SigningKeyring.load(db);
    const newVote = await closedVote(repo, keyring, after);
    oldExport = (await loadExport(repo, oldVote, keyring))!;
    newExport = (await loadExport(repo, newVote, keyring))!;
    keysDocFile = write({ ...keyring.publicKey, keys: keyring.keys() });
  }, 240_000);
  afterAll(() => bare?.drop());

  it('the key from before becomes the first row, retired at the rotation; the old secret is gone; one current key', async () => {
    expect(keyring.keys().map((k) => [k.key_id, k.valid_from, k.valid_until])).toEqual([
      [keyring.keyId, rotatedAt.toISOString(), null],
      [oldKey.keyId, new Date(0).toISOString(), rotatedAt.toISOString()],
    ]);
    expect(keyring.keyId).not.toBe(oldKey.keyId);
    expect(await db.selectFrom('server_secrets').select('name').where('name', '=', 'signing_key_ed25519').execute()).toEqual([]);
    // The database itself refuses a second current key.
    await expect(db.insertInto('signing_keys').values({ id: 'SHA256:x', algorithm: 'Ed25519', public_key: 'x', private_key: 'x', valid_from: after, valid_until: null }).execute()).rejects.toThrow();
  });

  it('each export names the key that signed it: the old vote the retired key, the new vote the new key', () => {
    expect(oldExport.public_key).toMatchObject({ key_id: oldKey.keyId, fingerprint: oldKey.keyId, public_key: oldKey.publicKey.public_key });
    expect(newExport.public_key).toMatchObject({ key_id: keyring.keyId, fingerprint: keyring.keyId });
    expect(newExport.events.at(-1)!.signature).toBe(keyring.sign(signedMessage(newExport.vote.id, newExport.vote.head_hash)));
  });

  it('plenum verify-vote with the key document picks the key by id: both exports OK, each with its own key', async () => {
    const oldOut = await cli(['verify-vote', write(oldExport), '--public-key-file', keysDocFile]);
    expect(oldOut, oldOut.stdout).toMatchObject({ code: 0, stderr: '' });
    expect(oldOut.stdout).toMatch(new RegExp(`^OK vote ${oldExport.vote.id} .*signature valid \\(key ${oldKey.keyId}, trusted: key file`));
    const newOut = await cli(['verify-vote', write(newExport), '--public-key-file', keysDocFile]);
    expect(newOut).toMatchObject({ code: 0, stderr: '' });
    expect(newOut.stdout).toContain(`signature valid (key ${keyring.keyId}`);
    // The old export pinned to the new key alone does not pass: it was not signed with it.
    expect((await cli(['verify-vote', write(oldExport), '--fingerprint', keyring.keyId])).code).toBe(1);
  });

  it('a signature by a key outside the trusted set is not OK; nor one made with a retired key after it was retired', async () => {
    // A forger's own key, named by its own id: unknown to the deployment's key document.
    const forger = SigningKey.generate();
    const forged = await closedVote(repo, forger, after);
    const forgedExport = (await loadExport(repo, forged, forger.publicKey))!;
    expect(forgedExport.public_key.key_id).toBe(forger.keyId);
    const out = await cli(['verify-vote', write(forgedExport), '--public-key-file', keysDocFile]);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe(`FAILED at event seq 6 (position 6): unknown key: the export is signed with the key ${forger.keyId}, which is not among the trusted keys (${keyring.keyId}, ${oldKey.keyId})`);
    // The same forgery claiming the deployment's key id: the id is the key's fingerprint, so that does not fit.
    const claimed = { ...forgedExport, public_key: { ...forgedExport.public_key, key_id: keyring.keyId } };
    expect((await cli(['verify-vote', write(claimed), '--public-key-file', keysDocFile])).stdout).toMatch(/^FAILED .*signature does not verify with the trusted public key/);
    // Without a trusted key the verifier never says OK (finding 9).
    const bare = await cli(['verify-vote', write(forgedExport)]);
    expect(bare.code).toBe(3);
    expect(bare.stdout).toContain('chain intact, signature NOT verified against a trusted key');
    // Someone holding the retired key signs after its retirement: outside its validity.
    const late = await closedVote(repo, oldKey, after);
    const lateOut = await cli(['verify-vote', write((await loadExport(repo, late, keyring))!), '--public-key-file', keysDocFile]);
    expect(lateOut.code).toBe(1);
    expect(lateOut.stdout).toContain(`signed at ${after.toISOString()}, outside the validity of the key ${oldKey.keyId} (1970-01-01T00:00:00.000Z to ${rotatedAt.toISOString()})`);
  });

  it('the rotation is in the admin audit log, and plenum verify-audit detects a changed, removed or reordered entry', async () => {
    // One more entry so there is something after the one tampered with.
    await keyring.rotate('user:someone', new Date('2026-07-01T00:00:00Z'));
    const entries = await readAdminAudit(db, 0, 100);
    expect(entries.map((e) => [e.seq, e.action, e.actor])).toEqual([
      [1, 'signing_key.rotated', `cli:${os.userInfo().username}`],
      [2, 'signing_key.rotated', 'user:someone'],
    ]);
    expect(entries[0]).toMatchObject({ target: keyring.keys()[1]!.key_id, details: { previous_key_id: oldKey.keyId, reason: 'yearly rotation' } });
    const page = { format: 'plenum-admin-audit-log/1', entries, next_after: null };
    const intact = await cli(['verify-audit', write(page)]);
    expect(intact).toMatchObject({ code: 0, stderr: '' });
    expect(intact.stdout).toContain(`OK admin audit log: 2 entries, chain intact, head 2:${entries[1]!.hash}`);

    // The table refuses changes; with the trigger lifted (table-owner rights), a changed row is caught.
    await expect(sql`update admin_audit_log set actor = 'user:nobody' where seq = 1`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from admin_audit_log where seq = 1`.execute(db)).rejects.toThrow(/append-only/);
    await sql`alter table admin_audit_log disable trigger admin_audit_log_no_change`.execute(db);
    try {
      await sql`update admin_audit_log set actor = 'user:nobody' where seq = 1`.execute(db);
    } finally {
      await sql`alter table admin_audit_log enable trigger admin_audit_log_no_change`.execute(db);
    }
    const changed = await cli(['verify-audit', write({ ...page, entries: await readAdminAudit(db, 0, 100) })]);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^FAILED at entry seq 1 \(position 1\): hash mismatch/);

    // Removed and reordered entries in an export file.
    expect((await cli(['verify-audit', write({ ...page, entries: [entries[1]] })])).stdout).toMatch(/^FAILED at entry seq 2 \(position 1\): sequence broken/);
    expect((await cli(['verify-audit', write({ ...page, entries: [entries[1], entries[0]] })])).stdout).toMatch(/^FAILED at entry seq 2 \(position 1\): sequence broken/);
    const renumbered = [{ ...entries[1]!, seq: 1 }, { ...entries[0]!, seq: 2 }];
    expect((await cli(['verify-audit', write({ ...page, entries: renumbered })])).stdout).toMatch(/^FAILED at entry seq 1 \(position 1\): prev_hash|^FAILED at entry seq 1 \(position 1\): hash mismatch/);
    // Cut off at the end: only a head noted earlier shows it.
    const cut = write({ ...page, entries: [entries[0]] });
    expect((await cli(['verify-audit', cut])).code).toBe(0);
    const headed = await cli(['verify-audit', cut, '--head', `2:${entries[1]!.hash}`]);
    expect(headed.code).toBe(1);
    expect(headed.stdout).toContain('entries were removed at the end');
    expect((await cli(['verify-audit', cut, '--head', 'nonsense'])).code).toBe(2);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { backends, openTestStorage } from '../../storage/testing.ts';
import { KyselyOidcAdapter, purgeExpiredOidcPayloads } from './adapter.ts';
import { loadEmbeddedProviderSecrets, sharedSecret } from './secrets.ts';

describe.each(backends)('oidc-provider adapter and shared secrets on %s', (backend) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });
  async function open() {
    const storage = await openTestStorage(backend);
    close = storage.close;
    return storage.db;
  }

  it('stores, finds, updates and destroys payloads per model', async () => {
    const db = await open();
    const sessions = new KyselyOidcAdapter(db, 'Session');
    const codes = new KyselyOidcAdapter(db, 'AuthorizationCode');
    await sessions.upsert('s1', { accountId: 'a1', uid: 'u1' }, 60);
    await codes.upsert('s1', { accountId: 'other' }, 60);
    expect(await sessions.find('s1')).toEqual({ accountId: 'a1', uid: 'u1' });
    expect(await codes.find('s1')).toEqual({ accountId: 'other' });
    expect(await sessions.findByUid('u1')).toEqual({ accountId: 'a1', uid: 'u1' });
    await sessions.upsert('s1', { accountId: 'a2', uid: 'u1' }, 60);
    expect(await sessions.find('s1')).toEqual({ accountId: 'a2', uid: 'u1' });
    await sessions.destroy('s1');
    expect(await sessions.find('s1')).toBeUndefined();
    expect(await codes.find('s1')).toEqual({ accountId: 'other' });
  });

  it('marks consumed payloads and hides expired ones', async () => {
    let now = new Date('2026-01-01T10:00:00Z');
    const db = await open();
    const codes = new KyselyOidcAdapter(db, 'AuthorizationCode', () => now);
    await codes.upsert('c1', { grantId: 'g1' }, 60);
    expect((await codes.find('c1'))?.consumed).toBeUndefined();
    await codes.consume('c1');
    expect((await codes.find('c1'))?.consumed).toBe(Math.floor(now.getTime() / 1000));
    now = new Date('2026-01-01T10:01:01Z');
    expect(await codes.find('c1')).toBeUndefined();
    expect(await purgeExpiredOidcPayloads(db, now)).toBe(1);
  });

  it('finds by user code and revokes everything of a grant', async () => {
    const db = await open();
    const tokens = new KyselyOidcAdapter(db, 'AccessToken');
    const devices = new KyselyOidcAdapter(db, 'DeviceCode');
    await tokens.upsert('t1', { grantId: 'g1' }, 60);
    await tokens.upsert('t2', { grantId: 'g1' }, 60);
    await tokens.upsert('t3', { grantId: 'g2' });
    await devices.upsert('d1', { userCode: 'ABCD-EFGH', grantId: 'g1' }, 60);
    expect(await devices.findByUserCode('ABCD-EFGH')).toMatchObject({ userCode: 'ABCD-EFGH' });
    await tokens.revokeByGrantId('g1');
    expect(await tokens.find('t1')).toBeUndefined();
    expect(await tokens.find('t2')).toBeUndefined();
    expect(await tokens.find('t3')).toEqual({ grantId: 'g2' });
    // Revocation is per model: oidc-provider calls it on each model's adapter.
    expect(await devices.find('d1')).toBeDefined();
  });

  it('generates the provider secrets once and returns the same ones afterwards (restart, other nodes)', async () => {
    const db = await open();
    const first = await loadEmbeddedProviderSecrets(db);
    expect(first.jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(first.jwks.keys[0]).toHaveProperty('d');
    expect(first.cookieKeys[0]!.length).toBeGreaterThanOrEqual(32);
    const again = await Promise.all([loadEmbeddedProviderSecrets(db), loadEmbeddedProviderSecrets(db)]);
    for (const s of again) expect(s).toEqual(first);
    expect(await sharedSecret(db, 'oidc_web_client_secret', () => 'ignored')).toBe(first.clientSecret);
  });
});

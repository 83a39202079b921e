import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditEntries } from '../../audit/admin-log-verify.ts';
import { verifySignature } from '../../audit/signing.ts';
import { createLocalAccount, verifyLocalLogin } from '../../auth/accounts.ts';
import { pseudonymOf } from '../../gdpr/personal-data.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';

type Who = { cookie?: string; csrf?: string };

describe('/v1/admin: signing-key rotation and the audit log', () => {
  let server: TestServer;
  let admin: Who & { userId: string };
  let user: Who & { userId: string };
  const anonymous: Who = {};
  let clock = new Date('2026-11-24T10:00:00Z');

  beforeAll(async () => {
    server = await startTestServer({ now: () => clock });
    admin = await server.loginAs('admin', 'Ada Admin');
    user = await server.loginAs('user', 'Uwe User');
  });
  afterAll(async () => server?.close());

  async function call(who: Who, method: string, path: string, body?: unknown, csrf = true) {
    const headers: Record<string, string> = {};
    if (who.cookie) headers.cookie = who.cookie;
    if (csrf && who.csrf && method !== 'GET') headers['x-csrf-token'] = who.csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', cache: res.headers.get('cache-control'), body: text ? JSON.parse(text) : null };
  }
  const wellKnown = async () => (await call(anonymous, 'GET', '/.well-known/plenum-signing-key')).body as { key_id: string; keys: { key_id: string; public_key: string; valid_from: string; valid_until: string | null }[] };
  const auditLog = async (query = '') => call(admin, 'GET', `/v1/admin/audit-log${query}`);

  it('refuses everyone but an admin, and an admin without the CSRF token; a refusal changes nothing', async () => {
    const keyBefore = (await wellKnown()).key_id;
    const logBefore = (await auditLog()).body.entries.length;
    for (const [who, status, code] of [
      [anonymous, 401, 'PLENUM_ERR_UNAUTHENTICATED'],
      [user, 403, 'PLENUM_ERR_FORBIDDEN'],
    ] as const) {
      const rotate = await call(who, 'POST', '/v1/admin/signing-key/rotate', {});
      expect(rotate.status).toBe(status);
      expect(rotate.type).toContain('application/problem+json');
      expect(rotate.body.code).toBe(code);
      expect((await call(who, 'GET', '/v1/admin/audit-log')).status).toBe(status);
    }
    const noCsrf = await call(admin, 'POST', '/v1/admin/signing-key/rotate', {}, false);
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.code).toBe('PLENUM_ERR_CSRF');
    expect((await call(admin, 'POST', '/v1/admin/signing-key/rotate', { reason: 'bad\u0000reason' })).status).toBe(400);
    expect((await wellKnown()).key_id).toBe(keyBefore);
    expect((await auditLog()).body.entries).toHaveLength(logBefore);
  });

  it('an admin rotates: the well-known document lists the new key and the retired one with validity; the server signs with the new one', async () => {
    const first = await wellKnown();
    expect(first.keys).toHaveLength(1);
    clock = new Date('2026-11-24T10:05:00Z');
    const res = await call(admin, 'POST', '/v1/admin/signing-key/rotate', { reason: 'staff change' });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toMatch(/PRIVATE/);
    expect(res.body.previous).toMatchObject({ key_id: first.key_id, valid_until: clock.toISOString() });
    expect(res.body.current).toMatchObject({ valid_from: clock.toISOString(), valid_until: null });
    const doc = await wellKnown();
    expect(doc.key_id).toBe(res.body.current.key_id);
    expect(doc.keys.map((k) => [k.key_id, k.valid_until])).toEqual([
      [res.body.current.key_id, null],
      [first.key_id, clock.toISOString()],
    ]);
    expect(verifySignature(doc.keys[0]!.public_key, 'm', server.services.signingKey.sign('m'))).toBe(true);
    expect(verifySignature(doc.keys[1]!.public_key, 'm', server.services.signingKey.sign('m'))).toBe(false);
  });

  it('records room deletions, account creation and role changes; the log is paginated, no-store, and its chain holds', async () => {
    const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Finanzausschuss' }, user as { cookie: string; csrf: string });
    clock = new Date('2026-11-24T10:10:00Z');
    expect((await call(admin, 'DELETE', `/v1/rooms/${room.id}`)).status).toBe(204);
    await createLocalAccount(server.services.storage.db, { username: 'clerk', displayName: 'Clerk', password: 'clerk-password-1', isAdmin: true }, 'cli:operator', clock);
    // The provider now says this user is an admin: a role change.
    const promoted = await server.services.users.upsertFromLogin({ issuer: 'urn:plenum:test', subject: 'promoted', displayName: 'P', email: null, role: 'user' }, clock);
    await server.services.users.upsertFromLogin({ issuer: 'urn:plenum:test', subject: 'promoted', displayName: 'P', email: null, role: 'admin' }, clock);

    const all = await auditLog('?limit=1000');
    expect(all.status).toBe(200);
    expect(all.cache).toBe('no-store');
    const entries = all.body.entries as { seq: number; actor: string; action: string; target: string | null; details: Record<string, unknown> }[];
    expect(verifyAuditEntries(entries)).toMatchObject({ ok: true, entries: entries.length });
    const tail = entries.slice(-3);
    expect(tail).toMatchObject([
      { action: 'room.deleted', actor: `user:${admin.userId}`, target: room.id, details: { name: 'Finanzausschuss', owner_id: user.userId, by_role: 'admin' } },
      { action: 'account.created', actor: 'cli:operator', details: { username: 'clerk', is_admin: true } },
      { action: 'user.role_changed', actor: 'provider:urn:plenum:test', target: promoted.id, details: { from: 'user', to: 'admin' } },
    ]);
    expect(entries.find((e) => e.action === 'signing_key.rotated')).toMatchObject({ actor: `user:${admin.userId}`, details: { reason: 'staff change' } });
    expect(JSON.stringify(entries)).not.toMatch(/password|argon2/i);

    const page1 = await auditLog('?limit=2');
    expect(page1.body.entries.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    expect(page1.body.next_after).toBe(2);
    const last = await auditLog(`?after=${entries.length - 1}&limit=2`);
    expect(last.body.entries.map((e: { seq: number }) => e.seq)).toEqual([entries.length]);
    expect(last.body.next_after).toBeNull();
    expect((await auditLog('?limit=0')).status).toBe(400);
  });

  it('GDPR: only an admin exports or pseudonymises a person; an unknown account is a 404 problem', async () => {
    const data = `/v1/admin/users/${user.userId}/personal-data`;
    const pseudo = `/v1/admin/users/${user.userId}/pseudonymise`;
    for (const [who, status, code] of [
      [anonymous, 401, 'PLENUM_ERR_UNAUTHENTICATED'],
      [user, 403, 'PLENUM_ERR_FORBIDDEN'],
    ] as const) {
      for (const [method, path] of [['GET', data], ['POST', pseudo]] as const) {
        const res = await call(who, method, path);
        expect(res.status).toBe(status);
        expect(res.type).toContain('application/problem+json');
        expect(res.body.code).toBe(code);
      }
    }
    const noCsrf = await call(admin, 'POST', pseudo, undefined, false);
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.code).toBe('PLENUM_ERR_CSRF');
    const unknown = crypto.randomUUID();
    for (const [method, path] of [['GET', `/v1/admin/users/${unknown}/personal-data`], ['POST', `/v1/admin/users/${unknown}/pseudonymise`]] as const) {
      const res = await call(admin, method, path);
      expect(res.status).toBe(404);
      expect(res.type).toContain('application/problem+json');
      expect(res.body.code).toBe('PLENUM_ERR_NOT_FOUND');
    }
    expect((await call(admin, 'GET', '/v1/admin/users/not-a-uuid/personal-data')).status).toBe(400);
    // Nothing was changed by the refusals: the user is still signed in under the old name.
    expect((await call(user, 'GET', '/v1/me')).body.display_name).toBe('Uwe User');
  });

  it('GDPR: the export holds the person\u2019s data and not others\u2019; after pseudonymisation it shows the pseudonym, the session is gone, the audit log says so', async () => {
    const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Bauausschuss' }, user as { cookie: string; csrf: string });
    const res = await call(admin, 'GET', `/v1/admin/users/${user.userId}/personal-data`);
    expect(res.status).toBe(200);
    expect(res.cache).toBe('no-store');
    expect(res.body).toMatchObject({ format: 'plenum-personal-data/1', user_id: user.userId });
    expect(res.body.units.core.users).toMatchObject([{ id: user.userId, display_name: 'Uwe User' }]);
    expect(res.body.units.core.rooms).toEqual(expect.arrayContaining([expect.objectContaining({ id: room.id, name: 'Bauausschuss' })]));
    expect(res.body.units.core.sessions.length).toBeGreaterThanOrEqual(1);
    expect(res.body.retained).toHaveProperty('admin_audit_log');
    expect(JSON.stringify(res.body)).not.toContain('Ada Admin');
    expect(JSON.stringify(res.body)).not.toMatch(/csrf|password_hash|argon2/i);

    clock = new Date('2026-11-24T10:20:00Z');
    const done = await call(admin, 'POST', `/v1/admin/users/${user.userId}/pseudonymise`);
    expect(done.status).toBe(200);
    const pseudonym = pseudonymOf(user.userId);
    expect(done.body).toMatchObject({ user_id: user.userId, pseudonym });
    expect((await call(user, 'GET', '/v1/me')).status).toBe(401);

    const after = await call(admin, 'GET', `/v1/admin/users/${user.userId}/personal-data`);
    expect(after.status).toBe(200);
    expect(after.body.units.core.users).toMatchObject([{ id: user.userId, display_name: pseudonym, email: null, subject: pseudonym, role: 'user' }]);
    expect(after.body.units.core.sessions).toEqual([]);
    expect(JSON.stringify(after.body.units)).not.toContain('Uwe User');
    const log = (await auditLog('?limit=1000')).body.entries as { action: string; actor: string; target: string | null; details: { pseudonym?: string } }[];
    expect(log.slice(-3).map((e) => [e.action, e.target])).toEqual([
      ['user.personal_data_exported', user.userId],
      ['user.pseudonymised', user.userId],
      ['user.personal_data_exported', user.userId],
    ]);
    expect(log.at(-2)).toMatchObject({ action: 'user.pseudonymised', actor: `user:${admin.userId}`, target: user.userId, details: { pseudonym } });
    expect(verifyAuditEntries(log)).toMatchObject({ ok: true });
  });

  it('GDPR deletion and search: admin only (CSRF), never the last admin; the account, its login and sessions are gone; the audit entry names no one', async () => {
    const local = await createLocalAccount(server.services.storage.db, { username: 'greta', displayName: 'Greta Gone', email: 'greta@example.org', password: 'greta-password-1', isAdmin: false }, 'cli:operator', clock);
    const greta = await server.services.users.upsertFromLogin({ issuer: 'urn:plenum:test', subject: local.id, displayName: 'Greta Gone', email: 'greta@example.org', role: 'user' }, clock);
    const { token } = await server.services.sessions.create(greta.id, null);
    const gretaWho = { cookie: `plenum_session=${token}`, csrf: (await server.services.sessions.resolve(token))!.csrfToken };
    await server.api('POST', '/v1/rooms', { name: 'Gretas Raum' }, gretaWho);
    const del = `/v1/admin/users/${greta.id}`;
    const vera = await server.loginAs('user', 'Vera User');
    for (const [who, status, code] of [
      [anonymous, 401, 'PLENUM_ERR_UNAUTHENTICATED'],
      [vera, 403, 'PLENUM_ERR_FORBIDDEN'],
    ] as const) {
      for (const [method, path] of [['DELETE', del], ['GET', '/v1/admin/users?q=greta']] as const) {
        const res = await call(who, method, path);
        expect(res.status).toBe(status);
        expect(res.type).toContain('application/problem+json');
        expect(res.body.code).toBe(code);
      }
    }
    expect((await call(admin, 'DELETE', del, undefined, false)).body.code).toBe('PLENUM_ERR_CSRF');
    expect((await call(admin, 'GET', '/v1/admin/users?q=g')).status).toBe(400);
    expect((await call(admin, 'GET', '/v1/admin/users')).status).toBe(400);
    expect((await call(admin, 'GET', '/v1/admin/users?q=gr%00')).status).toBe(400);
    const found = await call(admin, 'GET', '/v1/admin/users?q=GREXAMPLE'.replace('XAMPLE', 'ta@ex'));
    expect(found.status).toBe(200);
    expect(found.cache).toBe('no-store');
    expect(found.body).toEqual({ users: [expect.objectContaining({ id: greta.id, display_name: 'Greta Gone', email: 'greta@example.org', role: 'user' })], truncated: false });
    expect((await call(admin, 'GET', '/v1/admin/users?q=%25%25')).body.users).toEqual([]); // a wildcard is a character
    expect((await call(gretaWho, 'GET', '/v1/me')).status).toBe(200);

    // The only admin account cannot go: 409, nothing changed (earlier tests made other admins: made users again here).
    const others = await server.services.storage.db.updateTable('users').set({ role: 'user' }).where('role', '=', 'admin').where('id', '!=', admin.userId).returning('id').execute();
    const last = await call(admin, 'DELETE', `/v1/admin/users/${admin.userId}`);
    expect(last.status).toBe(409);
    expect(last.type).toContain('application/problem+json');
    expect(last.body.code).toBe('PLENUM_ERR_CONFLICT');
    expect((await call(admin, 'GET', '/v1/me')).status).toBe(200);
    if (others.length) await server.services.storage.db.updateTable('users').set({ role: 'admin' }).where('id', 'in', others.map((o) => o.id)).execute();

    clock = new Date('2026-11-24T10:30:00Z');
    const done = await call(admin, 'DELETE', del);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ user_id: greta.id, pseudonym: pseudonymOf(greta.id), rooms: [expect.any(String)] });
    expect(done.body.kept).toHaveProperty('legal_vote_events');
    expect((await call(gretaWho, 'GET', '/v1/me')).status).toBe(401);
    expect(await verifyLocalLogin(server.services.storage.db, 'greta', 'greta-password-1')).toBeNull();
    expect((await call(admin, 'GET', `/v1/admin/users/${greta.id}/personal-data`)).status).toBe(404);
    expect((await call(admin, 'DELETE', del)).status).toBe(404);
    expect((await call(admin, 'GET', '/v1/admin/users?q=greta')).body.users).toEqual([]);
    const log = (await auditLog('?limit=1000')).body.entries as { action: string; actor: string; target: string | null }[];
    const entry = log.find((e) => e.action === 'user.deleted')!;
    expect(entry).toMatchObject({ actor: `user:${admin.userId}`, target: greta.id });
    for (const v of ['Greta', 'greta@', 'Gretas Raum']) expect(JSON.stringify(entry)).not.toContain(v);
    expect(verifyAuditEntries(log)).toMatchObject({ ok: true });
  });

  it('GDPR: both routes are in the OpenAPI document with their response schemas and a 404 problem', async () => {
    const spec = (await call(anonymous, 'GET', '/docs/json')).body;
    const get = spec.paths['/v1/admin/users/{id}/personal-data'].get;
    const post = spec.paths['/v1/admin/users/{id}/pseudonymise'].post;
    expect(get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/PersonalDataExport');
    expect(post.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/UserPseudonymised');
    for (const op of [get, post]) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403', '404']));
    expect(post.security).toEqual([{ session: [], csrf: [] }]);
  });

  it('retention: an admin sees every rule with its period, every kept table with its reason, and the run at start; others are refused', async () => {
    const member = await server.loginAs('user', 'Rita Ratsmitglied');
    expect((await call(member, 'GET', '/v1/admin/retention')).status).toBe(403);
    expect((await call(anonymous, 'GET', '/v1/admin/retention')).status).toBe(401);
    // The job runs at start; its run is reported once it is done.
    await expect.poll(async () => (await call(admin, 'GET', '/v1/admin/retention')).body.last_run, { timeout: 10_000 }).not.toBeNull();
    const { status, cache, body } = await call(admin, 'GET', '/v1/admin/retention');
    expect(status).toBe(200);
    expect(cache).toBe('no-store');
    expect(body).toMatchObject({ periods: { attendance: 365, minutes_drafts: 180, invites: 90, recordings: 30 }, interval_minutes: 60, last_error: null });
    expect(body.last_run.at).toBe('2026-11-24T10:00:00.000Z'); // the injected clock at start (earlier tests moved it on)
    expect(body.rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'attendance', period: 'attendance', days: 365, tables: expect.arrayContaining(['attendance_meetings']) }),
        expect.objectContaining({ name: 'minutes_drafts', days: 180, tables: ['minutes_documents'] }),
      ]),
    );
    expect(body.kept).toEqual(expect.arrayContaining([expect.objectContaining({ table: 'minutes_versions', reason: expect.any(String) })]));
    expect(body.kept.find((k: { table: string }) => k.table === 'legal_vote_ballots')).toBeDefined();
  });
});

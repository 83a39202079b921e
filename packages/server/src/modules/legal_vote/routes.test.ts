import { execFileSync } from 'node:child_process';
import { LegalVoteExport, LegalVoteList } from '@plenum/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voteParams, WsClient } from './testing.ts';
import { verifyVoteExport } from './verify.ts';
import { CommitteeRepository } from '../agenda/storage.ts';
import { LegalVoteRepository } from './storage.ts';
import { backends } from '../../storage/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';

type Who = { cookie?: string; csrf?: string };

describe.each(backends)('legal vote API and signaling on %s', (backend) => {
  let server: TestServer;
  let owner: Who & { userId: string };
  let member: Who & { userId: string };
  let other: Who & { userId: string };
  let admin: Who & { userId: string };
  const anonymous: Who = {};
  let roomId: string;
  let voteId: string;
  let repo: LegalVoteRepository;

  async function call(who: Who, urlPath: string, headers: Record<string, string> = {}) {
    const h: Record<string, string> = { ...headers };
    if (who.cookie) h.cookie = who.cookie;
    const res = await fetch(`${server.url}${urlPath}`, { headers: h });
    return { status: res.status, type: res.headers.get('content-type') ?? '', bytes: Buffer.from(await res.arrayBuffer()) };
  }
  const json = (r: { bytes: Buffer }) => JSON.parse(r.bytes.toString('utf8'));

  beforeAll(async () => {
    server = await startTestServer({ backend });
    owner = await server.loginAs('user', 'Olga Owner');
    member = await server.loginAs('user', 'Mia Member');
    other = await server.loginAs('user', 'Otto Other');
    admin = await server.loginAs('admin', 'Ada Admin');
    roomId = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Gemeinderat' }, owner as { cookie: string; csrf: string })).id;
    await new CommitteeRepository(server.services.storage.db).replaceRoster(roomId, [
      { id: crypto.randomUUID(), display_name: 'Mia Member', user_id: member.userId, invite_code: null, role: 'member', voting: true, substitutes_for: null },
    ]);
    repo = new LegalVoteRepository(server.services.storage.db);
    const params = voteParams('roll_call', 2);
    voteId = params.vote.id;
    const at = new Date('2026-03-02T18:00:00Z');
    await repo.create({ roomId, params, at });
    await repo.castBallot(voteId, 'v0', { voter_id: 'v0', display_name: 'Günther Grün', choices: ['yes'], cast_by_proxy: null }, at);
    await repo.close(voteId, 'chair', at, server.services.signingKey);
  }, 240_000);
  afterAll(async () => {
    await server?.close();
  });

  describe('permission matrix', () => {
    const paths: [string, () => string][] = [
      ['list', () => `/v1/rooms/${roomId}/votes`],
      ['export', () => `/v1/votes/${voteId}/export.json`],
      ['pdf', () => `/v1/votes/${voteId}/report.pdf`],
    ];
    const expected = { owner: 200, admin: 200, member: 200, other: 403, anonymous: 401 } as const;
    for (const [name, urlPath] of paths) {
      for (const [role, status] of Object.entries(expected) as [keyof typeof expected, number][]) {
        it(`${name} as ${role} → ${status}`, async () => {
          const who = { owner, admin, member, other, anonymous }[role];
          const res = await call(who, urlPath());
          expect(res.status).toBe(status);
          if (status !== 200) {
            expect(res.type).toContain('application/problem+json');
            expect(json(res)).toMatchObject({ status, code: status === 401 ? 'PLENUM_ERR_UNAUTHENTICATED' : 'PLENUM_ERR_FORBIDDEN' });
            expect(res.bytes.toString()).not.toContain('Günther');
          }
        });
      }
    }
    it('unknown votes and rooms: 404 (after login), bad ids: 400', async () => {
      expect((await call(owner, `/v1/votes/${crypto.randomUUID()}/export.json`)).status).toBe(404);
      expect((await call(anonymous, `/v1/votes/${crypto.randomUUID()}/export.json`)).status).toBe(401);
      expect((await call(owner, `/v1/rooms/${crypto.randomUUID()}/votes`)).status).toBe(404);
      expect((await call(owner, `/v1/votes/not-a-uuid/export.json`)).status).toBe(400);
      expect((await call(owner, `/v1/votes/${voteId}/report.pdf?lang=fr`)).status).toBe(400);
    });
  });

  it('list, export (verifies against the published key) and PDF in German and English', async () => {
    const list = LegalVoteList.parse(json(await call(owner, `/v1/rooms/${roomId}/votes`)));
    expect(list.votes).toEqual([expect.objectContaining({ id: voteId, room_id: roomId, title: 'Budget 2027', kind: 'roll_call', state: 'closed' })]);
    const exp = LegalVoteExport.parse(json(await call(member, `/v1/votes/${voteId}/export.json`)));
    expect(exp.events.map((e) => e.type)).toEqual(['started', 'ballot', 'stopped', 'final_results']);
    const published = (await (await fetch(`${server.url}/.well-known/plenum-signing-key`)).json()) as { public_key: string };
    expect(verifyVoteExport(exp, published.public_key)).toMatchObject({ ok: true, tally: { yes: 1, no: 0, abstain: 0 } });

    const de = await call(owner, `/v1/votes/${voteId}/report.pdf?tz=Europe/Berlin`, { 'accept-language': 'de-DE' });
    expect(de.type).toBe('application/pdf');
    const textDe = execFileSync('pdftotext', ['-layout', '-', '-'], { input: de.bytes, encoding: 'utf8', timeout: 20_000 });
    expect(textDe).toContain('Abstimmungsprotokoll');
    expect(textDe).toContain('Gemeinderat');
    expect(textDe).toMatch(/Günther Grün\s+Ja/);
    expect(textDe).toContain(exp.vote.head_hash);
    const en = await call(owner, `/v1/votes/${voteId}/report.pdf?lang=en`);
    const textEn = execFileSync('pdftotext', ['-layout', '-', '-'], { input: en.bytes, encoding: 'utf8', timeout: 20_000 });
    expect(textEn).toContain('Vote record');
    expect(textEn).toMatch(/Yes\s+1/);
    const fp = server.services.signingKey.publicKey.fingerprint;
    expect(textEn).toContain(fp);
    // The reader is told how to verify against the deployment's key, not the one inside the export.
    const keyUrl = `${server.url}/.well-known/plenum-signing-key`;
    const flat = (text: string) => text.replace(/\s+/g, ' ');
    expect(flat(textEn)).toContain(`Verify: plenum verify-vote export.json --fingerprint ${fp} (or --key-url ${keyUrl})`);
    expect(flat(textDe)).toContain(`Prüfen: plenum verify-vote export.json --fingerprint ${fp} (oder --key-url ${keyUrl})`);
    const spec = json(await call(anonymous, '/docs/json'));
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/rooms/{id}/votes', '/v1/votes/{voteId}/export.json', '/v1/votes/{voteId}/report.pdf']));
  });

  it(
    '200 ballots over real WebSockets for 50 eligible voters: valid, duplicates, ineligible and after close — exactly the valid ones count',
    { timeout: 300_000 },
    async () => {
      const room = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Crowd' }, owner as { cookie: string; csrf: string })).id;
      const ticket = (name: string, isRoomOwner = false) =>
        server.services.tickets.issue({ roomId: room, kind: 'user', displayName: name, userId: crypto.randomUUID(), role: 'user', isRoomOwner }, `user:${crypto.randomUUID()}`).ticket;
      const chair = await WsClient.join(server.url, ticket('Chair', true));
      const voters: WsClient[] = [];
      for (let i = 0; i < 50; i++) voters.push(await WsClient.join(server.url, ticket(`Voter ${i}`)));
      const outsiders: WsClient[] = [];
      for (let i = 0; i < 10; i++) outsiders.push(await WsClient.join(server.url, ticket(`Outsider ${i}`)));
      chair.send('legal_vote', { action: 'start', title: 'Crowd vote', kind: 'roll_call', options: { type: 'yes_no' }, auto_close: false, eligible_participant_ids: voters.map((v) => v.id) });
      const started = (await voters[49]!.waitFor((m) => m.payload.message === 'started')).payload as unknown as { vote: { id: string } };
      const id = started.vote.id;
      const answers = (c: WsClient) => c.messages('legal_vote').filter((m) => m.message === 'voted' || m.message === 'error');
      const choice = (i: number) => ['yes', 'no', 'abstain'][i % 3]!;

      // 120 at once: every voter twice (the second is a duplicate), every outsider twice.
      voters.forEach((v, i) => {
        v.send('legal_vote', { action: 'vote', vote_id: id, choices: [choice(i)] });
        v.send('legal_vote', { action: 'vote', vote_id: id, choices: [choice(i + 1)] });
      });
      for (const o of outsiders) for (let k = 0; k < 2; k++) o.send('legal_vote', { action: 'vote', vote_id: id, choices: ['yes'] });
      const all = [...voters, ...outsiders];
      const deadline = Date.now() + 120_000;
      while (all.reduce((n, c) => n + answers(c).length, 0) < 120 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

      // The chair closes; 80 more arrive after the close.
      chair.send('legal_vote', { action: 'stop', vote_id: id });
      await chair.waitFor((m) => m.payload.message === 'final_results', 60_000);
      voters.slice(0, 40).forEach((v) => v.send('legal_vote', { action: 'vote', vote_id: id, choices: ['yes'] }));
      for (const o of outsiders) for (let k = 0; k < 4; k++) o.send('legal_vote', { action: 'vote', vote_id: id, choices: ['no'] });
      const deadline2 = Date.now() + 120_000;
      while (all.reduce((n, c) => n + answers(c).length, 0) < 200 && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 50));

      const outcome = all.flatMap(answers).map((m) => (m.message === 'voted' ? 'voted' : String(m.error)));
      const count = (k: string) => outcome.filter((o) => o === k).length;
      expect(outcome).toHaveLength(200);
      expect({ voted: count('voted'), already_voted: count('already_voted'), not_eligible: count('not_eligible'), vote_closed: count('vote_closed') }).toEqual({
        voted: 50,
        already_voted: 50,
        not_eligible: 20,
        vote_closed: 80,
      });
      // Each voter's first ballot is the one that counts.
      const results = (chair.messages('legal_vote', 'final_results')[0] as unknown as { results: { cast: number; eligible: number; tally: Record<string, number>; ballots: { display_name: string; choices: string[] }[] } }).results;
      expect(results).toMatchObject({ cast: 50, eligible: 50, tally: { yes: 17, no: 17, abstain: 16 } });
      for (const b of results.ballots) expect(b.choices).toEqual([choice(Number(b.display_name.split(' ')[1]))]);
      const exp = json(await call(owner, `/v1/votes/${id}/export.json`));
      expect(verifyVoteExport(exp, server.services.signingKey.publicKey.public_key)).toMatchObject({ ok: true, events: 53 });
      expect(await repo.ballotCount(id)).toBe(50);
      for (const c of [chair, ...all]) c.close();
    },
  );
});

import { voteBlocks } from './report.ts';
import { defineProtocol, minutesSignedMessage, type AgendaItem, type MinutesVersionSummary, type QuorumRule, type RosterMember } from '@plenum/protocol';
import { z } from 'zod';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { GENESIS_HASH, chainHash } from '../../audit/chain.ts';
import { SigningKey, verifySignature } from '../../audit/signing.ts';
import { defineFeature, type HooksOf } from '../../signaling/feature.ts';
import { ModuleTester, provide, type SimulatedParticipant } from '../../signaling/testing.ts';
import { committeeChanged } from '../agenda/events.ts';
import { legalVoteFinal, type LegalVoteFinal } from '../legal_vote/events.ts';
import { documentBlocks } from './document.ts';
import { MAX_MINUTES_BYTES, MINUTES_SAVE_DEBOUNCE_MS, minutesFeature, type MinutesStore } from './index.ts';
import type { MinutesDocument, MinutesVersionRow, NewMinutesVersion } from './storage.ts';

/** The repository's behaviour in memory (the real one is tested on both databases in storage/minutes.test.ts). */
class MemoryStore implements MinutesStore {
  docs = new Map<string, { state: Uint8Array; sealed: boolean; saves: number }>();
  rows: MinutesVersionRow[] = [];
  async loadDocument(roomId: string): Promise<MinutesDocument | undefined> {
    return this.docs.get(roomId);
  }
  async saveDocument(roomId: string, doc: MinutesDocument): Promise<void> {
    this.docs.set(roomId, { ...doc, saves: (this.docs.get(roomId)?.saves ?? 0) + 1 });
  }
  async listVersions(roomId: string): Promise<MinutesVersionRow[]> {
    return this.rows.filter((r) => r.room_id === roomId);
  }
  async version(roomId: string, version: number): Promise<MinutesVersionRow | undefined> {
    return this.rows.find((r) => r.room_id === roomId && r.version === version);
  }
  async appendVersion(v: NewMinutesVersion): Promise<void> {
    if (this.rows.some((r) => r.room_id === v.roomId && r.version === v.version)) throw new Error('duplicate key');
    this.rows.push({
      room_id: v.roomId,
      version: v.version,
      content: structuredClone(v.content),
      prev_hash: v.prevHash,
      hash: v.hash,
      signature: v.signature,
      key_fingerprint: v.keyFingerprint,
      yjs_state: Buffer.from(v.yjsState).toString('base64'),
      created_at: new Date(),
    });
  }
}

const member = (id: string, name: string, userId: string | null): RosterMember => ({
  id,
  display_name: name,
  user_id: userId,
  invite_code: null,
  role: 'member',
  voting: true,
  substitutes_for: null,
  position: 0,
});

/**
 * Stands in for agenda and legal_vote: sends the committee data in the room's first join, as agenda does, and
 * emits legal_vote_final on `final`, as legal_vote does; `fail` refuses as an error of its own would.
 */
const emitterProtocol = defineProtocol({
  namespace: 'vote_emitter',
  commands: z.discriminatedUnion('action', [z.object({ action: z.literal('final') })]),
  messages: z.never(),
  snapshot: z.object({}),
});
function emitter(committee: { roster: RosterMember[]; items: AgendaItem[]; rule: QuorumRule }) {
  return defineFeature({
    ...emitterProtocol,
    emits: [committeeChanged, legalVoteFinal],
    setup: (): HooksOf<typeof emitterProtocol, { sent: boolean }, undefined, typeof committeeChanged | typeof legalVoteFinal> => ({
      init: () => ({ sent: false }),
      onJoin(ctx) {
        if (ctx.state.sent) return;
        ctx.state.sent = true;
        ctx.emit(committeeChanged, committee);
      },
      onCommand(ctx) {
        ctx.emit(legalVoteFinal, VOTE);
      },
    }),
  });
}
const VOTE: LegalVoteFinal = {
  voteId: 'v1',
  title: 'Budget 2027',
  agendaItemId: null,
  kind: 'roll_call',
  tally: { yes: 5, no: 2, abstain: 1 },
  options: [
    { id: 'yes', label: 'yes' },
    { id: 'no', label: 'no' },
    { id: 'abstain', label: 'abstain' },
  ],
  eligible: 9,
  cast: 8,
  chainHead: 'ab'.repeat(32),
  signature: 'sig',
  closedAt: new Date('2026-01-01T10:00:00Z'),
};

function setup(store = new MemoryStore(), roomId = crypto.randomUUID()) {
  const key = SigningKey.generate();
  const chairUser = crypto.randomUUID();
  const roster = [member(crypto.randomUUID(), 'Chair', chairUser), member(crypto.randomUUID(), 'Absent', null), member(crypto.randomUUID(), 'Also absent', null)];
  const rule: QuorumRule = { rule: 'more_than_half', count: null };
  const committee = {
    roster,
    rule,
    items: [
      { id: crypto.randomUUID(), position: 0, title: 'Opening', description: null, public: true, motion: null },
      { id: crypto.randomUUID(), position: 1, title: 'Budget 2027', description: 'Draft budget', public: true, motion: 'Adopt the draft' },
    ],
  };
  const attendance = {
    lines: async () => [
      { displayName: 'Chair', joinedAt: new Date('2026-01-01T09:00:00Z'), leftAt: null },
      { displayName: 'Anna', joinedAt: new Date('2026-01-01T09:05:00Z'), leftAt: new Date('2026-01-01T09:30:00Z') },
    ],
  };
  const t = new ModuleTester({
    features: [emitter(committee), minutesFeature],
    provide: [provide(minutesFeature, { store, attendance })],
    services: { signingKey: key },
    roomId,
    roomName: 'Council',
    timings: { emptyRoomGraceMs: 1_000 },
  });
  return { t, store, key, chairUser };
}

/** A participant's copy of the document, kept in sync from the `sync` messages it received. */
class Client {
  doc = new Y.Doc();
  private seen = 0;
  constructor(readonly p: SimulatedParticipant) {}
  /** Applies the sync messages received since the last call. */
  pull(): void {
    const msgs = this.p.messages(minutesFeature, 'sync');
    for (const m of msgs.slice(this.seen)) {
      const decoder = decoding.createDecoder(new Uint8Array(Buffer.from(m.data as string, 'base64')));
      syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), this.doc, 'server');
    }
    this.seen = msgs.length;
  }
  async requestSync(): Promise<void> {
    const e = encoding.createEncoder();
    syncProtocol.writeSyncStep1(e, this.doc);
    await this.p.send(minutesFeature, { action: 'sync', data: Buffer.from(encoding.toUint8Array(e)).toString('base64') });
    this.pull();
  }
  /** Makes a local edit and sends it as the editor does (an update message). */
  async type(text: string): Promise<void> {
    this.pull();
    let update: Uint8Array | null = null;
    const handler = (u: Uint8Array, origin: unknown) => {
      if (origin !== 'server') update = update ? Y.mergeUpdates([update, u]) : u;
    };
    this.doc.on('update', handler);
    const fragment = this.doc.getXmlFragment('default');
    const p = new Y.XmlElement('paragraph');
    const t = new Y.XmlText();
    t.insert(0, text);
    p.insert(0, [t]);
    fragment.insert(fragment.length, [p]);
    this.doc.off('update', handler);
    const e = encoding.createEncoder();
    syncProtocol.writeUpdate(e, update!);
    await this.p.send(minutesFeature, { action: 'sync', data: Buffer.from(encoding.toUint8Array(e)).toString('base64') });
  }
  /** What the web client does when an edit was refused: drops its copy and syncs afresh. */
  async reset(): Promise<void> {
    this.doc = new Y.Doc();
    await this.requestSync();
  }
  texts(): string[] {
    return documentBlocks(this.doc).map((b) => b.text);
  }
}

const errors = (p: SimulatedParticipant) => p.errors(minutesFeature).map((m) => m.error);
const snapshotOf = (p: SimulatedParticipant) => p.snapshot(minutesFeature);

async function threePeople() {
  const s = setup();
  const chair = new Client(await s.t.join({ displayName: 'Chair', role: 'moderator', userId: s.chairUser }));
  const writer = new Client(await s.t.join({ displayName: 'Writer' }));
  const reader = new Client(await s.t.join({ displayName: 'Reader' }));
  for (const c of [chair, writer, reader]) await c.requestSync();
  return { ...s, chair, writer, reader };
}

describe('minutes module', () => {
  it('applies and relays updates from the chair and named writers; a reader is refused and nothing changes', async () => {
    const { t, chair, writer, reader, store } = await threePeople();
    expect(snapshotOf(reader.p)).toMatchObject({ can_write: false, sealed: false, writer_ids: [] });
    expect(snapshotOf(chair.p).can_write).toBe(true);

    await writer.type('too early');
    expect(errors(writer.p)).toEqual(['not_a_writer']);
    await writer.reset();

    await chair.p.send(minutesFeature, { action: 'set_writers', participant_ids: [writer.p.id] });
    expect(reader.p.messages(minutesFeature, 'writers').at(-1)).toEqual({ message: 'writers', writer_ids: [writer.p.id] });

    await chair.type('Opened at 9:00 by the chair.');
    await writer.type('Ms Writer takes the minutes.');
    for (const c of [chair, writer, reader]) c.pull();
    for (const c of [chair, writer, reader]) expect(c.texts()).toEqual(['Opened at 9:00 by the chair.', 'Ms Writer takes the minutes.']);

    // A crafted update from a reader: refused with the typed error, not applied, not relayed.
    const relayedBefore = chair.p.messages(minutesFeature, 'sync').length;
    await reader.type('Forged sentence.');
    expect(errors(reader.p)).toEqual(['not_a_writer']);
    expect(chair.p.messages(minutesFeature, 'sync').length).toBe(relayedBefore);
    const late = new Client(await t.join({ displayName: 'Late' }));
    await late.requestSync();
    expect(late.texts()).toEqual(['Opened at 9:00 by the chair.', 'Ms Writer takes the minutes.']);

    // A step 2 from a reader is an update too.
    const e = encoding.createEncoder();
    syncProtocol.writeSyncStep2(e, reader.doc);
    await reader.p.send(minutesFeature, { action: 'sync', data: Buffer.from(encoding.toUint8Array(e)).toString('base64') });
    expect(errors(reader.p)).toEqual(['not_a_writer', 'not_a_writer']);

    // Garbage is refused before it reaches the document.
    await writer.p.send(minutesFeature, { action: 'sync', data: Buffer.from([2, 5, 1, 2, 3, 4, 5]).toString('base64') });
    expect(errors(writer.p).at(-1)).toBe('minutes_invalid_update');

    // Saved on the debounce, not on every keystroke.
    expect(store.docs.get(t.roomId)).toBeUndefined();
    await t.advance(MINUTES_SAVE_DEBOUNCE_MS);
    const saved = new Y.Doc();
    Y.applyUpdate(saved, store.docs.get(t.roomId)!.state);
    expect(documentBlocks(saved).map((b) => b.text)).toEqual(['Opened at 9:00 by the chair.', 'Ms Writer takes the minutes.']);

    // Taking the right away takes effect at once.
    await chair.p.send(minutesFeature, { action: 'set_writers', participant_ids: [] });
    await writer.type('after removal');
    expect(errors(writer.p).at(-1)).toBe('not_a_writer');
  });

  it('refuses every chair command from others with forbidden, changing nothing', async () => {
    const { writer, reader, chair, store, t } = await threePeople();
    await chair.p.send(minutesFeature, { action: 'set_writers', participant_ids: [writer.p.id] });
    const before = Y.encodeStateAsUpdate(chair.doc);
    for (const p of [writer.p, reader.p]) {
      p.clear();
      await p.send(minutesFeature, { action: 'set_writers', participant_ids: [p.id] });
      await p.send(minutesFeature, { action: 'insert', block: 'agenda' });
      await p.send(minutesFeature, { action: 'seal' });
      await p.send(minutesFeature, { action: 'amend' });
      expect(errors(p)).toEqual(['forbidden', 'forbidden', 'forbidden', 'forbidden']);
    }
    chair.pull();
    expect(Y.encodeStateAsUpdate(chair.doc)).toEqual(before);
    expect(chair.p.messages(minutesFeature, 'writers').at(-1)).toEqual({ message: 'writers', writer_ids: [writer.p.id] });
    expect(store.rows).toEqual([]);
    await t.advance(MINUTES_SAVE_DEBOUNCE_MS);
    expect(store.docs.get(t.roomId)).toBeUndefined();
    await chair.p.send(minutesFeature, { action: 'set_writers', participant_ids: [crypto.randomUUID()] });
    expect(errors(chair.p)).toEqual(['participant_not_found']);
  });

  it('inserts agenda, attendance and quorum blocks the editor can show', async () => {
    const { chair, reader } = await threePeople();
    await chair.p.send(minutesFeature, { action: 'insert', block: 'agenda', lang: 'en' });
    await chair.p.send(minutesFeature, { action: 'insert', block: 'attendance', lang: 'de', time_zone: 'Europe/Berlin' });
    await chair.p.send(minutesFeature, { action: 'insert', block: 'quorum', lang: 'en', time_zone: 'UTC' });
    expect(errors(chair.p)).toEqual([]);
    reader.pull();
    const blocks = documentBlocks(reader.doc);
    expect(blocks.slice(0, 3)).toEqual([
      { type: 'heading', level: 2, text: 'Agenda' },
      { type: 'list_item', text: '1. Opening' },
      { type: 'list_item', text: '2. Budget 2027 — Draft budget — Motion: Adopt the draft' },
    ]);
    expect(blocks[3]).toEqual({ type: 'heading', level: 2, text: 'Anwesenheit' });
    expect(blocks.slice(5, 7)).toEqual([
      { type: 'list_item', text: 'Chair: gekommen 10:00, anwesend' },
      { type: 'list_item', text: 'Anna: gekommen 10:05, gegangen 10:30' },
    ]);
    // One of three voting seats is filled (the chair's account is on the roster), two are required.
    expect(blocks.slice(7).map((b) => b.text)).toEqual([
      'Quorum (As of 1 Jan 2026, 09:00)',
      'The committee is not quorate.',
      '1 of 3 voting seats filled, 2 required',
      'Rule: more than half',
    ]);
    // The XML is what TipTap's schema expects: heading with a numeric level, bulletList › listItem › paragraph.
    const [heading, list] = reader.doc.getXmlFragment('default').toArray() as Y.XmlElement[];
    expect([heading!.nodeName, heading!.getAttribute('level'), list!.nodeName]).toEqual(['heading', 2, 'bulletList']);
    const item = list!.toArray()[0] as Y.XmlElement;
    expect([item.nodeName, (item.toArray()[0] as Y.XmlElement).nodeName]).toEqual(['listItem', 'paragraph']);
  });

  it('seals a chained, signed version; edits are refused until the chair amends; the next seal links to it', async () => {
    const { chair, writer, reader, store, key, t } = await threePeople();
    await chair.p.send(minutesFeature, { action: 'set_writers', participant_ids: [writer.p.id] });
    await chair.type('Decision: the budget is adopted.');
    await chair.p.send(minutesFeature, { action: 'seal', lang: 'en' });
    const sealed = reader.p.messages(minutesFeature, 'sealed').map((m) => m.version as MinutesVersionSummary);
    expect(sealed).toHaveLength(1);
    const [row1] = store.rows;
    expect(row1!.content).toMatchObject({ version: 1, title: 'Minutes – Council', text: 'Decision: the budget is adopted.', sealed_by: { display_name: 'Chair' } });
    expect(row1!.prev_hash).toBe(GENESIS_HASH);
    expect(row1!.hash).toBe(chainHash(GENESIS_HASH, row1!.content));
    expect(verifySignature(key.publicKey.public_key, minutesSignedMessage(t.roomId, 1, row1!.hash), row1!.signature)).toBe(true);
    expect(sealed[0]).toMatchObject({ version: 1, hash: row1!.hash, key_fingerprint: key.publicKey.fingerprint });
    expect(store.docs.get(t.roomId)?.sealed).toBe(true);

    await writer.type('Sneaky change');
    await chair.type('Chair change');
    await chair.p.send(minutesFeature, { action: 'insert', block: 'agenda' });
    await chair.p.send(minutesFeature, { action: 'seal' });
    expect(errors(writer.p)).toEqual(['minutes_sealed']);
    expect(errors(chair.p)).toEqual(['minutes_sealed', 'minutes_sealed', 'minutes_sealed']);
    const late = new Client(await t.join({ displayName: 'Late' }));
    expect(snapshotOf(late.p)).toMatchObject({ sealed: true, can_write: false, versions: [{ version: 1, hash: row1!.hash }] });

    await chair.p.send(minutesFeature, { action: 'amend' });
    expect(reader.p.messages(minutesFeature, 'reopened')).toHaveLength(1);
    await writer.reset();
    await writer.type('Correction: adopted unanimously.');
    await chair.p.send(minutesFeature, { action: 'seal', title: 'Minutes (amended)' });
    expect(store.rows).toHaveLength(2);
    const row2 = store.rows[1]!;
    expect(row2.content.version).toBe(2);
    expect(row2.prev_hash).toBe(row1!.hash);
    expect(row2.hash).toBe(chainHash(row1!.hash, row2.content));
    expect(row2.content.text).toBe('Decision: the budget is adopted.\nCorrection: adopted unanimously.');
    expect(verifySignature(key.publicKey.public_key, minutesSignedMessage(t.roomId, 2, row2.hash), row2.signature)).toBe(true);
    // Version 1 is untouched.
    expect(store.rows[0]).toBe(row1);
    expect(row1!.content.text).toBe('Decision: the budget is adopted.');
  });

  it('names candidates by their names and yes/no/abstain in the minutes language', () => {
    const vote = { ...VOTE, kind: 'secret', tally: { c1: 3, c2: 4, abstain: 1 }, options: [{ id: 'c1', label: 'Anna Berg' }, { id: 'c2', label: 'Cem Demir' }, { id: 'abstain', label: 'abstain' }] };
    expect(voteBlocks(vote, 'de', 'Europe/Berlin')[1]).toMatchObject({ items: expect.arrayContaining(['Ergebnis: Anna Berg: 3, Cem Demir: 4, Enthaltung: 1', 'Art: geheime Abstimmung']) });
    expect(voteBlocks(VOTE, 'de', 'Europe/Berlin')[1]).toMatchObject({ items: expect.arrayContaining(['Ergebnis: Ja: 5, Nein: 2, Enthaltung: 1']) });
  });

  it('inserts a block for a final legal vote, also into sealed minutes (which reopen)', async () => {
    const { chair, reader } = await threePeople();
    await chair.p.send('vote_emitter', { action: 'final' });
    reader.pull();
    expect(documentBlocks(reader.doc)).toEqual([
      { type: 'heading', level: 2, text: 'Vote: Budget 2027' },
      { type: 'list_item', text: 'Result: Yes: 5, No: 2, Abstain: 1' },
      { type: 'list_item', text: 'Eligible: 9, ballots cast: 8' },
      { type: 'list_item', text: 'Kind: roll-call vote' },
      { type: 'list_item', text: 'Closed: 1 Jan 2026, 10:00' },
      { type: 'list_item', text: `Chain head (SHA-256): ${'ab'.repeat(32)}` },
    ]);
    await chair.p.send(minutesFeature, { action: 'seal' });
    await chair.p.send('vote_emitter', { action: 'final' });
    expect(reader.p.messages(minutesFeature, 'reopened')).toHaveLength(1);
    reader.pull();
    expect(documentBlocks(reader.doc).filter((b) => b.type === 'heading')).toHaveLength(2);
  });

  it('keeps the document when the room closes and opens again (saved with the last leave)', async () => {
    const store = new MemoryStore();
    const roomId = crypto.randomUUID();
    const first = setup(store, roomId);
    const chair = new Client(await first.t.join({ displayName: 'Chair', role: 'moderator' }));
    await chair.requestSync();
    await chair.type('Kept across restarts.');
    await chair.p.leave();
    expect(store.docs.get(roomId)?.saves).toBe(1);

    const second = setup(store, roomId); // a new module instance: as after a server restart
    const reader = new Client(await second.t.join({ displayName: 'Reader' }));
    await reader.requestSync();
    expect(reader.texts()).toEqual(['Kept across restarts.']);
  });

  it('refuses updates beyond the size limit with minutes_full', async () => {
    const { chair, reader, t } = await threePeople();
    // Random text does not compress; 40 000 characters per update fit a signaling frame.
    const random = (n: number) => Array.from({ length: n }, () => String.fromCharCode(33 + Math.floor(Math.random() * 90))).join('');
    let sent = 0;
    while (errors(chair.p).length === 0 && sent < 200) {
      await chair.type(random(40_000));
      await t.advance(100); // within the signaling rate limit
      sent++;
    }
    expect(errors(chair.p)).toEqual(['minutes_full']);
    expect(sent).toBeGreaterThan(90);
    await reader.requestSync();
    expect(Y.encodeStateAsUpdate(reader.doc).byteLength).toBeLessThanOrEqual(MAX_MINUTES_BYTES);
  });

  it('shutdown saves what the debounce has not yet written (the room closes, its feature saves, then the server stops)', async () => {
    const { chair, store, t } = await threePeople();
    await chair.type('Unsaved');
    expect(store.docs.get(t.roomId)).toBeUndefined();
    await t.hub.close('server shutting down');
    expect(store.docs.get(t.roomId)?.saves).toBe(1);
    const saved = new Y.Doc();
    Y.applyUpdate(saved, store.docs.get(t.roomId)!.state);
    expect(documentBlocks(saved).map((b) => b.text)).toEqual(['Unsaved']);
  });

  it('a document that could not be loaded is never saved over: edits are refused until a later load works', async () => {
    const store = new MemoryStore();
    const roomId = crypto.randomUUID();
    store.docs.set(roomId, { state: Y.encodeStateAsUpdate(new Y.Doc()), sealed: false, saves: 0 });
    const keep = (() => {
      const d = new Y.Doc();
      const p = new Y.XmlElement('paragraph');
      const text = new Y.XmlText();
      text.insert(0, 'Stored before');
      p.insert(0, [text]);
      d.getXmlFragment('default').insert(0, [p]);
      return Y.encodeStateAsUpdate(d);
    })();
    store.docs.set(roomId, { state: keep, sealed: false, saves: 0 });
    const original = store.loadDocument.bind(store);
    let failures = 2;
    store.loadDocument = async (id) => {
      if (failures-- > 0) throw new Error('database is away');
      return original(id);
    };
    const { t } = setup(store, roomId);
    const chair = new Client(await t.join({ displayName: 'Chair', role: 'moderator' }));
    await chair.type('Would overwrite');
    expect(errors(chair.p)).toEqual(['internal_error']);
    expect(store.docs.get(roomId)?.saves).toBe(0);
    // The next join retries the load, which works now: the stored text is there and nothing was lost.
    await t.join({ displayName: 'Second' });
    await chair.reset();
    expect(chair.texts()).toEqual(['Stored before']);
  });
});

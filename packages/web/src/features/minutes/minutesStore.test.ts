import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { describe, expect, it, vi } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { FeatureConnection } from '../../meeting/featureStore.ts';
import { FakeSignaling } from '../../meeting/testing/fakeSignaling.ts';
import { MinutesStore } from './minutesStore.ts';

const SELF = '00000000-0000-4000-8000-000000000001';

const messageType = (data: string) => decoding.readVarUint(decoding.createDecoder(Uint8Array.from(atob(data), (c) => c.charCodeAt(0))));

/** The server's document, sent as a step 2 answer. */
function serverStep2(text: string): string {
  const doc = new Y.Doc();
  const p = new Y.XmlElement('paragraph');
  const t = new Y.XmlText();
  t.insert(0, text);
  p.insert(0, [t]);
  doc.getXmlFragment('default').insert(0, [p]);
  const e = encoding.createEncoder();
  syncProtocol.writeSyncStep2(e, doc, Y.encodeStateVector(new Y.Doc()));
  return btoa(String.fromCharCode(...encoding.toUint8Array(e)));
}

describe('MinutesStore', () => {
  it("a reader's own changes are never sent; becoming a writer starts again from the server's document", async () => {
    vi.useFakeTimers();
    try {
      const signaling = new FakeSignaling({ namespace: 'minutes', selfId: SELF });
      const store = new FeatureConnection(signaling).storeOf(MinutesStore);
      signaling.join({ writer_ids: [], can_write: false, sealed: false, versions: [] });
      const serverDocument = serverStep2('Hello council');
      signaling.deliver({ message: 'sync', data: serverDocument });
      const readerDoc = store.getSnapshot().doc;
      // The reader's editor changes its copy on its own (TipTap's trailing paragraph, normalisation): it
      // deletes the server's paragraph and adds one. None of that may reach the server, now or later.
      const local = readerDoc.getXmlFragment('default');
      local.delete(0, 1);
      local.insert(local.length, [new Y.XmlElement('paragraph')]);
      vi.advanceTimersByTime(1_000);
      expect(signaling.payloads.filter((m) => m.action === 'sync')).toHaveLength(1); // only the first sync request

      // Made a writer: a new document, filled from the server's (not from our changed copy), and nothing sent
      // but the request for it.
      signaling.deliver({ message: 'writers', writer_ids: [SELF] });
      const writerDoc = store.getSnapshot().doc;
      expect(writerDoc).not.toBe(readerDoc);
      expect(store.getSnapshot()).toMatchObject({ canWrite: true, synced: false });
      expect(messageType(signaling.payloads.at(-1)!.data as string)).toBe(syncProtocol.messageYjsSyncStep1);
      signaling.deliver({ message: 'sync', data: serverDocument });
      expect(store.getSnapshot().synced).toBe(true);
      vi.advanceTimersByTime(1_000);
      expect(signaling.payloads.filter((m) => m.action === 'sync')).toHaveLength(2);
      expect(writerDoc.getXmlFragment('default').toString()).toBe('<paragraph>Hello council</paragraph>');

      // What we type now goes out, and builds on the server's paragraph.
      const para = writerDoc.getXmlFragment('default').get(0) as Y.XmlElement;
      (para.get(0) as Y.XmlText).insert(13, ': decision taken.');
      vi.advanceTimersByTime(1_000);
      const server = new Y.Doc();
      const serverUpdate = Uint8Array.from(atob(serverDocument), (c) => c.charCodeAt(0));
      const d0 = decoding.createDecoder(serverUpdate);
      decoding.readVarUint(d0);
      Y.applyUpdate(server, decoding.readVarUint8Array(d0));
      for (const m of signaling.payloads.slice(2)) {
        const d = decoding.createDecoder(Uint8Array.from(atob(m.data as string), (c) => c.charCodeAt(0)));
        expect(decoding.readVarUint(d)).toBe(syncProtocol.messageYjsUpdate);
        Y.applyUpdate(server, decoding.readVarUint8Array(d));
      }
      expect(server.store.pendingStructs).toBeNull();
      expect(server.getXmlFragment('default').toString()).toBe('<paragraph>Hello council: decision taken.</paragraph>');
    } finally {
      vi.useRealTimers();
    }
  });

  it('asks for the document after joining, applies it, and follows writers, seal and reopen', () => {
    const signaling = new FakeSignaling({ namespace: 'minutes', selfId: SELF });
    const store = new FeatureConnection(signaling).storeOf(MinutesStore);
    signaling.join({ writer_ids: [], can_write: false, sealed: false, versions: [] });
    expect(signaling.sent).toHaveLength(1);
    expect(messageType(signaling.payloads[0]!.data as string)).toBe(syncProtocol.messageYjsSyncStep1);
    signaling.deliver({ message: 'sync', data: serverStep2('Hello council') });
    expect(store.getSnapshot().synced).toBe(true);
    expect(store.getSnapshot().doc.getXmlFragment('default').toString()).toBe('<paragraph>Hello council</paragraph>');
    expect(store.getSnapshot().canWrite).toBe(false);

    signaling.deliver({ message: 'writers', writer_ids: [SELF] });
    expect(store.getSnapshot().canWrite).toBe(true);
    const version = { version: 1, title: 'Minutes', sealed_at: '2026-01-01T09:00:00.000Z', sealed_by: 'Chair', hash: 'a'.repeat(64), prev_hash: '0'.repeat(64), signature: 's', key_fingerprint: 'f' };
    signaling.deliver({ message: 'sealed', version });
    expect(store.getSnapshot()).toMatchObject({ sealed: true, canWrite: false, versions: [version] });
    signaling.deliver({ message: 'reopened' });
    expect(store.getSnapshot()).toMatchObject({ sealed: false, canWrite: true });
  });

  it('sends local edits of a writer batched as one update; a reader sends nothing; a refusal resyncs', () => {
    vi.useFakeTimers();
    try {
      const signaling = new FakeSignaling({ namespace: 'minutes', selfId: SELF });
      const store = new FeatureConnection(signaling).storeOf(MinutesStore);
      signaling.join({ writer_ids: [SELF], can_write: true, sealed: false, versions: [] });
      const doc = store.getSnapshot().doc;
      const text = new Y.XmlText();
      doc.getXmlFragment('default').insert(0, [text]);
      for (const c of 'abc') text.insert(text.length, c);
      vi.advanceTimersByTime(200);
      expect(signaling.sent).toHaveLength(2);
      expect(messageType(signaling.payloads[1]!.data as string)).toBe(syncProtocol.messageYjsUpdate);

      // No longer a writer: the server's document replaces ours (one sync request), and typing sends nothing.
      signaling.deliver({ message: 'writers', writer_ids: [] });
      expect(store.getSnapshot().doc).not.toBe(doc);
      expect(signaling.sent).toHaveLength(3);
      expect(messageType(signaling.payloads[2]!.data as string)).toBe(syncProtocol.messageYjsSyncStep1);
      text.insert(0, 'x');
      const readerText = new Y.XmlText();
      store.getSnapshot().doc.getXmlFragment('default').insert(0, [readerText]);
      readerText.insert(0, 'y');
      vi.advanceTimersByTime(200);
      expect(signaling.sent).toHaveLength(3);

      const readerDoc = store.getSnapshot().doc;
      signaling.deliver({ message: 'error', error: 'not_a_writer', action: 'sync' });
      expect(store.getSnapshot().doc).not.toBe(readerDoc);
      expect(store.getSnapshot().error).toBe('not_a_writer');
      expect(messageType(signaling.payloads[3]!.data as string)).toBe(syncProtocol.messageYjsSyncStep1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('MinutesStore across a resume', () => {
  const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
  const syncData = (write: (e: encoding.Encoder) => void) => {
    const e = encoding.createEncoder();
    write(e);
    return b64(encoding.toUint8Array(e));
  };
  /** Applies what the client sent (step 2 or update) to the server's document. */
  const applyTo = (server: Y.Doc, data: string) => {
    const d = decoding.createDecoder(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
    const type = decoding.readVarUint(d);
    expect(type).not.toBe(syncProtocol.messageYjsSyncStep1);
    Y.applyUpdate(server, decoding.readVarUint8Array(d));
  };

  it('keeps the document (and so the editor and its caret) and sends back the edit the dropped connection lost', () => {
    vi.useFakeTimers();
    try {
      const signaling = new FakeSignaling({ namespace: 'minutes', selfId: SELF });
      const store = new FeatureConnection(signaling).storeOf(MinutesStore);
      const server = new Y.Doc();
      const para = (text: string) => {
        const p = new Y.XmlElement('paragraph');
        p.insert(0, [new Y.XmlText(text)]);
        return p;
      };
      server.getXmlFragment('default').insert(0, [para('Hello council')]);
      signaling.join({ writer_ids: [SELF], can_write: true, sealed: false, versions: [] });
      signaling.deliver({ message: 'sync', data: syncData((e) => syncProtocol.writeSyncStep2(e, server, Y.encodeStateVector(new Y.Doc()))) });
      const doc = store.getSnapshot().doc;
      // We type a line; it is sent, but the connection drops before the server reads it.
      const fragment = doc.getXmlFragment('default');
      fragment.insert(fragment.length, [para('Decision taken.')]);
      vi.advanceTimersByTime(200);
      expect(signaling.payloads.at(-1)!.action).toBe('sync');
      signaling.sent.length = 0;
      // Meanwhile another writer added a line on the server.
      server.getXmlFragment('default').insert(1, [para('Max: present.')]);

      signaling.join({ writer_ids: [SELF], can_write: true, sealed: false, versions: [] }, { resumed: true });
      expect(store.getSnapshot().doc).toBe(doc);
      const ask = signaling.payloads[0]!.data as string;
      expect(messageType(ask)).toBe(syncProtocol.messageYjsSyncStep1);
      // The server answers our state vector, then sends its own (as the minutes module does).
      const askDecoder = decoding.createDecoder(Uint8Array.from(atob(ask), (c) => c.charCodeAt(0)));
      decoding.readVarUint(askDecoder);
      const ourVector = decoding.readVarUint8Array(askDecoder);
      signaling.deliver({ message: 'sync', data: syncData((e) => syncProtocol.writeSyncStep2(e, server, ourVector)) });
      signaling.deliver({ message: 'sync', data: syncData((e) => syncProtocol.writeSyncStep1(e, server)) });
      for (const m of signaling.payloads.slice(1)) applyTo(server, m.data as string);

      expect(server.store.pendingStructs).toBeNull();
      const text = (d: Y.Doc) => d.getXmlFragment('default').toString();
      expect(text(server)).toContain('<paragraph>Decision taken.</paragraph>');
      expect(text(server)).toContain('<paragraph>Max: present.</paragraph>');
      expect(text(doc)).toBe(text(server));
      // Nothing more is sent when the server already has everything.
      const sentBefore = signaling.sent.length;
      signaling.deliver({ message: 'sync', data: syncData((e) => syncProtocol.writeSyncStep1(e, server)) });
      vi.advanceTimersByTime(200);
      expect(signaling.sent).toHaveLength(sentBefore);
    } finally {
      vi.useRealTimers();
    }
  });

  it('replaces the document on a join that is not a resume, after a seal, and when we lost the right to write', () => {
    const signaling = new FakeSignaling({ namespace: 'minutes', selfId: SELF });
    const store = new FeatureConnection(signaling).storeOf(MinutesStore);
    signaling.join({ writer_ids: [SELF], can_write: true, sealed: false, versions: [] });
    let doc = store.getSnapshot().doc;
    signaling.join({ writer_ids: [SELF], can_write: true, sealed: false, versions: [] });
    expect(store.getSnapshot().doc).not.toBe(doc);
    doc = store.getSnapshot().doc;
    signaling.join({ writer_ids: [], can_write: false, sealed: false, versions: [] }, { resumed: true });
    expect(store.getSnapshot().doc).not.toBe(doc);
    // A reader who resumes as a reader keeps the document.
    doc = store.getSnapshot().doc;
    signaling.join({ writer_ids: [], can_write: false, sealed: false, versions: [] }, { resumed: true });
    expect(store.getSnapshot().doc).toBe(doc);
    const version = { version: 1, title: 'Minutes', sealed_at: '2026-01-01T09:00:00.000Z', sealed_by: 'Chair', hash: 'a'.repeat(64), prev_hash: '0'.repeat(64), signature: 's', key_fingerprint: 'f' };
    signaling.join({ writer_ids: [], can_write: false, sealed: true, versions: [version] }, { resumed: true });
    expect(store.getSnapshot().doc).not.toBe(doc);
  });
});

describe('MinutesStore with a large paste', () => {
  it('sends edits one by one when together they are too large, and refuses one that alone is too large', () => {
    vi.useFakeTimers();
    try {
      const signaling = new FakeSignaling({ namespace: 'minutes', selfId: SELF });
      const store = new FeatureConnection(signaling).storeOf(MinutesStore);
      signaling.join({ writer_ids: [SELF], can_write: true, sealed: false, versions: [] });
      const text = new Y.XmlText();
      store.getSnapshot().doc.getXmlFragment('default').insert(0, [text]);
      vi.advanceTimersByTime(200);
      signaling.sent.length = 0;
      // Random text does not compress: two pastes of 30 000 characters make ~80 000 base64 characters together.
      const random = (n: number) => Array.from({ length: n }, () => String.fromCharCode(33 + Math.floor(Math.random() * 90))).join('');
      text.insert(0, random(30_000));
      text.insert(0, random(30_000));
      vi.advanceTimersByTime(200);
      expect(signaling.sent).toHaveLength(2);
      for (const m of signaling.payloads) expect((m.data as string).length).toBeLessThanOrEqual(60_000);

      text.insert(0, random(60_000));
      vi.advanceTimersByTime(200);
      expect(store.getSnapshot().error).toBe('too_large');
      expect(messageType(signaling.payloads.at(-1)!.data as string)).toBe(syncProtocol.messageYjsSyncStep1);
    } finally {
      vi.useRealTimers();
    }
  });
});

import { MAX_CHAT_MESSAGE_LENGTH } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import type { SignalingTimings } from '../../signaling/hub.ts';
import { ModuleTester, type SimulatedParticipant } from '../../signaling/testing.ts';
import { chatFeature, createChatFeature, type ChatLimits } from './index.ts';

const room = { scope: 'room' } as const;
const to = (p: SimulatedParticipant) => ({ scope: 'private', participant_id: p.id }) as const;

function setup(limits: Partial<ChatLimits> = {}, timings: Partial<SignalingTimings> = {}) {
  return new ModuleTester({ features: [createChatFeature(limits)], timings });
}

/** Texts of the chat messages this participant received, in order. */
const texts = (p: SimulatedParticipant) => p.messages(chatFeature, 'message_sent').map((m) => m.entry.text);
const errors = (p: SimulatedParticipant) => p.errors(chatFeature).map((e) => e.error);
const snapshotOf = (p: SimulatedParticipant) => p.snapshot(chatFeature);

describe('chat', () => {
  it('delivers room messages to everyone with server id, time and sender; text stays verbatim', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna', kind: 'guest' });
    const b = await t.join({ displayName: 'Ben', kind: 'guest' });
    const evil = '<script>alert(1)</script> see https://example.org & "quotes" <b>bold</b>';
    await a.send(chatFeature, { action: 'send_message', text: evil, to: room });
    for (const p of [chair, a, b]) {
      const [sent] = p.messages(chatFeature, 'message_sent');
      expect(sent).toEqual({
        message: 'message_sent',
        entry: { id: expect.any(String), timestamp: '2026-01-01T09:00:00.000Z', scope: 'room', sender: { id: a.id, display_name: 'Anna', kind: 'guest' }, recipients: [], text: evil },
      });
    }
    // The raw frame carries the same characters (JSON-escaped, never HTML-escaped or stripped).
    expect(b.last('chat')!.payload).toMatchObject({ entry: { text: evil } });
    const late = await t.join({ displayName: 'Late' });
    expect(snapshotOf(late).messages.map((m) => m.text)).toEqual([evil]);
  });

  it('private messages reach only sender and recipient; group messages only the chosen people', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    const c = await t.join({ displayName: 'Cem' });
    await b.send(chatFeature, { action: 'send_message', text: 'only for the chair', to: to(chair) });
    expect(texts(chair)).toEqual(['only for the chair']);
    expect(texts(b)).toEqual(['only for the chair']);
    expect(texts(a)).toEqual([]);
    expect(texts(c)).toEqual([]);
    expect(chair.messages(chatFeature, 'message_sent')[0]).toMatchObject({ entry: { scope: 'private', sender: { id: b.id }, recipients: [{ id: chair.id, display_name: 'Chair' }] } });

    // Duplicates and the sender itself in the list are ignored.
    await a.send(chatFeature, { action: 'send_message', text: 'group', to: { scope: 'group', participant_ids: [b.id, c.id, b.id, a.id] } });
    expect(texts(b).at(-1)).toBe('group');
    expect(texts(c).at(-1)).toBe('group');
    expect(texts(a).at(-1)).toBe('group');
    expect(texts(chair)).toEqual(['only for the chair']);
    expect(b.messages(chatFeature, 'message_sent').at(-1)).toMatchObject({ entry: { scope: 'group', recipients: [{ id: b.id }, { id: c.id }] } });
  });

  it('refuses messages to nobody, to oneself, to someone not in the room, empty or too long — and stores nothing', async () => {
    const t = setup();
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    await a.send(chatFeature, { action: 'send_message', text: 'hi', to: to(a) });
    await a.send(chatFeature, { action: 'send_message', text: 'hi', to: { scope: 'group', participant_ids: [a.id] } });
    await a.send(chatFeature, { action: 'send_message', text: 'hi', to: { scope: 'private', participant_id: crypto.randomUUID() } });
    await a.send(chatFeature, { action: 'send_message', text: '   \n ', to: room });
    await a.send(chatFeature, { action: 'send_message', text: 'x'.repeat(MAX_CHAT_MESSAGE_LENGTH + 1), to: room });
    await a.send('chat', { action: 'send_message', text: 'hi', to: { scope: 'everyone' } });
    await a.send('chat', { action: 'send_message', text: 'hi', to: room, sender: b.id });
    expect(errors(a)).toEqual(['invalid_command', 'invalid_command', 'participant_not_found', 'invalid_command', 'invalid_command', 'invalid_command', 'invalid_command']);
    expect(texts(a)).toEqual([]);
    expect(texts(b)).toEqual([]);
    // Exactly the limit is fine.
    await a.send(chatFeature, { action: 'send_message', text: 'x'.repeat(MAX_CHAT_MESSAGE_LENGTH), to: room });
    expect(texts(b)).toHaveLength(1);
  });

  it('a late joiner gets the room history and only the private messages they are part of', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    await a.send(chatFeature, { action: 'send_message', text: 'hello all', to: room });
    await t.advance(1_000);
    await a.send(chatFeature, { action: 'send_message', text: 'psst chair', to: to(chair) });
    const late = await t.join({ displayName: 'Late' });
    await chair.send(chatFeature, { action: 'send_message', text: 'welcome late', to: to(late) });
    expect(snapshotOf(late)).toEqual({ enabled: true, messages: [expect.objectContaining({ text: 'hello all', timestamp: '2026-01-01T09:00:00.000Z' })] });
    const later = await t.join({ displayName: 'Later' });
    expect(snapshotOf(later).messages.map((m) => m.text)).toEqual(['hello all']);
    // The chair, coming back after a drop, finds both private conversations and the room history in order.
    await chair.drop();
    await chair.resume();
    expect(snapshotOf(chair).messages.map((m) => m.text)).toEqual(['hello all', 'psst chair', 'welcome late']);
  });

  it('keeps the last 200 room messages and the last 200 own private messages in the snapshot; nothing is lost in between', async () => {
    const t = setup({ messageBurst: 1_000, messagesPerSecond: 1_000 }, { commandBurst: 1_000, commandsPerSecond: 1_000 });
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    for (let i = 0; i < 230; i++) await a.send(chatFeature, { action: 'send_message', text: `room ${i}`, to: room });
    for (let i = 0; i < 210; i++) await a.send(chatFeature, { action: 'send_message', text: `private ${i}`, to: to(b) });
    expect(texts(b)).toHaveLength(440);
    const late = await t.join();
    const lateTexts = snapshotOf(late).messages.map((m) => m.text);
    expect(lateTexts).toHaveLength(200);
    expect(lateTexts[0]).toBe('room 30');
    expect(lateTexts.at(-1)).toBe('room 229');
    await b.drop();
    await b.resume();
    const bTexts = snapshotOf(b).messages.map((m) => m.text);
    expect(bTexts).toHaveLength(400);
    expect(bTexts[0]).toBe('room 30');
    expect(bTexts[200]).toBe('private 10');
    expect(bTexts.at(-1)).toBe('private 209');
    // Ids are unique.
    expect(new Set(b.messages(chatFeature, 'message_sent').map((m) => (m.entry as { id: string }).id)).size).toBe(440);
  });

  it('a moderator disables the chat: participants are refused, moderators still send; enabling restores it', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna', kind: 'guest' });
    await chair.send(chatFeature, { action: 'disable_chat' });
    expect(a.messages(chatFeature, 'chat_disabled')).toEqual([{ message: 'chat_disabled', by: chair.id }]);
    await a.send(chatFeature, { action: 'send_message', text: 'let me speak', to: room });
    await a.send(chatFeature, { action: 'send_message', text: 'let me speak', to: to(chair) });
    expect(errors(a)).toEqual(['chat_disabled', 'chat_disabled']);
    expect(texts(chair)).toEqual([]);
    await chair.send(chatFeature, { action: 'send_message', text: 'order please', to: room });
    expect(texts(a)).toEqual(['order please']);
    const late = await t.join();
    expect(snapshotOf(late).enabled).toBe(false);
    // Disabling twice announces nothing new.
    await chair.send(chatFeature, { action: 'disable_chat' });
    expect(a.messages(chatFeature, 'chat_disabled')).toHaveLength(1);
    await chair.send(chatFeature, { action: 'enable_chat' });
    expect(a.messages(chatFeature, 'chat_enabled')).toEqual([{ message: 'chat_enabled', by: chair.id }]);
    await a.send(chatFeature, { action: 'send_message', text: 'thanks', to: room });
    expect(texts(chair)).toEqual(['order please', 'thanks']);
  });

  it('a moderator clears the history for everyone (room and private); late joiners see nothing of it', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    await a.send(chatFeature, { action: 'send_message', text: 'room', to: room });
    await a.send(chatFeature, { action: 'send_message', text: 'private', to: to(b) });
    await chair.send(chatFeature, { action: 'clear_history' });
    for (const p of [chair, a, b]) expect(p.messages(chatFeature, 'history_cleared')).toEqual([{ message: 'history_cleared', by: chair.id }]);
    await b.drop();
    await b.resume();
    expect(snapshotOf(b).messages).toEqual([]);
    await a.send(chatFeature, { action: 'send_message', text: 'after', to: room });
    expect(snapshotOf(await t.join()).messages.map((m) => m.text)).toEqual(['after']);
  });

  it('refuses every moderator command from a participant with forbidden, and changes nothing', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna', kind: 'guest' });
    const u = await t.join({ displayName: 'Ulla', kind: 'user' });
    await chair.send(chatFeature, { action: 'send_message', text: 'kept', to: room });
    chair.clear();
    for (const p of [a, u]) {
      await p.send(chatFeature, { action: 'disable_chat' });
      await p.send(chatFeature, { action: 'clear_history' });
    }
    expect(errors(a)).toEqual(['forbidden', 'forbidden']);
    expect(errors(u)).toEqual(['forbidden', 'forbidden']);
    expect(a.errors(chatFeature)[0]).toEqual({ message: 'error', error: 'forbidden', action: 'disable_chat' });
    expect(chair.messages(chatFeature)).toEqual([]);
    expect(snapshotOf(await t.join())).toMatchObject({ enabled: true, messages: [expect.objectContaining({ text: 'kept' })] });

    await chair.send(chatFeature, { action: 'disable_chat' });
    a.clear();
    await a.send(chatFeature, { action: 'enable_chat' });
    expect(errors(a)).toEqual(['forbidden']);
    expect(a.messages(chatFeature, 'chat_enabled')).toEqual([]);
    expect(snapshotOf(await t.join()).enabled).toBe(false);
  });

  it('limits messages per participant, independently of others, and refills with time', async () => {
    const t = setup({ messagesPerSecond: 1, messageBurst: 3 });
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    for (let i = 0; i < 5; i++) await a.send(chatFeature, { action: 'send_message', text: `a${i}`, to: room });
    expect(texts(b)).toEqual(['a0', 'a1', 'a2']);
    expect(a.errors(chatFeature)).toEqual([
      { message: 'error', error: 'rate_limited', action: 'send_message', retry_after_ms: 1000 },
      { message: 'error', error: 'rate_limited', action: 'send_message', retry_after_ms: 1000 },
    ]);
    await b.send(chatFeature, { action: 'send_message', text: 'b0', to: room });
    expect(texts(a).at(-1)).toBe('b0');
    await t.advance(1_000);
    await a.send(chatFeature, { action: 'send_message', text: 'a-later', to: room });
    expect(texts(b).at(-1)).toBe('a-later');
  });

  it('bounds what a room stores; clearing makes room again', async () => {
    const t = setup({ maxStoredChars: 10 });
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join();
    await a.send(chatFeature, { action: 'send_message', text: '12345678', to: room });
    await a.send(chatFeature, { action: 'send_message', text: '123', to: room });
    expect(errors(a)).toEqual(['chat_full']);
    await chair.send(chatFeature, { action: 'clear_history' });
    await a.send(chatFeature, { action: 'send_message', text: '123', to: room });
    expect(texts(chair).at(-1)).toBe('123');
  });

  it('private messages to a participant during their resume window wait in the snapshot; history survives the sender leaving', async () => {
    const t = setup();
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    await b.drop();
    await a.send(chatFeature, { action: 'send_message', text: 'are you there?', to: to(b) });
    expect(errors(a)).toEqual([]);
    await b.resume();
    expect(snapshotOf(b).messages.map((m) => m.text)).toEqual(['are you there?']);
    await a.send(chatFeature, { action: 'send_message', text: 'bye', to: room });
    await a.leave();
    await b.send(chatFeature, { action: 'send_message', text: 'gone?', to: to(a) });
    expect(errors(b)).toEqual(['participant_not_found']);
    expect(snapshotOf(await t.join()).messages).toEqual([expect.objectContaining({ text: 'bye', sender: { id: a.id, display_name: 'Anna', kind: 'user' } })]);
  });
});

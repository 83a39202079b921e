import { Writable } from 'node:stream';
import { defineProtocol } from '@plenum/protocol';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chatFeature } from '../modules/chat/index.ts';
import { controlFeature } from '../modules/control/index.ts';
import { moderationFeature } from '../modules/moderation/index.ts';
import { MemoryModerationStore } from '../modules/moderation/storage.ts';
import { defineFeature } from './feature.ts';
import { ModuleTester, provide } from './testing.ts';

/**
 * Audit finding 4 (issue #11): human text in signaling commands. U+0000, other control characters and bidi
 * controls are `invalid_command` naming the field, and nothing changes; and a feature whose onJoin fails is
 * never silent.
 */
describe('human text in signaling commands', () => {
  const room = { scope: 'room' } as const;

  it('a chat message with U+0000 (or a bidi override) is invalid_command naming the field; nothing is sent or kept', async () => {
    const t = new ModuleTester({ features: [chatFeature] });
    const a = await t.join({ displayName: 'Anna', kind: 'guest' });
    const b = await t.join({ displayName: 'Ben' });
    for (const text of ['hello\u0000', 'pay to \u202Eabc', 'a\u009bb', 'a\uD800b']) {
      await a.send('chat', { action: 'send_message', text, to: room });
    }
    const errors = a.errors(chatFeature);
    expect(errors.map((e) => e.error)).toEqual(['invalid_command', 'invalid_command', 'invalid_command', 'invalid_command']);
    for (const e of errors) expect(e).toMatchObject({ action: 'send_message', issues: [{ path: 'text', message: expect.stringMatching(/^must not contain /) }] });
    expect(b.messages(chatFeature, 'message_sent')).toEqual([]);
    expect(a.messages(chatFeature, 'message_sent')).toEqual([]);
    const late = await t.join({ displayName: 'Late' });
    expect(late.snapshot(chatFeature).messages).toEqual([]);

    // Multi-line text keeps its line breaks and tabs, and arrives in NFC.
    await a.send(chatFeature, { action: 'send_message', text: 'Caf\u0065\u0301\n\tzwei Zeilen', to: room });
    expect(b.messages(chatFeature, 'message_sent').map((m) => m.entry.text)).toEqual(['Caf\u00e9\n\tzwei Zeilen']);
  });

  it('a guest cannot join, rename themselves or be renamed with U+0000 in the name', async () => {
    const t = new ModuleTester({ features: [controlFeature, moderationFeature], provide: [provide(moderationFeature, { store: new MemoryModerationStore() })] });
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const eve = await t.join({ kind: 'guest', displayName: 'Guest', join: { display_name: 'Eve\u0000' } });
    expect(eve.errors(controlFeature)).toMatchObject([{ error: 'invalid_command', action: 'join', issues: [{ path: 'display_name' }] }]);
    expect(eve.messages(controlFeature, 'join_success')).toEqual([]);
    expect(chair.messages(controlFeature, 'joined')).toEqual([]);
    expect([...(await t.room()).members.keys()]).toEqual([chair.id]);

    const gus = await t.join({ kind: 'guest', displayName: 'Gus' });
    chair.clear();
    await gus.send('control', { action: 'update_display_name', display_name: 'Gus\u202E' });
    await chair.send('moderation', { action: 'rename', target: gus.id, display_name: 'Gus\u0000' });
    expect(gus.lastError(controlFeature)).toBe('invalid_command');
    expect(chair.lastError(moderationFeature)).toBe('invalid_command');
    expect(chair.messages(controlFeature, 'update')).toEqual([]);
    expect((await t.room()).members.get(gus.id)?.displayName).toBe('Gus');
  });
});

describe('a feature whose onJoin fails', () => {
  const brokenProtocol = defineProtocol({
    namespace: 'broken',
    commands: z.discriminatedUnion('action', [z.object({ action: z.literal('noop') }).strict()]),
    messages: z.never(),
    snapshot: z.object({}),
  });
  const broken = defineFeature({
    ...brokenProtocol,
    setup: () => ({
      init: () => ({}),
      onJoin(_ctx, who) {
        if (who.displayName === 'Unlucky') throw new Error('storage refused the join');
      },
      onCommand() {},
    }),
  });

  it('is logged with its context, the participant is told internal_error, and the other features still run', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const t = new ModuleTester({ features: [broken, chatFeature], logger: pino({ level: 'info' }, sink) });
    const lucky = await t.join({ displayName: 'Lucky' });
    const unlucky = await t.join({ displayName: 'Unlucky' });

    expect(lucky.messages('broken')).toEqual([]);
    expect(unlucky.messages('broken')).toEqual([{ message: 'error', error: 'internal_error', action: 'join' }]);
    // The participant is in the meeting all the same, and the features after the broken one saw the join.
    expect(unlucky.messages('control', 'join_success')).toHaveLength(1);
    await unlucky.send(chatFeature, { action: 'send_message', text: 'still here', to: { scope: 'room' } });
    expect(lucky.messages(chatFeature, 'message_sent').map((m) => m.entry.text)).toEqual(['still here']);

    const failed = lines.filter((l) => l.msg === 'feature onJoin failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 50, namespace: 'broken', participantId: unlucky.id, err: { message: 'storage refused the join' } });
    expect(t.taskErrors).toHaveLength(1);
  });
});

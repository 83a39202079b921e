// End to end with a real phone: baresip dials the gateway, sends the meeting ID and PIN as RFC 4733
// events (ctrl_tcp `sndcode`), and records what it hears (sndfile module); wrong PINs three times → BYE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { press, rmsOf, startBaresip, type BaresipPhone, type Ctrl } from './baresip-phone.ts';
import { confirmed, ScriptedLink, startTestGateway } from './testing.ts';

const link = new ScriptedLink('4711', '0815');
let env: Awaited<ReturnType<typeof startTestGateway>>;
let phone: BaresipPhone;
let ctrl: Ctrl;

beforeAll(async () => {
  env = await startTestGateway({ SIP_RTP_PORTS: '41600-41699' }, link);
  phone = await startBaresip({ user: 'phone', toneHz: 440 });
  ctrl = phone.ctrl;
});

afterAll(async () => {
  await phone?.stop();
  await env?.gw.stop();
});

const decodedDumps = () => phone.heard();

describe('baresip calls the IVR', () => {
  it('enters the meeting ID and PIN by RFC 4733; authorize gets the digits; the caller hears the prompts', async () => {
    const from = ctrl.events.length;
    const acked = confirmed(env.gw);
    ctrl.send('dial', `sip:1234@127.0.0.1:${env.port}`);
    await ctrl.waitEvent('CALL_ESTABLISHED', from);
    await acked;
    const auth = link.next();
    await press(env.gw, ctrl, '4711#');
    await press(env.gw, ctrl, '0815#');
    const req = await auth;
    expect(req).toMatchObject({ dialInId: '4711', pin: '0815', caller: 'phone' });
    expect(req.source).toMatch(/^127\.0\.0\.1:\d+$/);
    const before = ctrl.events.length;
    ctrl.send('hangup');
    await ctrl.waitEvent('CALL_CLOSED', before);
    expect(env.gw.ended.at(-1)?.reason).toBe('caller_bye');
    // What the phone heard (sndfile writes the decoded audio when the call closes).
    const dumps = await decodedDumps();
    expect(dumps.length).toBeGreaterThanOrEqual(1);
    const heard = await rmsOf(dumps.at(-1) ?? '');
    console.log(`baresip heard ${heard.seconds} s of IVR audio, RMS ${heard.rms}`);
    expect(heard.rms).toBeGreaterThan(0.01);
  });

  it('three wrong PINs: goodbye, then the gateway hangs up', async () => {
    const from = ctrl.events.length;
    const firstAuth = link.requests.length;
    const acked = confirmed(env.gw);
    ctrl.send('dial', `sip:1234@127.0.0.1:${env.port}`);
    await ctrl.waitEvent('CALL_ESTABLISHED', from);
    await acked;
    for (let attempt = 0; attempt < 3; attempt++) {
      const auth = link.next();
      await press(env.gw, ctrl, '4711#');
      await press(env.gw, ctrl, '9999#');
      expect((await auth).pin).toBe('9999');
    }
    const closed = await ctrl.waitEvent('CALL_CLOSED', from);
    expect(closed.param ?? '').not.toMatch(/reset by user/i);
    expect(link.requests.length - firstAuth).toBe(3);
    expect(env.gw.ended.at(-1)?.reason).toBe('ivr_failed');
    // The phone heard the prompts of three rounds and the goodbye: more than in the first call.
    const dumps = await decodedDumps();
    const heard = await rmsOf(dumps.at(-1) ?? '');
    console.log(`baresip heard ${heard.seconds} s before the gateway hung up, RMS ${heard.rms}`);
    expect(heard.rms).toBeGreaterThan(0.01);
  });
});

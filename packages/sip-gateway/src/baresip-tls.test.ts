// RTP ports of this file: 41500-41599.
// SIPS + SRTP with a real phone: baresip (srtp.so, `;transport=tls`, `mediaenc=srtp-mand`) dials a sips: URI
// on the gateway's TLS port; the IVR runs over SRTP (meeting ID and PIN as RFC 4733 events inside SRTP),
// the prompts reach the phone (its recording is not silent), and the caller's decrypted audio is relayed as
// plain RTP to a stand-in for Janus. A plain-RTP phone calling this TLS-only gateway is refused with 488.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav, rmsOf, startBaresip, type BaresipPhone } from './baresip-phone.ts';
import type { MeetingCall } from './gateway.ts';
import { encodeG711 } from './rtp/g711.ts';
import { buildRtp } from './rtp/packet.ts';
import { confirmed, RtpPeer, ScriptedLink, selfSignedCert, startTestGateway } from './testing.ts';

const link = new ScriptedLink('4711', '0815');
let env: Awaited<ReturnType<typeof startTestGateway>>;
let cert: Awaited<ReturnType<typeof selfSignedCert>>;
let phone: BaresipPhone;
let plainPhone: BaresipPhone;
let janus: RtpPeer;
let inMeeting: ((c: MeetingCall) => void) | undefined;

beforeAll(async () => {
  cert = await selfSignedCert();
  janus = await new RtpPeer().open();
  // TLS only: no UDP or TCP listener.
  env = await startTestGateway({ SIP_TRANSPORTS: 'tls', SIP_TLS_LISTEN: '127.0.0.1:0', SIP_TLS_CERT: cert.cert, SIP_TLS_KEY: cert.key, SIP_RTP_PORTS: '41500-41599' }, link, {
    onAuthorized(call) {
      inMeeting?.(call);
    },
  });
  phone = await startBaresip({ user: 'securephone', toneHz: 440, tls: { caFile: cert.cert }, mediaenc: 'srtp-mand' });
  plainPhone = await startBaresip({ user: 'plainphone', toneHz: 440, tls: { caFile: cert.cert } });
}, 30_000);

afterAll(async () => {
  await Promise.all([phone?.stop(), plainPhone?.stop()]);
  await env?.gw.stop();
  janus?.close();
  await cert?.cleanup();
});

/** Goertzel power at `hz`, normalised by the signal's energy. */
function powerAt(x: Int16Array, rate: number, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const v of x) {
    const s0 = v + k * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += v * v;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (energy * x.length || 1);
}

async function press(p: BaresipPhone, keys: string): Promise<void> {
  for (const k of keys) {
    const seen = new Promise<void>((resolve) => {
      const off = env.gw.onCallEvent((_id, e) => {
        if (e.type === 'digit' && e.digit === k) {
          off();
          resolve();
        }
      });
    });
    p.ctrl.send('sndcode', k);
    await seen;
  }
}

describe('baresip over TLS with SRTP', () => {
  it('dials sips:, enters ID and PIN by RFC 4733 inside SRTP, hears the prompts, and its audio reaches the relay decrypted', async () => {
    const ctrl = phone.ctrl;
    const from = ctrl.events.length;
    const acked = confirmed(env.gw);
    ctrl.send('dial', `sips:1234@127.0.0.1:${env.gw.tlsPort}`);
    await ctrl.waitEvent('CALL_ESTABLISHED', from);
    const callId = await acked;
    const call = env.gw.calls.values().next().value;
    expect(call?.flow.transport).toBe('tls');
    expect(call?.media?.srtp).toBeDefined();
    const meeting = new Promise<MeetingCall>((r) => (inMeeting = r));
    const auth = link.next();
    await press(phone, '4711#');
    await press(phone, '0815#');
    expect(await auth).toMatchObject({ dialInId: '4711', pin: '0815', caller: 'securephone', callId });
    // In the meeting: the caller's audio, decrypted, goes to the plain-RTP leg (Janus's place).
    const m = await meeting;
    await m.play('beep', { interrupt: true });
    const relay = m.startRelay({ address: '127.0.0.1', port: janus.port, payloadType: 0 });
    const have = janus.packets.length;
    await janus.waitForCount(have + 25);
    const got = janus.packets.slice(have);
    expect(got.every((p) => p.payloadType === 0 && p.payload.length === 160)).toBe(true);
    // µ-law of a 440 Hz sine at 0.3: not the silence byte pattern, and not ciphertext's uniform spread.
    const distinct = new Set(got.flatMap((p) => [...p.payload])).size;
    expect(distinct).toBeGreaterThan(10);
    expect(distinct).toBeLessThan(200);
    expect(call?.media?.srtpDropped).toBe(0);
    // "Janus" sends 1 s of 1000 Hz in plain RTP; the gateway encrypts it towards the phone.
    const tone = encodeG711(Int16Array.from({ length: 8000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000))), 'pcmu');
    for (let i = 0; i < 50; i++) {
      janus.send(buildRtp({ payloadType: 0, sequence: 300 + i, timestamp: 4000 + i * 160, ssrc: 4242, payload: tone.subarray(i * 160, i * 160 + 160) }), m.media.localPort);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(relay.stats().toCaller).toBe(50);
    await new Promise((r) => setTimeout(r, 200)); // the phone's jitter buffer plays out
    const before = ctrl.events.length;
    m.hangup(); // the gateway's BYE goes back over the TLS connection
    await ctrl.waitEvent('CALL_CLOSED', before);
    expect(env.gw.ended.at(-1)?.reason).toBe('gateway');
    const dumps = await phone.heard();
    expect(dumps.length).toBeGreaterThanOrEqual(1);
    const heard = await rmsOf(dumps.at(-1) ?? '');
    console.log(`baresip (TLS + SRTP) heard ${heard.seconds} s of IVR audio and the relayed tone, RMS ${heard.rms}`);
    expect(heard.rms).toBeGreaterThan(0.01);
    // The relayed tone came through SRTP: a sharp peak at 1000 Hz, none at the neighbours.
    const { rate, samples } = await readWav(dumps.at(-1) ?? '');
    const at1000 = powerAt(samples, rate, 1000);
    console.log(`power at 1000 Hz ${at1000.toExponential(2)}, at 900 Hz ${powerAt(samples, rate, 900).toExponential(2)}, at 440 Hz ${powerAt(samples, rate, 440).toExponential(2)}`);
    expect(at1000).toBeGreaterThan(20 * powerAt(samples, rate, 900));
    expect(at1000).toBeGreaterThan(20 * powerAt(samples, rate, 1100));
  });

  it('a plain-RTP offer over TLS is refused with 488', async () => {
    const ctrl = plainPhone.ctrl;
    const from = ctrl.events.length;
    const refusedBefore = env.gw.stats.responses[488] ?? 0;
    ctrl.send('dial', `sip:1234@127.0.0.1:${env.gw.tlsPort};transport=tls`);
    const closed = await ctrl.waitEvent('CALL_CLOSED', from);
    console.log(`plain baresip over TLS: ${closed.param}`);
    expect(closed.param ?? '').toMatch(/488/);
    expect((env.gw.stats.responses[488] ?? 0) - refusedBefore).toBe(1);
    expect(ctrl.events.slice(from).some((e) => e.type === 'CALL_ESTABLISHED')).toBe(false);
  });
});

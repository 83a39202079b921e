import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config.ts';
import type { AuthorizeResult } from '../plenum.ts';
import { Ivr, type IvrPort } from './ivr.ts';
import { ensurePrompts, LANGUAGES, PROMPT_NAMES, promptPath } from './prompts.ts';
import type { Digit } from '../rtp/dtmf.ts';

const run = promisify(execFile);

function fakePort(results: (AuthorizeResult | Error)[]) {
  const played: string[] = [];
  const auth: string[] = [];
  const events: string[] = [];
  let hungUp: string | undefined;
  let onHangup: () => void = () => undefined;
  const hangup = new Promise<string>((r) => (onHangup = () => r(hungUp ?? '')));
  const port: IvrPort = {
    play: async (lang, p) => {
      played.push(`${lang}/${p}`);
      return 'done';
    },
    stopPrompt: () => undefined,
    authorize: async (id, pin) => {
      auth.push(`${id}/${pin}`);
      const r = results.shift();
      if (!r || r instanceof Error) throw r ?? new Error('none');
      return r;
    },
    onAuthorized: () => events.push('authorized'),
    onMeetingEvent: (e) => events.push(e.type),
    hangup: (reason) => {
      hungUp = reason;
      onHangup();
    },
    log: () => undefined,
  };
  return { port, played, auth, events, hangup };
}

const flush = () => new Promise((r) => setImmediate(r));
async function keys(ivr: Ivr, s: string) {
  for (const k of s) {
    ivr.onDigit(k as Digit);
    await flush();
  }
}

describe('IVR', () => {
  it('three wrong attempts → goodbye, then hang-up', async () => {
    const f = fakePort([{ ok: false, reason: 'wrong_credentials' }, { ok: false, reason: 'wrong_credentials' }, { ok: false, reason: 'wrong_credentials' }]);
    const ivr = new Ivr(f.port, 'de', 60_000);
    ivr.start();
    await keys(ivr, '1#2#1#2#1#2#');
    expect(await f.hangup).toBe('ivr_failed');
    expect(f.auth).toEqual(['1/2', '1/2', '1/2']);
    expect(f.played.filter((p) => p === 'de/not_correct')).toHaveLength(2);
    expect(f.played.at(-1)).toBe('de/goodbye');
  });

  it('lockout and errors → goodbye; * switches to English; in the meeting *6 and *9 are events', async () => {
    const locked = fakePort([{ ok: false, reason: 'locked', retryAfterS: 60 }]);
    const a = new Ivr(locked.port, 'de', 60_000);
    a.start();
    await keys(a, '*1#2#');
    expect(await locked.hangup).toBe('ivr_locked');
    expect(locked.played).toContain('en/enter_meeting_id');
    expect(locked.played.at(-1)).toBe('en/goodbye');
    const broken = fakePort([new Error('down')]);
    const b = new Ivr(broken.port, 'en', 60_000);
    b.start();
    await keys(b, '1#2#');
    expect(await broken.hangup).toBe('ivr_error');
    const ok = fakePort([{ ok: true, session: { ticket: 't', resumption: 'r', signalingUrl: 'ws://x', roomId: 'r', participantDisplayName: 'P', language: undefined } }]);
    const c = new Ivr(ok.port, 'de', 60_000);
    c.start();
    await keys(c, '1#2#*6*9*1**6');
    expect(ok.events).toEqual(['authorized', 'toggle_mute', 'toggle_hand', 'toggle_mute']);
    expect(c.state).toBe('in_meeting');
  });
});

describe('IVR input timeout', () => {
  it('repeats the prompt after silence and says goodbye the third time (fake clock)', async () => {
    vi.useFakeTimers();
    try {
      const f = fakePort([]);
      const ivr = new Ivr(f.port, 'de', 1000);
      ivr.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(f.played).toEqual(['de/welcome', 'de/enter_meeting_id']);
      await vi.advanceTimersByTimeAsync(1000);
      expect(f.played.at(-1)).toBe('de/enter_meeting_id');
      expect(f.played).toHaveLength(3);
      await vi.advanceTimersByTimeAsync(1000);
      await vi.advanceTimersByTimeAsync(1000);
      expect(await f.hangup).toBe('ivr_timeout');
      expect(f.played.at(-1)).toBe('de/goodbye');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('prompts', () => {
  it('are rendered as 8 kHz mono audio that is not silent', async () => {
    const dir = loadConfig({}).promptsDir;
    await ensurePrompts(dir);
    for (const lang of LANGUAGES) {
      for (const name of PROMPT_NAMES) {
        const file = promptPath(dir, lang, name);
        const { stderr } = await run('sox', [file, '-n', 'stat']);
        const { stdout } = await run('soxi', [file]);
        const rms = Number(/RMS\s+amplitude:\s+([\d.]+)/.exec(stderr)?.[1]);
        const len = Number(/Length \(seconds\):\s+([\d.]+)/.exec(stderr)?.[1]);
        expect(stdout, file).toMatch(/Sample Rate\s+:\s+8000/);
        expect(stdout, file).toMatch(/Channels\s+:\s+1/);
        expect(rms, file).toBeGreaterThan(0.02);
        expect(len, file).toBeGreaterThan(name === 'beep' ? 0.2 : 0.6);
        expect(len, file).toBeLessThan(8);
      }
    }
  });
});

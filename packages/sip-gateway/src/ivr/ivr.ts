// The IVR dialogue: welcome → meeting ID + # → PIN + # → authorize → in meeting; three wrong attempts,
// a lockout or an error → goodbye and hang-up. In the meeting, *6 and *9 become typed events.
//
// Language: the configured default (SIP_IVR_LANGUAGE, German unless set). Pressing * as the first key of
// the meeting ID switches to the other language once (the German welcome says "For English, press star").
import type { Digit } from '../rtp/dtmf.ts';
import type { AuthorizeResult, PlenumSession } from '../plenum.ts';
import type { Language, PromptName } from './prompts.ts';

export type IvrState = 'meeting_id' | 'pin' | 'authorizing' | 'in_meeting' | 'closing' | 'closed';

export type MeetingEvent = { readonly type: 'toggle_mute' } | { readonly type: 'toggle_hand' };

export interface IvrPort {
  /** Plays a prompt; resolves when it ended or was interrupted (`'stopped'`). */
  play(lang: Language, prompt: PromptName): Promise<'done' | 'stopped'>;
  stopPrompt(): void;
  authorize(dialInId: string, pin: string): Promise<AuthorizeResult>;
  onAuthorized(session: PlenumSession, language: Language): void;
  onMeetingEvent(e: MeetingEvent): void;
  /** Ends the call (the gateway sends BYE). */
  hangup(reason: 'ivr_failed' | 'ivr_locked' | 'ivr_error' | 'ivr_timeout'): void;
  log(msg: string, fields?: Record<string, unknown>): void;
}

export const MAX_ATTEMPTS = 3;
const MAX_DIGITS = 32;
const MAX_REPROMPTS = 3;

export class Ivr {
  state: IvrState = 'meeting_id';
  language: Language;
  attempts = 0;
  private digits = '';
  private dialInId = '';
  private switched = false;
  private star = false;
  private inputTimer: NodeJS.Timeout | undefined;
  private reprompts = 0;
  private promptSeq = 0;

  constructor(private readonly port: IvrPort, language: Language, private readonly inputTimeoutMs: number) {
    this.language = language;
  }

  start(): void {
    void this.sayThenWait(['welcome', 'enter_meeting_id']);
  }

  /** Plays prompts in order unless a key interrupts them; then (re)starts the input timer. */
  private async sayThenWait(prompts: PromptName[]): Promise<void> {
    const seq = ++this.promptSeq;
    this.clearInputTimer();
    for (const p of prompts) {
      const r = await this.port.play(this.language, p);
      if (r === 'stopped' || seq !== this.promptSeq) return;
    }
    if (this.state === 'meeting_id' || this.state === 'pin') this.armInputTimer();
  }

  private armInputTimer(): void {
    this.clearInputTimer();
    this.inputTimer = setTimeout(() => {
      if (this.state !== 'meeting_id' && this.state !== 'pin') return;
      if (++this.reprompts >= MAX_REPROMPTS) {
        void this.goodbye('ivr_timeout');
        return;
      }
      this.digits = '';
      void this.sayThenWait([this.state === 'pin' ? 'enter_pin' : 'enter_meeting_id']);
    }, this.inputTimeoutMs);
    this.inputTimer.unref?.();
  }

  private clearInputTimer(): void {
    if (this.inputTimer) clearTimeout(this.inputTimer);
    this.inputTimer = undefined;
  }

  onDigit(d: Digit): void {
    if (this.state === 'in_meeting') {
      if (this.star) {
        this.star = false;
        if (d === '6') this.port.onMeetingEvent({ type: 'toggle_mute' });
        else if (d === '9') this.port.onMeetingEvent({ type: 'toggle_hand' });
        else if (d === '*') this.star = true;
      } else if (d === '*') this.star = true;
      return;
    }
    if (this.state !== 'meeting_id' && this.state !== 'pin') return;
    // Barge-in: a key stops the prompt being played.
    this.promptSeq++;
    this.port.stopPrompt();
    this.clearInputTimer();
    this.reprompts = 0;
    if (d === '*' && this.state === 'meeting_id' && this.digits === '' && !this.switched) {
      this.switched = true;
      this.language = this.language === 'de' ? 'en' : 'de';
      void this.sayThenWait(['enter_meeting_id']);
      return;
    }
    if (d !== '#') {
      if (this.digits.length < MAX_DIGITS) this.digits += d;
      this.armInputTimer();
      return;
    }
    const entered = this.digits;
    this.digits = '';
    if (this.state === 'meeting_id') {
      this.dialInId = entered;
      this.state = 'pin';
      void this.sayThenWait(['enter_pin']);
      return;
    }
    void this.authorize(this.dialInId, entered);
  }

  private async authorize(dialInId: string, pin: string): Promise<void> {
    this.state = 'authorizing';
    let r: AuthorizeResult;
    try {
      r = await this.port.authorize(dialInId, pin);
    } catch {
      await this.goodbye('ivr_error');
      return;
    }
    if (this.state !== 'authorizing') return;
    if (r.ok) {
      this.state = 'in_meeting';
      const lang = this.language;
      void this.port.play(lang, 'please_wait');
      this.port.onAuthorized(r.session, lang);
      return;
    }
    if (r.reason === 'locked') {
      this.port.log('ivr: caller locked out', { retryAfterS: r.retryAfterS });
      await this.goodbye('ivr_locked');
      return;
    }
    this.attempts++;
    if (this.attempts >= MAX_ATTEMPTS) {
      await this.goodbye('ivr_failed');
      return;
    }
    this.state = 'meeting_id';
    void this.sayThenWait(['not_correct', 'enter_meeting_id']);
  }

  private async goodbye(reason: 'ivr_failed' | 'ivr_locked' | 'ivr_error' | 'ivr_timeout'): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    this.clearInputTimer();
    this.promptSeq++;
    await this.port.play(this.language, 'goodbye');
    if (this.state !== 'closing') return;
    this.state = 'closed';
    this.port.hangup(reason);
  }

  /** The call ended (either side): stop timers. */
  stop(): void {
    this.state = 'closed';
    this.clearInputTimer();
    this.promptSeq++;
  }
}

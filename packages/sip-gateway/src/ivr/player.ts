// Plays prompt frames on a call's outbound RTP stream: 20 ms packets, paced by the wall clock.
import type { CallMedia } from '../rtp/session.ts';

export class PromptPlayer {
  private current: { frames: Buffer[]; sent: number; start: number; resolve: (r: 'done' | 'stopped') => void } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly media: CallMedia) {}

  private idleWaiters: (() => void)[] = [];

  /** Resolves when no prompt is playing (at once, if none is). */
  idle(): Promise<void> {
    if (!this.current) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  get playing(): boolean {
    return this.current !== undefined;
  }

  /** Plays frames; resolves 'done' when all were sent, 'stopped' when interrupted (barge-in, hang-up). */
  play(frames: Buffer[]): Promise<'done' | 'stopped'> {
    this.stop();
    return new Promise((resolve) => {
      this.current = { frames, sent: 0, start: Date.now(), resolve };
      this.media.promptPlaying = true;
      this.tick();
      this.timer = setInterval(() => this.tick(), 20);
    });
  }

  private tick(): void {
    const c = this.current;
    if (!c) return;
    const due = Math.min(c.frames.length, Math.floor((Date.now() - c.start) / 20) + 1);
    // Catch up at most a few frames after a stall of the event loop.
    for (let n = 0; c.sent < due && n < 5; n++) {
      const frame = c.frames[c.sent];
      if (frame) this.media.sendFrame(frame, { talkspurt: c.sent === 0 });
      c.sent++;
    }
    if (c.sent >= c.frames.length) this.finish('done');
  }

  private finish(r: 'done' | 'stopped'): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
    this.media.promptPlaying = false;
    c.resolve(r);
    // A play() from a resolved continuation may start the next prompt; waiters see the player idle first.
    for (const w of this.idleWaiters.splice(0)) w();
  }

  stop(): void {
    this.finish('stopped');
  }
}

// The voting dialogue's speech on a call: static prompts and run-time renderings (ivr/tts.ts) in order. A new
// utterance (by default) cuts short the one before; one with `interrupt: false` waits for the one before to end.
// Dynamic parts are rendered as soon as the utterance is queued, so the caller hears no gap between its parts.
import type { SpokenPrompt } from '../ivr/prompts.ts';
import type { Speech } from './phone-vote.ts';

export interface SpeechOutput {
  play(prompt: SpokenPrompt, opts: { interrupt: boolean }): Promise<void>;
  playAudio(samples: Int16Array, opts: { interrupt: boolean }): Promise<void>;
  render(text: string): Promise<Int16Array>;
  /** Only how much was said, never what (a receipt token must not reach the log). */
  played?(parts: number): void;
  failed?(err: unknown): void;
}

export class SpeechQueue {
  private utterance = 0;
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly out: SpeechOutput) {}

  say(items: readonly Speech[], opts?: { interrupt?: boolean }): void {
    if (this.closed) return;
    const interrupt = opts?.interrupt ?? true;
    const mine = interrupt ? ++this.utterance : this.utterance;
    const audio = items.map((it) => ('text' in it ? this.out.render(it.text) : undefined));
    for (const a of audio) a?.catch(() => undefined);
    const live = (): boolean => mine === this.utterance && !this.closed;
    const run = async (): Promise<void> => {
      for (const [i, it] of items.entries()) {
        if (!live()) return;
        const first = i === 0 && interrupt;
        if ('prompt' in it) await this.out.play(it.prompt, { interrupt: first });
        else {
          const samples = await audio[i];
          if (!live()) return;
          if (samples && samples.length > 0) await this.out.playAudio(samples, { interrupt: first });
        }
      }
      if (live()) this.out.played?.(items.length);
    };
    this.tail = (interrupt ? Promise.resolve() : this.tail).then(run).catch((err: unknown) => this.out.failed?.(err));
  }

  /** The call ended: nothing more is said. */
  close(): void {
    this.closed = true;
  }

  /** Resolves when the last queued utterance ended (for tests). */
  idle(): Promise<void> {
    return this.tail;
  }
}

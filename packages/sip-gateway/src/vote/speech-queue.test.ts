// The voting dialogue's speech queue on a fake output whose plays end when the test says so: order, barge-in
// (the rest of an interrupted utterance is dropped), queueing after the utterance before, rendering ahead,
// failures, and a closed call.
import { describe, expect, it } from 'vitest';
import { SpeechQueue, type SpeechOutput } from './speech-queue.ts';

function fakeOutput(opts: { failRender?: string } = {}) {
  const log: string[] = [];
  const rendered: string[] = [];
  let finish: (() => void) | undefined;
  const playing = (what: string, interrupt: boolean): Promise<void> => {
    if (interrupt) finish?.();
    log.push(`${what}${interrupt ? '!' : ''}`);
    return new Promise<void>((r) => (finish = r));
  };
  const out: SpeechOutput = {
    play: (prompt, o) => playing(prompt, o.interrupt),
    playAudio: (samples, o) => playing(`audio:${samples.length}`, o.interrupt),
    render: async (text) => {
      rendered.push(text);
      if (text === opts.failRender) throw new Error('espeak-ng exited with 1');
      return new Int16Array(text.length);
    },
    played: (parts) => log.push(`played:${parts}`),
    failed: (err) => log.push(`failed:${(err as Error).message}`),
  };
  /** Ends the prompt being played and lets the queue go on. */
  const end = async (): Promise<void> => {
    const f = finish;
    finish = undefined;
    f?.();
    await new Promise((r) => setImmediate(r));
  };
  return { out, log, rendered, end };
}

describe('speech queue', () => {
  it('plays parts in order, renders the dynamic ones ahead, and reports the utterance played', async () => {
    const f = fakeOutput();
    const q = new SpeechQueue(f.out);
    q.say([{ prompt: 'vote_on' }, { text: 'Haushalt' }, { prompt: 'vote_menu_yes_no' }]);
    expect(f.rendered).toEqual(['Haushalt']); // before anything was played
    await f.end();
    expect(f.log).toEqual(['vote_on!']);
    await f.end();
    await f.end();
    await f.end();
    expect(f.log).toEqual(['vote_on!', 'audio:8', 'vote_menu_yes_no', 'played:3']);
  });

  it('a new utterance cuts the one before short and drops its rest', async () => {
    const f = fakeOutput();
    const q = new SpeechQueue(f.out);
    q.say([{ prompt: 'vote_on' }, { text: 'Haushalt' }, { prompt: 'vote_menu_yes_no' }]);
    await f.end();
    q.say([{ prompt: 'vote_you_chose' }, { prompt: 'vote_choice_yes' }]);
    await new Promise((r) => setImmediate(r));
    await f.end();
    await f.end();
    await q.idle();
    expect(f.log).toEqual(['vote_on!', 'vote_you_chose!', 'vote_choice_yes', 'played:2']);
  });

  it('interrupt: false waits for the whole utterance before it', async () => {
    const f = fakeOutput();
    const q = new SpeechQueue(f.out);
    q.say([{ prompt: 'vote_counted' }, { prompt: 'vote_receipt' }, { text: 'alfa' }]);
    await f.end(); // (nothing playing yet: the utterance starts)
    await f.end(); // vote_counted ends
    q.say([{ prompt: 'vote_ended' }], { interrupt: false });
    for (let i = 0; i < 3; i++) await f.end();
    await q.idle();
    expect(f.log).toEqual(['vote_counted!', 'vote_receipt', 'audio:4', 'played:3', 'vote_ended', 'played:1']);
  });

  it('a failed rendering is reported and ends that utterance; a closed queue says nothing more', async () => {
    const f = fakeOutput({ failRender: 'bad' });
    const q = new SpeechQueue(f.out);
    q.say([{ text: 'bad' }, { prompt: 'vote_confirm' }]);
    await q.idle();
    expect(f.log).toEqual(['failed:espeak-ng exited with 1']);
    q.say([{ prompt: 'vote_on' }, { prompt: 'vote_confirm' }]);
    await f.end();
    q.close();
    await f.end();
    q.say([{ prompt: 'vote_ended' }]);
    await q.idle();
    expect(f.log).toEqual(['failed:espeak-ng exited with 1', 'vote_on!']);
  });
});

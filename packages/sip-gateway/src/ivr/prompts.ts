// IVR prompts: a text table rendered once by espeak-ng + sox into 8 kHz mono 16-bit WAV files under
// `<promptsDir>/<lang>/<name>.wav` (gitignored cache), loaded and G.711-encoded per call codec.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { encodeG711 } from '../rtp/g711.ts';
import type { Codec } from '../sdp.ts';

const run = promisify(execFile);

export type Language = 'de' | 'en';
export const LANGUAGES: readonly Language[] = ['de', 'en'];

export const PROMPT_TEXTS = {
  welcome: {
    // A segment after ' || ' with a language prefix is spoken by that language's voice.
    de: 'Willkommen bei Plenum. || en: For English, press star.',
    en: 'Welcome to Plenum.',
  },
  enter_meeting_id: {
    de: 'Bitte geben Sie die Konferenz-ID ein, gefolgt von der Rautetaste.',
    en: 'Please enter the meeting ID, followed by the hash key.',
  },
  enter_pin: {
    de: 'Geben Sie jetzt die PIN ein, gefolgt von der Rautetaste.',
    en: 'Now enter the PIN, followed by the hash key.',
  },
  not_correct: {
    de: 'Das war nicht korrekt. Bitte versuchen Sie es noch einmal.',
    en: 'That was not correct. Please try again.',
  },
  goodbye: { de: 'Auf Wiederhören.', en: 'Goodbye.' },
  please_wait: {
    de: 'Bitte warten Sie, Sie werden gleich eingelassen.',
    en: 'Please wait, you will be admitted.',
  },
  in_meeting: { de: 'Sie sind jetzt in der Konferenz.', en: 'You are now in the meeting.' },
  muted: { de: 'Ihr Mikrofon ist stummgeschaltet.', en: 'You are muted.' },
  unmuted: { de: 'Ihr Mikrofon ist eingeschaltet.', en: 'You are unmuted.' },
  hand_raised: { de: 'Ihre Hand ist gehoben.', en: 'Your hand is raised.' },
  hand_lowered: { de: 'Ihre Hand ist gesenkt.', en: 'Your hand is lowered.' },
  participant_joined: { de: 'Jemand ist der Konferenz beigetreten.', en: 'Someone joined the meeting.' },
  participant_left: { de: 'Jemand hat die Konferenz verlassen.', en: 'Someone left the meeting.' },
  unmute_not_allowed: {
    de: 'Nur die Moderation kann Ihr Mikrofon einschalten. Heben Sie die Hand mit Stern neun.',
    en: 'Only a moderator can unmute you. Raise your hand with star nine.',
  },
  recording_started: {
    de: 'Diese Sitzung wird jetzt aufgezeichnet. Anrufe per Telefon werden nicht aufgezeichnet.',
    en: 'This meeting is now being recorded. Callers by phone are not recorded.',
  },
  recording_paused: { de: 'Die Aufzeichnung ist angehalten.', en: 'The recording is paused.' },
  recording_stopped: { de: 'Die Aufzeichnung ist beendet.', en: 'The recording has stopped.' },
  removed: { de: 'Sie wurden aus der Konferenz entfernt. Auf Wiederhören.', en: 'You have been removed from the meeting. Goodbye.' },
  // Voting by phone (src/vote/phone-vote.ts); the title and candidates are spoken by ivr/tts.ts.
  vote_on: { de: 'Abstimmung über:', en: 'Vote on:' },
  vote_menu_yes_no: { de: 'Drücken Sie die 1 für Ja, die 2 für Nein.', en: 'Press 1 for yes, 2 for no.' },
  vote_menu_yes_no_abstain: {
    de: 'Drücken Sie die 1 für Ja, die 2 für Nein, die 3 für Enthaltung.',
    en: 'Press 1 for yes, 2 for no, 3 to abstain.',
  },
  vote_enter_number: { de: 'Geben Sie die Nummer ein, gefolgt von der Rautetaste.', en: 'Enter the number, followed by the hash key.' },
  vote_you_chose: { de: 'Sie haben gewählt:', en: 'You chose' },
  vote_choice_yes: { de: 'Ja.', en: 'yes.' },
  vote_choice_no: { de: 'Nein.', en: 'no.' },
  vote_choice_abstain: { de: 'Enthaltung.', en: 'to abstain.' },
  vote_confirm: {
    de: 'Drücken Sie die Rautetaste zum Bestätigen, die Sterntaste zum Ändern.',
    en: 'Press hash to confirm, star to change.',
  },
  vote_for: { de: 'Stimme für', en: 'Vote for' },
  vote_added: { de: 'hinzugefügt.', en: 'added.' },
  vote_removed: { de: 'entfernt.', en: 'removed.' },
  vote_too_many: {
    de: 'Sie haben schon so viele gewählt, wie erlaubt sind. Drücken Sie die Rautetaste, wenn Sie fertig sind.',
    en: 'You have chosen as many as allowed. Press hash when you are done.',
  },
  vote_not_an_option: { de: 'Diese Auswahl gibt es nicht.', en: 'That is not one of the options.' },
  vote_counted: { de: 'Ihre Stimme wurde gezählt.', en: 'Your vote was counted.' },
  vote_receipt: { de: 'Ihr Quittungscode lautet:', en: 'Your receipt code is:' },
  vote_receipt_repeat: { de: 'Mit Stern null hören Sie ihn noch einmal.', en: 'Press star zero to hear it again.' },
  vote_already_voted: { de: 'Sie haben bereits abgestimmt.', en: 'You have already voted.' },
  vote_closed: { de: 'Die Abstimmung ist bereits geschlossen.', en: 'The vote is already closed.' },
  vote_not_eligible: { de: 'Sie sind in dieser Abstimmung nicht stimmberechtigt.', en: 'You are not eligible in this vote.' },
  vote_invalid_choice: { de: 'Diese Auswahl ist ungültig. Bitte wählen Sie erneut.', en: 'That choice is not valid. Please choose again.' },
  vote_failed: { de: 'Ihre Stimme konnte nicht abgegeben werden.', en: 'Your vote could not be cast.' },
  vote_ended: { de: 'Die Abstimmung ist beendet.', en: 'The vote has ended.' },
  vote_cancelled: { de: 'Die Abstimmung wurde abgebrochen.', en: 'The vote was cancelled.' },
} as const satisfies Record<string, Record<Language, string>>;

export type SpokenPrompt = keyof typeof PROMPT_TEXTS;
export type PromptName = SpokenPrompt | 'beep';
export const PROMPT_NAMES: readonly PromptName[] = [...(Object.keys(PROMPT_TEXTS) as SpokenPrompt[]), 'beep'];

const VOICES: Record<Language, string> = { de: 'de', en: 'en' };
const RENDER_VERSION = 2;

function tableHash(): string {
  return createHash('sha256').update(JSON.stringify({ RENDER_VERSION, PROMPT_TEXTS, VOICES })).digest('hex').slice(0, 16);
}

export function promptPath(dir: string, lang: Language, name: PromptName): string {
  return path.join(dir, lang, `${name}.wav`);
}

/** Renders every prompt that is missing (or all, when the text table changed). Returns how many were rendered. */
export async function ensurePrompts(dir: string): Promise<number> {
  const hash = tableHash();
  const stampFile = path.join(dir, 'table.hash');
  const stamp = await readFile(stampFile, 'utf8').catch(() => '');
  let rendered = 0;
  for (const lang of LANGUAGES) {
    await mkdir(path.join(dir, lang), { recursive: true });
    for (const name of PROMPT_NAMES) {
      const file = promptPath(dir, lang, name);
      const exists = await readFile(file).then((b) => b.length > 44, () => false);
      if (exists && stamp.trim() === hash) continue;
      await renderOne(file, lang, name);
      rendered++;
    }
  }
  await writeFile(stampFile, hash + '\n');
  return rendered;
}

async function renderOne(file: string, lang: Language, name: PromptName): Promise<void> {
  const tmpRaw = `${file}.${process.pid}.espeak.wav`;
  const tmpOut = `${file}.${process.pid}.tmp.wav`;
  try {
    if (name === 'beep') {
      await run('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', tmpOut, 'synth', '0.25', 'sine', '1000', 'vol', '0.5']);
    } else {
      const segments = PROMPT_TEXTS[name][lang].split(' || ').map((seg) => {
        const m = /^(de|en): (.*)$/.exec(seg);
        return m ? { voice: VOICES[m[1] as Language], text: m[2] ?? '' } : { voice: VOICES[lang], text: seg };
      });
      const parts: string[] = [];
      for (const [i, seg] of segments.entries()) {
        const part = `${tmpRaw}.${i}.wav`;
        parts.push(part);
        await run('espeak-ng', ['-v', seg.voice, '-s', '150', '-w', part, seg.text]);
      }
      if (parts.length === 1) await rename(parts[0] ?? '', tmpRaw);
      else {
        await run('sox', [...parts, tmpRaw]);
        for (const part of parts) await rm(part, { force: true });
      }
      // 8 kHz mono 16-bit, normalised to -3 dBFS, with 150 ms of silence at the end.
      await run('sox', [tmpRaw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', tmpOut, 'gain', '-n', '-3', 'pad', '0', '0.15']);
    }
    await rename(tmpOut, file);
  } finally {
    await rm(tmpRaw, { force: true });
    await rm(tmpOut, { force: true });
  }
}

/** Reads a WAV file with 8 kHz mono 16-bit PCM. */
export function decodeWav(buf: Buffer): Int16Array {
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  let off = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  while (off + 8 <= buf.length) {
    const id = buf.toString('latin1', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt || fmt.format !== 1 || fmt.channels !== 1 || fmt.rate !== 8000 || fmt.bits !== 16) throw new Error('prompt is not 8 kHz mono 16-bit PCM');
      const len = Math.min(size, buf.length - body) >> 1;
      const out = new Int16Array(len);
      for (let i = 0; i < len; i++) out[i] = buf.readInt16LE(body + i * 2);
      return out;
    }
    off = body + size + (size % 2);
  }
  throw new Error('WAV without data');
}

/** 8 kHz samples G.711-encoded and cut into 20 ms frames (160 samples), the last one padded with silence. */
export function framesOf(samples: Int16Array, codec: Codec): Buffer[] {
  const enc = encodeG711(samples, codec);
  const f: Buffer[] = [];
  for (let i = 0; i < enc.length; i += 160) {
    const frame = Buffer.alloc(160, codec === 'pcmu' ? 0xff : 0xd5);
    enc.copy(frame, 0, i, Math.min(i + 160, enc.length));
    f.push(frame);
  }
  return f;
}

/** Prompts loaded in memory, encoded lazily per codec and cut into 20 ms frames (160 samples). */
export class PromptLibrary {
  private readonly frames = new Map<string, Buffer[]>();
  private constructor(private readonly pcm: Map<string, Int16Array>) {}

  static async load(dir: string): Promise<PromptLibrary> {
    const pcm = new Map<string, Int16Array>();
    for (const lang of LANGUAGES) for (const name of PROMPT_NAMES) pcm.set(`${lang}/${name}`, decodeWav(await readFile(promptPath(dir, lang, name))));
    return new PromptLibrary(pcm);
  }

  frameList(lang: Language, name: PromptName, codec: Codec): Buffer[] {
    const key = `${lang}/${name}/${codec}`;
    let f = this.frames.get(key);
    if (!f) {
      const samples = this.pcm.get(`${lang}/${name}`);
      if (!samples) throw new Error(`prompt ${lang}/${name} not loaded`);
      f = framesOf(samples, codec);
      this.frames.set(key, f);
    }
    return f;
  }
}

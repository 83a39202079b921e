import fs from 'node:fs';

/** Writes mono 16-bit PCM samples as a WAV file (what Chromium's fake microphone and sox read). */
export function writeWav(file: string, samples: Int16Array, rate: number): void {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  fs.writeFileSync(file, Buffer.concat([header, data]));
}

/** A steady sine as a WAV file (Chromium loops it as the fake microphone). */
export function writeToneWav(file: string, freq: number, seconds = 10, rate = 48_000, amplitude = 12_000): void {
  const samples = new Int16Array(seconds * rate);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / rate));
  writeWav(file, samples, rate);
}

/**
 * A speech-like signal for the fake microphone: a voiced, pitch-gliding tone in syllable-rate bursts. Chromium's
 * default fake audio (a short beep per second) is too little for the media server's talking detection, and a
 * steady tone is removed by the browser's noise suppression.
 */
export function writeSpeechLikeWav(file: string, seconds = 4, rate = 48_000): void {
  const samples = new Int16Array(rate * seconds);
  let phase = 0;
  for (let i = 0; i < samples.length; i++) {
    const t = i / rate;
    phase += (2 * Math.PI * (140 + 60 * Math.sin(2 * Math.PI * 0.7 * t))) / rate;
    const syllables = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t);
    samples[i] = Math.round(9_000 * syllables * (Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.25 * Math.sin(3 * phase)));
  }
  writeWav(file, samples, rate);
}

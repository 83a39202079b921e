import { useEffect, useState } from 'react';

/** Sound level of a microphone track, 0..1, from a Web Audio AnalyserNode (about ten updates a second). */
export function useMicLevel(track: MediaStreamTrack | null): number {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (!track || typeof AudioContext === 'undefined') {
      setLevel(0);
      return;
    }
    const context = new AudioContext();
    const source = context.createMediaStreamSource(new MediaStream([track]));
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      const rms = Math.sqrt(sum / samples.length);
      // Speech sits around -30..-10 dBFS; map -60..0 dB onto the meter so normal speech fills half to most.
      const db = 20 * Math.log10(Math.max(rms, 1e-6));
      setLevel(track.enabled ? Math.min(1, Math.max(0, (db + 60) / 60)) : 0);
    }, 100);
    // The context may start suspended until a user gesture; resume when possible.
    void context.resume().catch(() => {});
    return () => {
      clearInterval(timer);
      source.disconnect();
      void context.close();
    };
  }, [track]);
  return level;
}

/** A native <meter>: screen readers read its value, and no inline style is needed to draw it. */
export function MicLevelMeter({ track, label }: { track: MediaStreamTrack | null; label: string }) {
  const level = useMicLevel(track);
  return (
    <meter className="mic-level" min={0} max={1} low={0.25} high={0.9} optimum={0.5} value={Math.round(level * 20) / 20} aria-label={label} />
  );
}

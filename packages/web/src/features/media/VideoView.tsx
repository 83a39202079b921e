import { useEffect, useRef } from 'react';

/**
 * A <video> showing a MediaStream. Always muted: remote sound plays through AudioSinks, so a tile can
 * disappear (camera off, speaker view) without cutting anyone's voice.
 */
export function VideoView({ stream, mirrored = false, className = '', videoRef }: { stream: MediaStream; mirrored?: boolean; className?: string; videoRef?: (el: HTMLVideoElement | null) => void }) {
  const ref = useRef<HTMLVideoElement | null>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    if (video.srcObject !== stream) video.srcObject = stream;
    // Autoplay can be refused before any user gesture; the next render (or the gesture of joining) retries.
    void video.play().catch(() => {});
  }, [stream]);
  return (
    <video
      ref={(el) => {
        ref.current = el;
        videoRef?.(el);
      }}
      className={`video${mirrored ? ' video-mirrored' : ''} ${className}`.trim()}
      autoPlay
      playsInline
      muted
      aria-hidden="true"
    />
  );
}

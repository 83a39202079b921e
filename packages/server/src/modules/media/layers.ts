import type { VideoLayer } from '../../media/types.ts';

/**
 * The simulcast layer a tile needs: the browser sends three layers (full, half, quarter resolution; 720p,
 * 360p, 180p from a 720p camera), and a tile gets the smallest layer that still fills it without visible
 * upscaling. Thresholds sit halfway between the layers' heights, so a 360-pixel tile gets 360p and a
 * 600-pixel one 720p. A tile that is not shown (0×0) receives nothing.
 */
export function layerForTile(width: number, height: number): VideoLayer {
  if (width <= 0 || height <= 0) return 'paused';
  if (height >= 540) return 2;
  if (height >= 270) return 1;
  return 0;
}

/** A piece of a chat message: plain text, or an http(s) link found in it. */
export type TextSegment = { type: 'text'; text: string } | { type: 'link'; text: string; href: string };

// Only absolute http(s) URLs become links: nothing else (javascript:, data:, relative paths) can be clicked.
const urlPattern = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Punctuation that usually ends the sentence around a link rather than belonging to it.
const trailing = /[.,;:!?)\]}]+$/;

/** Splits plain text into text and link segments; rendering them as React nodes keeps everything else inert text. */
export function linkify(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let last = 0;
  const pushText = (t: string) => {
    if (!t) return;
    const prev = segments.at(-1);
    if (prev?.type === 'text') prev.text += t;
    else segments.push({ type: 'text', text: t });
  };
  for (const match of text.matchAll(urlPattern)) {
    const start = match.index;
    const raw = match[0].replace(trailing, '');
    pushText(text.slice(last, start));
    let href: string | null = null;
    try {
      const url = new URL(raw);
      if (url.protocol === 'http:' || url.protocol === 'https:') href = url.href;
    } catch {
      href = null;
    }
    if (href) segments.push({ type: 'link', text: raw, href });
    else pushText(raw);
    last = start + raw.length;
  }
  pushText(text.slice(last));
  return segments;
}

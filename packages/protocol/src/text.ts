import { z } from 'zod';

/**
 * Human text on the wire: names, titles, labels, messages. Every free-text field of a command or a request
 * body is built with `text()` (never a bare `z.string()`), so all of them refuse the same characters with an
 * issue at the field's path — a 400 problem+json over REST, `invalid_command` over signaling — and store the
 * same normal form. Ids, codes, passwords, SDP and base64 are not human text and keep their own schemas.
 *
 * Refused:
 * - C0 controls (U+0000–U+001F; U+0000 cannot even be stored in PostgreSQL text or jsonb), except LF and TAB
 *   in multi-line fields; a CR LF pair in a multi-line field becomes LF, a lone CR is refused;
 * - DEL and the C1 controls (U+007F–U+009F);
 * - lone surrogates (half of a UTF-16 pair: not a character, cannot be encoded as UTF-8);
 * - bidi embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069), which reorder what follows
 *   them and make a name or a motion display differently from what it says ("Trojan Source").
 *
 * Accepted text is normalised to NFC (so "e" + U+0301 and "é" are the same name), then trimmed (single-line
 * fields, or when `trim` is set); `min` and `max` count UTF-16 code units of the normalised text.
 */
export interface TextOptions {
  max: number;
  /** Default 1 (after trimming): a blank text is refused. */
  min?: number;
  /** Allows LF and TAB (chat messages, descriptions, motions, reports). Default false. */
  multiline?: boolean;
  /** Default: single-line fields are trimmed, multi-line fields are kept as given. */
  trim?: boolean;
}

/** The first character `text()` refuses in `value`, as a code point, or undefined when there is none. */
export function forbiddenCharacter(value: string, multiline = false): number | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return c;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return c;
    if (c < 0x20) {
      if (multiline && (c === 0x0a || c === 0x09)) continue;
      return c;
    }
    if (c >= 0x7f && c <= 0x9f) return c;
    if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return c;
  }
  return undefined;
}

const hex = (c: number): string => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;

function describe(c: number): string {
  if (c >= 0xd800 && c <= 0xdfff) return `a lone surrogate (${hex(c)})`;
  if (c >= 0x202a && c <= 0x2069) return `a bidirectional control character (${hex(c)})`;
  return `a control character (${hex(c)})`;
}

/** The message of the issue for a refused character (also for callers that check text outside zod). */
export function forbiddenCharacterMessage(c: number): string {
  return `must not contain ${describe(c)}`;
}

/** A free-text field: see the module comment for what is refused and how accepted text is normalised. */
export function text({ max, min = 1, multiline = false, trim = !multiline }: TextOptions) {
  let schema = z.string();
  if (multiline) schema = schema.overwrite((v) => v.replace(/\r\n/g, '\n'));
  schema = schema.check((ctx) => {
    const c = forbiddenCharacter(ctx.value, multiline);
    if (c !== undefined) ctx.issues.push({ code: 'custom', message: forbiddenCharacterMessage(c), input: ctx.value, abort: true });
  });
  // A lone surrogate was refused above (abort), so normalising never sees one.
  schema = schema.normalize('NFC');
  if (trim) schema = schema.trim();
  return schema.min(min).max(max);
}

/** One line of text (a name, a title, a label): `text({ max })`. */
export const singleLine = (max: number, min = 1) => text({ max, min });

/**
 * Cleans a name that comes from outside the protocol (an identity provider's claims): refused characters
 * are dropped, any run of whitespace becomes one space, the rest is NFC and trimmed, at most `max` code
 * units (never cutting a surrogate pair). Empty when nothing printable is left.
 */
export function sanitizeSingleLine(value: string, max: number): string {
  let out = '';
  for (const ch of value) {
    if (forbiddenCharacter(ch) === undefined) out += ch;
    else if (ch === '\t' || ch === '\n' || ch === '\r') out += ' ';
  }
  out = out.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (out.length <= max) return out;
  let cut = out.slice(0, max);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut.trimEnd();
}

import { z } from 'zod';
import { defineProtocol } from './feature.ts';

/**
 * Telephone dial-in (issue #12). Every room has a numeric dial-in ID (unique across rooms) and a numeric PIN;
 * a caller types both into the SIP gateway's IVR, and the gateway asks the server for a signaling ticket
 * (`POST /v1/service/telephone/calls`), then joins the room as a participant of kind `sip`.
 */

/** Digits only: what a caller can type on a phone's keypad. */
export const DialInId = z.string().regex(/^\d{4,20}$/, 'expected 4 to 20 digits');
export const DialInPin = z.string().regex(/^\d{4,12}$/, 'expected 4 to 12 digits');
export const DialInLanguage = z.enum(['de', 'en']);
export type DialInLanguage = z.infer<typeof DialInLanguage>;

/** `GET /v1/rooms/{id}/telephone` (moderators: owner, admin) and `POST …/telephone/regenerate` (owner, admin). */
export const TelephoneDialIn = z
  .object({
    /** The number to call, as configured (TELEPHONE_DIAL_IN_NUMBER); null: none configured. */
    dial_in_number: z.string().nullable(),
    dial_in_id: z.string().regex(/^\d+$/),
    pin: z.string().regex(/^\d+$/),
  })
  .meta({ id: 'TelephoneDialIn' });
export type TelephoneDialIn = z.infer<typeof TelephoneDialIn>;

/** The SIP gateway's service call, `POST /v1/service/telephone/calls` (Authorization: Bearer TELEPHONE_SERVICE_TOKEN). */
export const TelephoneCallRequest = z
  .object({
    dial_in_id: DialInId,
    pin: DialInPin,
    /** The caller's number or SIP user as the trunk gave it; may be "anonymous" or empty. Shown only masked. */
    caller: z.string().max(128),
    /** IP address of the trunk the call came from: failures are counted per source. */
    source: z.union([z.ipv4(), z.ipv6()]),
    /** The SIP Call-ID: the caller's identity for resumption and signaling rate limits. */
    call_id: z.string().min(1).max(256),
    /** A resumption token from an earlier answer for the same call: the same participant comes back after a dropped WebSocket. */
    resumption: z.string().max(128).optional(),
  })
  .strict()
  .meta({ id: 'TelephoneCallRequest' });
export type TelephoneCallRequest = z.infer<typeof TelephoneCallRequest>;

export const TelephoneCallResponse = z
  .object({
    ticket: z.string().describe('Single-use, short-lived; send it in Sec-WebSocket-Protocol as ticket.<ticket>'),
    resumption: z.string().describe('Lets the same call come back after a dropped connection'),
    signaling_url: z.string(),
    room_id: z.uuid(),
    /** What the others see: the masked number ("+49 361 ••• 12") or "Telefon"/"Phone". */
    participant_display_name: z.string(),
    /** Language of the IVR prompts and of the display name fallback. */
    language: DialInLanguage,
  })
  .meta({ id: 'TelephoneCallResponse' });
export type TelephoneCallResponse = z.infer<typeof TelephoneCallResponse>;

/** Length of a personal phone PIN: eight digits, so it never equals a room's six-digit PIN. */
export const PERSONAL_PIN_DIGITS = 8;

/**
 * A personal phone PIN (`GET /v1/rooms/{id}/telephone/personal-pins`, owner or admin): one per personal invite,
 * the invite a roster member holds. A caller who types it after the dial-in ID joins as that member (quorum,
 * votes), like the invite link does in a browser.
 */
export const TelephonePersonalPin = z
  .object({
    invite_code: z.string(),
    /** The roster entry holding the invite. */
    member_id: z.uuid(),
    /** The roster entry's name: what the others see when the member calls. */
    display_name: z.string(),
    /** The invite's own label, if it has one. */
    label: z.string().nullable(),
    pin: z.string().regex(/^\d{8}$/),
  })
  .meta({ id: 'TelephonePersonalPin' });
export type TelephonePersonalPin = z.infer<typeof TelephonePersonalPin>;
export const TelephonePersonalPins = z.array(TelephonePersonalPin).meta({ id: 'TelephonePersonalPins' });
export type TelephonePersonalPins = z.infer<typeof TelephonePersonalPins>;

// ── signaling namespace `telephone` ───────────────────────────────────────────

export const TELEPHONE_NAMESPACE = 'telephone';
/** Moderators (also those promoted during the meeting): answered with `dial_in`. */
export const TelephoneGetDialIn = z.object({ action: z.literal('get_dial_in') }).strict();
export const TelephoneCommand = z.discriminatedUnion('action', [TelephoneGetDialIn]);
export type TelephoneCommand = z.infer<typeof TelephoneCommand>;
export const TelephoneDialInMessage = z.object({
  message: z.literal('dial_in'),
  dial_in_number: z.string().nullable(),
  dial_in_id: z.string(),
  pin: z.string(),
});
export const TelephoneMessage = z.discriminatedUnion('message', [TelephoneDialInMessage]);
export type TelephoneMessage = z.infer<typeof TelephoneMessage>;
export const TelephoneSnapshot = z.object({}).strict();

export const telephoneProtocol = defineProtocol({
  namespace: TELEPHONE_NAMESPACE,
  commands: TelephoneCommand,
  messages: TelephoneMessage,
  snapshot: TelephoneSnapshot,
});

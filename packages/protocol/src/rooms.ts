import { z } from 'zod';
import { singleLine } from './text.ts';

const RoomName = singleLine(120);
/**
 * Room and invite passwords are typed by people (and phone callers, as digits): at least 8 characters,
 * so that guessing under the server's throttle takes years. Existing shorter passwords still work.
 */
export const ROOM_PASSWORD_MIN_LENGTH = 8;
const RoomPassword = z.string().min(ROOM_PASSWORD_MIN_LENGTH).max(128);

export const RoomId = z.uuid();

export const RoomCreate = z
  .object({
    name: RoomName,
    password: RoomPassword.nullable().optional(),
    waiting_room: z.boolean().default(false),
    e2e_encryption: z.boolean().default(false).describe('Reserved: end-to-end encryption is not available yet'),
  })
  .strict()
  .meta({ id: 'RoomCreate' });
export type RoomCreate = z.infer<typeof RoomCreate>;

export const RoomUpdate = z
  .object({
    name: RoomName.optional(),
    password: RoomPassword.nullable().optional().describe('null removes the password'),
    waiting_room: z.boolean().optional(),
    e2e_encryption: z.boolean().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'at least one field is required' })
  .meta({ id: 'RoomUpdate' });
export type RoomUpdate = z.infer<typeof RoomUpdate>;

export const Room = z
  .object({
    id: z.uuid(),
    name: z.string(),
    owner_id: z.uuid(),
    owner_name: z.string(),
    has_password: z.boolean(),
    waiting_room: z.boolean(),
    e2e_encryption: z.boolean(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    /** What the caller may do with this room. */
    can_manage: z.boolean(),
  })
  .meta({ id: 'Room' });
export type Room = z.infer<typeof Room>;

export const RoomList = z.object({ rooms: z.array(Room) }).meta({ id: 'RoomList' });

export const InviteCreate = z
  .object({
    expires_at: z.iso.datetime({ offset: true }).nullable().optional().describe('null: never expires'),
    password: RoomPassword.nullable().optional(),
    label: singleLine(120, 0).optional(),
  })
  .strict()
  .meta({ id: 'InviteCreate' });
export type InviteCreate = z.infer<typeof InviteCreate>;

export const Invite = z
  .object({
    code: z.string(),
    room_id: z.uuid(),
    label: z.string().nullable(),
    has_password: z.boolean(),
    expires_at: z.iso.datetime().nullable(),
    revoked_at: z.iso.datetime().nullable(),
    created_at: z.iso.datetime(),
    active: z.boolean(),
  })
  .meta({ id: 'Invite' });
export type Invite = z.infer<typeof Invite>;

export const InviteList = z.object({ invites: z.array(Invite) }).meta({ id: 'InviteList' });

/** Invite codes are 22 url-safe characters (128 random bits). */
export const InviteCode = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'not an invite code');

export const InviteVerifyRequest = z
  .object({ password: z.string().max(128).optional() })
  .strict()
  .meta({ id: 'InviteVerifyRequest' });

export const InviteVerifyResponse = z
  .object({
    room_id: z.uuid(),
    room_name: z.string(),
    password_required: z.boolean(),
    expires_at: z.iso.datetime().nullable(),
  })
  .meta({ id: 'InviteVerifyResponse' });

export const DisplayName = singleLine(80);

export const StartRequest = z
  .object({
    password: z.string().max(128).optional(),
    resumption: z.string().max(200).optional(),
  })
  .strict()
  .meta({ id: 'StartRequest' });
export type StartRequest = z.infer<typeof StartRequest>;

export const StartInvitedRequest = z
  .object({
    invite_code: InviteCode,
    password: z.string().max(128).optional(),
    display_name: DisplayName,
    resumption: z.string().max(200).optional(),
  })
  .strict()
  .meta({ id: 'StartInvitedRequest' });
export type StartInvitedRequest = z.infer<typeof StartInvitedRequest>;

export const StartResponse = z
  .object({
    ticket: z.string().describe('Single-use, short-lived; send it in Sec-WebSocket-Protocol'),
    resumption: z.string().describe('Lets the same participant come back after a dropped connection'),
    signaling_url: z.string(),
    expires_in: z.number().int().describe('Seconds until the ticket expires'),
  })
  .meta({ id: 'StartResponse' });
export type StartResponse = z.infer<typeof StartResponse>;

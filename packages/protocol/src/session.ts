import { z } from 'zod';

export const Role = z.enum(['admin', 'user']);
export type Role = z.infer<typeof Role>;

export const Me = z
  .object({
    id: z.uuid(),
    display_name: z.string(),
    email: z.string().nullable(),
    role: Role,
    csrf_token: z.string().describe('Send back as X-CSRF-Token on every state-changing request'),
  })
  .meta({ id: 'Me' });
export type Me = z.infer<typeof Me>;

export const AuthConfig = z
  .object({
    login_url: z.string(),
    issuer: z.string(),
    embedded_issuer: z.boolean(),
  })
  .meta({ id: 'AuthConfig' });

export const LogoutResponse = z
  .object({
    redirect_url: z.string().describe("Where the browser goes next: the identity provider's logout page, or \"/\" when it has none"),
  })
  .meta({ id: 'LogoutResponse' });
export type LogoutResponse = z.infer<typeof LogoutResponse>;

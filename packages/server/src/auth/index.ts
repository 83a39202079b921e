import { Me } from '@plenum/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireUser } from '../http/context.ts';
import type { Services } from '../services.ts';

export interface AuthOptions {
  /** Public base URL, known only once the server listens (PORT=0 in tests). */
  publicUrl: () => string;
  /** True when served over TLS: cookies get the Secure flag. */
  secure: () => boolean;
}

/** Login, logout, the embedded OpenID Provider and the current-user endpoint. */
export async function registerAuth(app: FastifyInstance, services: Services, _options: AuthOptions): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/me',
    { schema: { tags: ['session'], summary: 'The logged-in user and the CSRF token', security: [{ session: [] }], response: { 200: Me } } },
    async (request) => {
      const { user, csrfToken } = await requireUser(request, services.sessions);
      return { id: user.id, display_name: user.display_name, email: user.email, role: user.role, csrf_token: csrfToken };
    },
  );
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from './errors.ts';

/**
 * The operator's monitoring credential: `Authorization: Bearer <METRICS_TOKEN>`. `none`: no Authorization
 * header (an anonymous caller, e.g. a load balancer probing /ready); `valid`/`invalid`: a token was sent.
 * Compared in constant time over SHA-256 digests, so neither content nor length leaks through timing.
 */
export function operatorCredential(request: FastifyRequest, token: string | undefined): 'none' | 'valid' | 'invalid' {
  const header = request.headers.authorization;
  if (header === undefined) return 'none';
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!token || !match) return 'invalid';
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(match[1]!), digest(token)) ? 'valid' : 'invalid';
}

/** 401 problem+json with the Bearer challenge (RFC 6750). */
export function refuseOperator(request: FastifyRequest, reply: FastifyReply, detail: string): FastifyReply {
  return reply
    .status(401)
    .header('WWW-Authenticate', 'Bearer realm="plenum-operations"')
    .type('application/problem+json')
    .send({ ...toProblem('PLENUM_ERR_UNAUTHENTICATED', detail), instance: request.url.split('?')[0] });
}

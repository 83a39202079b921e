import { errorRegistry, problemType, type ErrorCode, type Problem } from '@plenum/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';

/** The one error type routes throw; the error handler turns it into application/problem+json. */
export class PlenumError extends Error {
  constructor(
    public readonly code: ErrorCode,
    public readonly detail?: string,
    public readonly fieldErrors?: { path: string; message: string }[],
  ) {
    super(detail ?? errorRegistry[code].title);
    this.name = 'PlenumError';
  }
}

export function toProblem(code: ErrorCode, detail?: string, errors?: Problem['errors']): Problem {
  const entry = errorRegistry[code];
  return {
    type: problemType(code),
    title: entry.title,
    status: entry.status,
    code,
    ...(detail ? { detail } : {}),
    ...(errors ? { errors } : {}),
  };
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | PlenumError, request, reply) => {
    let problem: Problem;
    if (error instanceof PlenumError) {
      problem = toProblem(error.code, error.detail, error.fieldErrors);
    } else if (hasZodFastifySchemaValidationErrors(error)) {
      problem = toProblem(
        'PLENUM_ERR_VALIDATION',
        `Invalid ${error.validationContext ?? 'request'}`,
        error.validation.map((v) => ({
          path: String(v.instancePath || '/'),
          message: v.message ?? 'invalid',
        })),
      );
    } else if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response did not match its schema');
      problem = toProblem('PLENUM_ERR_INTERNAL');
    } else if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      problem = toProblem('PLENUM_ERR_PAYLOAD_TOO_LARGE');
    } else if (error.statusCode === 415 || error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      problem = toProblem('PLENUM_ERR_UNSUPPORTED_MEDIA_TYPE', 'Send application/json');
    } else if (error.statusCode === 429) {
      problem = toProblem('PLENUM_ERR_RATE_LIMITED');
    } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      // Fastify's own client errors: malformed JSON, empty body with JSON content type, …
      problem = toProblem('PLENUM_ERR_VALIDATION', error.message);
    } else {
      request.log.error({ err: error }, 'unhandled error');
      problem = toProblem('PLENUM_ERR_INTERNAL');
    }
    problem.instance = request.url.split('?')[0];
    void reply.status(problem.status).type('application/problem+json').send(problem);
  });

  app.setNotFoundHandler((request, reply) => {
    const problem = { ...toProblem('PLENUM_ERR_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`), instance: request.url.split('?')[0] };
    void reply.status(404).type('application/problem+json').send(problem);
  });
}

import { errorRegistry, problemType, type ErrorCode, type Problem } from '@plenum/protocol';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { isStorageUnavailable } from '../storage/database.ts';

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

/** Fastify's and Node's own client errors by status, so each keeps its status and gets its registry code. */
const clientErrorCodes: Partial<Record<number, ErrorCode>> = {
  400: 'PLENUM_ERR_VALIDATION',
  401: 'PLENUM_ERR_UNAUTHENTICATED',
  403: 'PLENUM_ERR_FORBIDDEN',
  404: 'PLENUM_ERR_NOT_FOUND',
  408: 'PLENUM_ERR_REQUEST_TIMEOUT',
  409: 'PLENUM_ERR_CONFLICT',
  413: 'PLENUM_ERR_PAYLOAD_TOO_LARGE',
  414: 'PLENUM_ERR_URI_TOO_LONG',
  415: 'PLENUM_ERR_UNSUPPORTED_MEDIA_TYPE',
  429: 'PLENUM_ERR_RATE_LIMITED',
  431: 'PLENUM_ERR_HEADERS_TOO_LARGE',
};

function sendProblem(reply: FastifyReply, problem: Problem): void {
  // Set here too: some framework errors are answered before the app's onSend hooks would run.
  void reply.status(problem.status).type('application/problem+json').header('Cache-Control', 'no-store').send(problem);
}

/**
 * Errors Fastify meets before a route is found (`frameworkErrors` option): a URL that is not valid
 * percent-encoding (400), a path parameter over the router's length limit (414). The raw path is not echoed.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    sendProblem(reply, toProblem('PLENUM_ERR_URI_TOO_LONG', 'A part of the URL is longer than allowed'));
  } else if (error.code === 'FST_ERR_BAD_URL') {
    sendProblem(reply, toProblem('PLENUM_ERR_VALIDATION', 'The URL is not valid percent-encoding'));
  } else {
    reply.log.error({ err: error }, 'framework error');
    sendProblem(reply, toProblem('PLENUM_ERR_INTERNAL'));
  }
}

/**
 * Errors of the HTTP parser, before there is a request (`clientErrorHandler` option): headers too large
 * (431), a request that took too long (408), anything else unparseable (400). Node's own reply, as problem+json.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'PLENUM_ERR_REQUEST_TIMEOUT' : err.code === 'HPE_HEADER_OVERFLOW' ? 'PLENUM_ERR_HEADERS_TOO_LARGE' : 'PLENUM_ERR_VALIDATION';
  this.log.trace({ err }, 'client error');
  const problem = toProblem(code);
  const body = JSON.stringify(problem);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${problem.status} ${http.STATUS_CODES[problem.status] ?? ''}\r\n` +
        `Content-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/** What a client is told to wait before it tries again while the database is unreachable. */
const STORAGE_RETRY_AFTER_SECONDS = 5;

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | PlenumError, request, reply) => {
    let problem: Problem;
    const clientCode = !(error instanceof PlenumError) && error.statusCode ? clientErrorCodes[error.statusCode] : undefined;
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
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      problem = toProblem('PLENUM_ERR_PAYLOAD_TOO_LARGE');
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      problem = toProblem('PLENUM_ERR_UNSUPPORTED_MEDIA_TYPE', 'Send application/json');
    } else if (clientCode === 'PLENUM_ERR_VALIDATION') {
      // Fastify's own client errors: malformed JSON, empty body with JSON content type, …
      problem = toProblem('PLENUM_ERR_VALIDATION', error.message);
    } else if (clientCode) {
      problem = toProblem(clientCode);
    } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      // Another client error (e.g. 416 from static files): still a client error, as a 400.
      problem = toProblem('PLENUM_ERR_VALIDATION', error.message);
    } else if (isStorageUnavailable(error)) {
      // The database is restarting or unreachable: a retryable refusal, not a defect (no stack in the log).
      request.log.warn({ err: { message: error.message, code: error.code } }, 'database unavailable');
      void reply.header('retry-after', String(STORAGE_RETRY_AFTER_SECONDS));
      problem = toProblem('PLENUM_ERR_STORAGE_UNAVAILABLE');
    } else {
      request.log.error({ err: error }, 'unhandled error');
      problem = toProblem('PLENUM_ERR_INTERNAL');
    }
    problem.instance = request.url.split('?')[0];
    sendProblem(reply, problem);
  });

  app.setNotFoundHandler((request, reply) => {
    const problem = { ...toProblem('PLENUM_ERR_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`), instance: request.url.split('?')[0] };
    sendProblem(reply, problem);
  });
}

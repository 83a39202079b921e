import type { FastifyRequest } from 'fastify';

/**
 * Route log serializers that drop the query string from the logged URL. Login callbacks carry the
 * authorization code, logout URLs the ID token (name, e-mail): neither belongs in a log file.
 */
export const withoutQueryLogSerializers = {
  req(request: FastifyRequest) {
    return {
      method: request.method,
      url: request.url.split('?')[0],
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    };
  },
};

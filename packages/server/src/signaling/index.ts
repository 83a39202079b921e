import websocket from '@fastify/websocket';
import { MAX_SIGNALING_MESSAGE_BYTES, SIGNALING_SUBPROTOCOL, TICKET_SUBPROTOCOL_PREFIX } from '@plenum/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { PlenumError } from '../http/errors.ts';
import type { FeatureInstance } from './compose.ts';
import type { Services } from '../services.ts';
import { systemClock } from './clock.ts';
import { SignalingHub, type SignalingTimings } from './hub.ts';
import type { Admission } from './tickets.ts';

export { SignalingHub, defaultTimings, type SignalingTimings } from './hub.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The signaling hub of this node (rooms, sessions); `close()` runs on app.close() by itself. */
    signaling: SignalingHub;
  }
}

export interface SignalingOptions {
  /** The enabled features, set up (compose.ts); `control` is added when missing. */
  features?: readonly FeatureInstance[];
  timings?: Partial<SignalingTimings>;
}

/** A client that stops reading is cut off rather than let its queue grow without bound. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** On shutdown, how long closing handshakes may take before sockets are cut. */
const CLOSE_GRACE_MS = 2_000;

/** Subprotocols as offered in Sec-WebSocket-Protocol (comma-separated tokens). */
function offeredProtocols(header: string | string[] | undefined): string[] {
  const joined = Array.isArray(header) ? header.join(',') : (header ?? '');
  return joined
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/**
 * GET /signaling (WebSocket). The client offers two subprotocols, `plenum-signaling-v1` and `ticket.<ticket>`;
 * the ticket is consumed before the upgrade, and a missing, unknown, expired or reused one is answered with
 * HTTP 401 (problem+json) so no socket ever opens. The server answers with `plenum-signaling-v1` only.
 */
export async function registerSignaling(app: FastifyInstance, services: Services, options: SignalingOptions = {}): Promise<SignalingHub> {
  const logger = services.logger.child({ component: 'signaling' });
  const hub = new SignalingHub({
    clock: systemClock(services.now),
    logger,
    features: options.features ?? [],
    lookupRoom: async (id) => {
      const room = await services.rooms.byId(id);
      return room ? { id: room.id, name: room.name, waitingRoom: room.waiting_room } : null;
    },
    revokeResumption: (token) => services.tickets.revokeResumption(token),
    timings: options.timings ?? {},
  });
  app.decorate('signaling', hub);

  const sockets = new Set<WebSocket>();
  const admissions = new WeakMap<FastifyRequest, Admission>();
  // Added before the websocket plugin's own preClose, so rooms say `closing` before the plugin cuts sockets.
  app.addHook('preClose', async () => {
    await hub.close('server shutting down');
    await waitUntilClosed(sockets, CLOSE_GRACE_MS);
    for (const socket of sockets) socket.terminate();
  });

  await app.register(websocket, {
    // A frame over the size limit or otherwise against the WebSocket protocol is the client's fault: `ws` has
    // already closed the connection (1009 for the size, 1002/1007 for the rest); a warning without a stack is
    // enough. Anything else is ours and is logged as an error.
    errorHandler: (error, socket, request) => {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('WS_ERR_')) {
        const closeCode = code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 1009 : undefined;
        logger.warn({ code, closeCode, participantId: admissions.get(request)?.participantId }, closeCode === 1009 ? 'signaling frame too large; connection closed (1009)' : `signaling protocol error: ${error.message}`);
        return;
      }
      logger.error({ err: error, participantId: admissions.get(request)?.participantId }, 'signaling socket failed');
      socket.terminate();
    },
    options: {
      maxPayload: MAX_SIGNALING_MESSAGE_BYTES,
      // Never echo the ticket: it is a credential, and the answer is visible to scripts on the page.
      handleProtocols: (protocols: Set<string>) => (protocols.has(SIGNALING_SUBPROTOCOL) ? SIGNALING_SUBPROTOCOL : false),
    },
  });

  app.get(
    '/signaling',
    {
      websocket: true,
      schema: { hide: true },
      preValidation: async (request) => {
        if (!request.ws) throw new PlenumError('PLENUM_ERR_VALIDATION', 'Signaling needs a WebSocket upgrade');
        if (hub.isClosing) throw new PlenumError('PLENUM_ERR_NOT_READY', 'The server is shutting down');
        const offered = offeredProtocols(request.headers['sec-websocket-protocol']);
        if (!offered.includes(SIGNALING_SUBPROTOCOL)) {
          throw new PlenumError('PLENUM_ERR_VALIDATION', `Offer the subprotocol ${SIGNALING_SUBPROTOCOL}`);
        }
        const ticket = offered.find((p) => p.startsWith(TICKET_SUBPROTOCOL_PREFIX))?.slice(TICKET_SUBPROTOCOL_PREFIX.length);
        const admission = ticket ? services.tickets.consume(ticket) : null;
        if (!admission) throw new PlenumError('PLENUM_ERR_UNAUTHENTICATED', 'The signaling ticket is missing, unknown, expired or already used');
        admissions.set(request, admission);
      },
    },
    (socket, request) => {
      const admission = admissions.get(request);
      if (!admission) {
        socket.terminate();
        return;
      }
      sockets.add(socket);
      const session = hub.open(admission, {
        send: (text) => {
          if (socket.readyState !== socket.OPEN) return;
          if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
            logger.warn({ participantId: admission.participantId }, 'signaling client does not read; dropping it');
            socket.terminate();
            return;
          }
          socket.send(text);
        },
        close: (code, reason) => {
          if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason);
        },
      });

      // Heartbeat: a ping every interval; `maxMissedPongs` unanswered pings in a row and the socket is dropped,
      // which starts the resume window like any other lost connection.
      let missed = 0;
      let awaitingPong = false;
      let heartbeat: ReturnType<typeof setTimeout> | undefined;
      const beat = () => {
        if (awaitingPong && ++missed >= hub.timings.maxMissedPongs) {
          logger.info({ participantId: admission.participantId }, 'signaling client missed its pongs; dropping it');
          socket.terminate();
          return;
        }
        awaitingPong = true;
        socket.ping();
        heartbeat = setTimeout(beat, hub.timings.pingIntervalMs);
      };
      heartbeat = setTimeout(beat, hub.timings.pingIntervalMs);
      socket.on('pong', () => {
        awaitingPong = false;
        missed = 0;
      });

      socket.on('message', (data, isBinary) => {
        // Signaling is JSON text; a binary frame is answered like any other non-JSON input.
        if (isBinary) void session.receive('\u0000binary frame');
        else void session.receive(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString('utf8'));
      });
      socket.on('close', () => {
        clearTimeout(heartbeat);
        sockets.delete(socket);
        session.transportClosed();
      });
    },
  );

  return hub;
}

function waitUntilClosed(sockets: Set<WebSocket>, ms: number): Promise<void> {
  if (sockets.size === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    let open = sockets.size;
    for (const socket of sockets) {
      socket.once('close', () => {
        if (--open === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}

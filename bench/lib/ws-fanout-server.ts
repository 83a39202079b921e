/**
 * The reference of bench/signaling.ts: a bare `ws` fan-out server, the least any JSON-over-WebSocket room
 * broadcast has to do. A client connects to `/room/<name>`; every text frame it sends is parsed, wrapped in
 * an envelope with a server timestamp (as Plenum's envelope is) and sent to every socket of that room, the
 * sender included. No authentication, no validation beyond JSON, no state, no rate limits.
 *
 *   node --import tsx bench/lib/ws-fanout-server.ts     → prints `listening <port>` on stdout
 */
import { WebSocketServer, type WebSocket } from 'ws';

const rooms = new Map<string, Set<WebSocket>>();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 1024 });

wss.on('connection', (socket, request) => {
  const name = /^\/room\/([\w-]{1,64})$/.exec(request.url ?? '')?.[1];
  if (!name) {
    socket.close(1008, 'no room');
    return;
  }
  let members = rooms.get(name);
  if (!members) rooms.set(name, (members = new Set()));
  members.add(socket);
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    let payload: unknown;
    try {
      payload = JSON.parse(data.toString());
    } catch {
      return;
    }
    const text = JSON.stringify({ namespace: 'echo', timestamp: new Date().toISOString(), payload });
    for (const member of members) if (member.readyState === member.OPEN) member.send(text);
  });
  socket.on('close', () => {
    members.delete(socket);
    if (members.size === 0) rooms.delete(name);
  });
});

wss.on('listening', () => {
  const address = wss.address();
  process.stdout.write(`listening ${address && typeof address === 'object' ? address.port : address}\n`);
});

const stop = () => {
  for (const client of wss.clients) client.terminate();
  wss.close(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

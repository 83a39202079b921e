import type { TestServer } from '../../../testing/server.ts';

type User = { cookie: string; csrf: string };

async function post(server: TestServer, path: string, body: unknown, user: User): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: user.cookie, 'x-csrf-token': user.csrf },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A room owned by a fresh user; `ticket()` logs in another user and starts the room for them (REST). */
export async function meeting(server: TestServer): Promise<{ roomId: string; wsUrl: string; ticket(name: string): Promise<string> }> {
  const owner = await server.loginAs('user', 'Chair');
  const room = (await post(server, '/v1/rooms', { name: 'Gemeinderat' }, owner)) as { id: string };
  let ownerUsed = false;
  return {
    roomId: room.id,
    wsUrl: `${server.url.replace(/^http/, 'ws')}/signaling`,
    async ticket(name: string) {
      const user = ownerUsed ? await server.loginAs('user', name) : owner;
      ownerUsed = true;
      const started = (await post(server, `/v1/rooms/${room.id}/start`, {}, user)) as { ticket: string };
      return started.ticket;
    },
  };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzRest, fuzzSignaling, fuzzWebSocket, startFuzzServer, stillAnswers, type FaultCollector } from './testing/fuzz.ts';
import type { TestServer } from './testing/server.ts';

// Bounded runs for the suite (a few seconds); `npm run bench:fuzz -- RUNS SEED` runs the same properties long.
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

let server: TestServer;
let faults: FaultCollector;

beforeAll(async () => {
  ({ server, faults } = await startFuzzServer());
});
afterAll(async () => {
  faults?.stop();
  await server?.close();
});

describe('fuzzing (fast-check): whatever a client sends, the server answers with a typed refusal and keeps going', () => {
  it('signaling: the envelope and every feature\u2019s commands, valid and malformed, from every role', async () => {
    await fuzzSignaling(server, { runs: RUNS });
    expect(faults.errors).toEqual([]);
  });

  it('signaling over real sockets: text, binary and oversized frames; the connection answers or is closed by protocol', async () => {
    await fuzzWebSocket(server, { runs: Math.ceil(RUNS / 5) });
    expect(faults.errors).toEqual([]);
  });

  it('REST: every route\u2019s body and path parameters, with and without a session: no 5xx, 4xx as problem+json', async () => {
    await fuzzRest(server, { runs: RUNS });
    expect(faults.errors).toEqual([]);
  });

  it('still answers afterwards, and nothing was left unhandled', async () => {
    await stillAnswers(server);
    expect(faults.errors).toEqual([]);
  });
});

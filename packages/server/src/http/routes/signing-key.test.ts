import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../audit/signing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';

describe('GET /.well-known/plenum-signing-key', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('publishes the public key that verifies what the deployment signs, without login', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/.well-known/plenum-signing-key' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { algorithm: string; public_key: string; fingerprint: string };
    expect(body.algorithm).toBe('Ed25519');
    expect(body.fingerprint).toMatch(/^SHA256:[0-9a-f]{64}$/);
    expect(verifySignature(body.public_key, 'hello', server.services.signingKey.sign('hello'))).toBe(true);
    expect(res.body).not.toMatch(/PRIVATE/);
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { mintTurnCredentials, turnPassword } from './credentials.ts';

describe('TURN credentials (REST API for TURN, coturn use-auth-secret)', () => {
  // The vector was computed independently:
  //   printf '%s' '1700003600:0b4c1e7a-2f3d-4a5b-8c9d-0e1f2a3b4c5d' | openssl dgst -sha1 -hmac 'north-wind-shared-secret' -binary | base64
  it('matches a known vector', () => {
    expect(turnPassword('north-wind-shared-secret', '1700003600:0b4c1e7a-2f3d-4a5b-8c9d-0e1f2a3b4c5d')).toBe('pNwQK7w7n30PeSfWhMF/dvFXC44=');
  });

  it('names the expiry and the participant in the username', () => {
    const c = mintTurnCredentials({
      secret: 'north-wind-shared-secret',
      who: '0b4c1e7a-2f3d-4a5b-8c9d-0e1f2a3b4c5d',
      ttlSeconds: 3600,
      urls: ['turn:turn.example:3478?transport=udp'],
      now: new Date(1_700_000_000_500),
    });
    expect(c).toEqual({
      urls: ['turn:turn.example:3478?transport=udp'],
      username: '1700003600:0b4c1e7a-2f3d-4a5b-8c9d-0e1f2a3b4c5d',
      credential: 'pNwQK7w7n30PeSfWhMF/dvFXC44=',
      expires_at: '2023-11-14T23:13:20.000Z',
    });
  });

  it('keeps the username to two fields', () => {
    const c = mintTurnCredentials({ secret: 's'.repeat(16), who: 'guest:abc', ttlSeconds: 60, urls: [], now: new Date(0) });
    expect(c.username).toBe('60:guest_abc');
  });
});

describe('TURN configuration', () => {
  it('has no TURN by default', () => {
    expect(loadConfig({}).turn).toMatchObject({ urls: [], embedded: undefined, credentialTtlSeconds: 3600 });
  });

  it('derives the URLs of the embedded coturn from the public host', () => {
    const t = loadConfig({ TURN_EMBEDDED: 'true', PUBLIC_URL: 'https://plenum.example', TURN_LISTEN_IP: '10.0.0.2' }).turn;
    expect(t.urls).toEqual(['turn:plenum.example:3478?transport=udp', 'turn:plenum.example:3478?transport=tcp']);
    expect(t.embedded).toMatchObject({ listenIp: '10.0.0.2', port: 3478, tls: undefined });
  });

  it.each([
    [{ TURN_URLS: 'stun:x.example' }, 'TURN_URLS'],
    [{ TURN_URLS: 'turns:x.example:443?transport=udp', TURN_SECRET: 'x'.repeat(16) }, 'TURN_URLS'],
    [{ TURN_URLS: 'turn:x.example:3478' }, 'TURN_SECRET'],
    [{ TURN_EMBEDDED: 'true', TURN_TLS_PORT: '443' }, 'TURN_TLS_CERT'],
    [{ TURN_EMBEDDED: 'true', HOST: '0.0.0.0' }, 'TURN_LISTEN_IP'],
    [{ TURN_EMBEDDED: 'true', TURN_ALLOWED_PEERS: 'janus.example' }, 'TURN_ALLOWED_PEERS'],
  ])('refuses %o naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(name);
  });
});

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, isAllowedSource, loadConfig, TokenBuckets } from './config.ts';
import { selfSignedCert } from './testing.ts';

describe('gateway configuration', () => {
  it('has defaults', () => {
    const c = loadConfig({});
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 5060 });
    expect(c.transports).toEqual(['udp', 'tcp']);
    expect(c.rtpPorts).toEqual({ min: 40000, max: 40999 });
    expect(c.rtpTimeoutMs).toBe(30000);
    expect(c.ivrLanguage).toBe('de');
    expect(isAllowedSource(c, '127.0.0.1')).toBe(true);
    expect(isAllowedSource(c, '10.0.0.1')).toBe(false);
  });

  it('reads and checks every variable', () => {
    const c = loadConfig({ SIP_LISTEN: '0.0.0.0:5080', SIP_TRANSPORTS: 'udp', SIP_ALLOWED_SOURCES: '10.0.0.0/8, 192.0.2.7, 2001:db8::/32', SIP_RTP_PORTS: '50000-50100', SIP_RTP_TIMEOUT_S: '5', SIP_IVR_LANGUAGE: 'en' });
    expect(c.publicAddress).toBe('127.0.0.1');
    expect(c.transports).toEqual(['udp']);
    expect(isAllowedSource(c, '10.1.2.3')).toBe(true);
    expect(isAllowedSource(c, '::ffff:10.1.2.3')).toBe(true);
    expect(isAllowedSource(c, '192.0.2.7')).toBe(true);
    expect(isAllowedSource(c, '192.0.2.8')).toBe(false);
    expect(isAllowedSource(c, '2001:db8::1')).toBe(true);
    expect(c.ivrLanguage).toBe('en');
  });

  it('refuses bad values with a message naming the variable', () => {
    const bad: Record<string, string>[] = [
      { SIP_LISTEN: 'localhost:5060' }, { SIP_LISTEN: '127.0.0.1' }, { SIP_LISTEN: '127.0.0.1:70000' },
      { SIP_TRANSPORTS: 'udp,sctp' }, { SIP_ALLOWED_SOURCES: '10.0.0.0/33' }, { SIP_ALLOWED_SOURCES: 'example.org' },
      { SIP_RTP_PORTS: '40000' }, { SIP_RTP_PORTS: '100-200' }, { SIP_RTP_PORTS: '5000-4000' }, { SIP_RTP_TIMEOUT_S: 'soon' },
      { SIP_IVR_LANGUAGE: 'fr' }, { PLENUM_URL: 'not a url' }, { TELEPHONE_SERVICE_TOKEN: 'short' },
    ];
    for (const env of bad) {
      const key = Object.keys(env)[0] ?? '';
      expect(() => loadConfig(env), key).toThrow(ConfigError);
      try {
        loadConfig(env);
      } catch (err) {
        expect((err as Error).message).toContain(key);
      }
    }
  });

  it('token bucket: burst, then Retry-After until refilled', () => {
    let now = 0;
    const b = new TokenBuckets(1, 3, () => now);
    expect([b.take('a'), b.take('a'), b.take('a')]).toEqual([0, 0, 0]);
    expect(b.take('a')).toBe(1);
    expect(b.take('b')).toBe(0);
    now = 1000;
    expect(b.take('a')).toBe(0);
    expect(b.take('a')).toBeGreaterThan(0);
  });
});

describe('TLS and media encryption settings', () => {
  let cert: Awaited<ReturnType<typeof selfSignedCert>>;
  beforeAll(async () => {
    cert = await selfSignedCert();
  });
  afterAll(() => cert.cleanup());

  const messageOf = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('defaults: no TLS, encryption optional, TLS calls must be SRTP', () => {
    const c = loadConfig({});
    expect(c.tls).toBeUndefined();
    expect(c.mediaEncryption).toBe('optional');
    expect(c.tlsRequireSrtp).toBe(true);
  });

  it('SIP_TLS_LISTEN or tls in SIP_TRANSPORTS turns TLS on; the PEM files are read', () => {
    const c = loadConfig({ SIP_TLS_LISTEN: '127.0.0.1:5071', SIP_TLS_CERT: cert.cert, SIP_TLS_KEY: cert.key, SIP_MEDIA_ENCRYPTION: 'required', SIP_TLS_REQUIRE_SRTP: 'false' });
    expect(c.tls).toMatchObject({ host: '127.0.0.1', port: 5071 });
    expect(c.tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(c.transports).toEqual(['udp', 'tcp']);
    expect(c.mediaEncryption).toBe('required');
    expect(c.tlsRequireSrtp).toBe(false);
    const only = loadConfig({ SIP_LISTEN: '10.0.0.5:5060', SIP_TRANSPORTS: 'tls', SIP_TLS_CERT: cert.cert, SIP_TLS_KEY: cert.key });
    expect(only.transports).toEqual([]);
    expect(only.tls).toMatchObject({ host: '10.0.0.5', port: 5061 });
  });

  it('refuses missing, unreadable, non-PEM and mismatched files, naming the variable', async () => {
    expect(messageOf({ SIP_TRANSPORTS: 'udp,tls' })).toMatch(/SIP_TLS_CERT: required[\s\S]*SIP_TLS_KEY: required/);
    expect(messageOf({ SIP_TLS_LISTEN: '127.0.0.1:5061', SIP_TLS_CERT: cert.cert })).toContain('SIP_TLS_KEY');
    expect(messageOf({ SIP_TLS_LISTEN: '127.0.0.1:5061', SIP_TLS_CERT: path.join(cert.dir, 'missing.pem'), SIP_TLS_KEY: cert.key })).toMatch(/SIP_TLS_CERT: cannot read .*ENOENT/);
    const junk = path.join(cert.dir, 'junk.pem');
    await writeFile(junk, 'not a certificate');
    expect(messageOf({ SIP_TLS_LISTEN: '127.0.0.1:5061', SIP_TLS_CERT: cert.cert, SIP_TLS_KEY: junk })).toContain('SIP_TLS_KEY: ');
    expect(messageOf({ SIP_TLS_LISTEN: '127.0.0.1:5061', SIP_TLS_CERT: cert.key, SIP_TLS_KEY: cert.cert })).toContain('SIP_TLS_CERT, SIP_TLS_KEY');
    expect(messageOf({ SIP_TLS_LISTEN: 'somewhere', SIP_TLS_CERT: cert.cert, SIP_TLS_KEY: cert.key })).toContain('SIP_TLS_LISTEN');
    expect(messageOf({ SIP_MEDIA_ENCRYPTION: 'always' })).toContain('SIP_MEDIA_ENCRYPTION');
    expect(messageOf({ SIP_TLS_REQUIRE_SRTP: 'maybe' })).toContain('SIP_TLS_REQUIRE_SRTP');
  });
});

describe('main', () => {
  it('stops with exit code 2 and names the bad variables', async () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const err = await promisify(execFile)(process.execPath, ['--import', 'tsx', main], { env: { ...process.env, SIP_LISTEN: 'nowhere', SIP_RTP_TIMEOUT_S: '-1' } }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toContain('SIP_LISTEN');
    expect(err?.stderr).toContain('SIP_RTP_TIMEOUT_S');
  });

  it('stops with exit code 2 when the TLS certificate cannot be read', async () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const err = await promisify(execFile)(process.execPath, ['--import', 'tsx', main], { env: { ...process.env, SIP_TLS_LISTEN: '127.0.0.1:5061', SIP_TLS_CERT: '/nonexistent/cert.pem', SIP_TLS_KEY: '/nonexistent/key.pem' } }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toMatch(/SIP_TLS_CERT: cannot read "\/nonexistent\/cert\.pem" \(ENOENT\)/);
    expect(err?.stderr).toContain('SIP_TLS_KEY');
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, configReference, loadConfig } from './config.ts';

describe('config', () => {
  it('has working defaults for the embedded mode', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, databaseUrl: undefined, redisUrl: undefined, media: { mode: 'janus', janusUrls: [] } });
    expect(c.dataDir).toMatch(/\/data$/);
    expect(c.oidc.issuer).toBeUndefined();
  });

  it('takes the first admin with an optional e-mail address', () => {
    expect(loadConfig({ ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: 'long-enough-1', ADMIN_EMAIL: 'admin@example.org' }).admin).toEqual({ username: 'admin', password: 'long-enough-1', email: 'admin@example.org' });
    expect(loadConfig({ ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: 'long-enough-1' }).admin).toEqual({ username: 'admin', password: 'long-enough-1' });
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).port).toBe(8080);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ OIDC_ISSUER: 'https://idp.example' }, 'OIDC_CLIENT_ID'],
    [{ OIDC_CLIENT_ID: 'plenum' }, 'OIDC_ISSUER'],
    [{ ADMIN_USERNAME: 'admin' }, 'ADMIN_USERNAME'],
    [{ ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD'],
    [{ ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: 'long-enough-1', ADMIN_EMAIL: 'not-an-address' }, 'ADMIN_EMAIL'],
    [{ ADMIN_EMAIL: 'admin@example.org' }, 'ADMIN_EMAIL'],
    [{ JANUS_URL: 'http://janus:8088' }, 'JANUS_URL'],
    [{ JANUS_RTP_PORTS: '30000-20000' }, 'JANUS_RTP_PORTS'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    [{ TRUSTED_PROXIES: '10.0.0.1,proxy.example' }, 'TRUSTED_PROXIES'],
    [{ TRUSTED_PROXIES: '10.0.0.0/33' }, 'TRUSTED_PROXIES'],
    [{ TRUSTED_PROXIES: '10.0.0.1', TRUST_PROXY: 'false' }, 'TRUST_PROXY'],
    [{ RETENTION_ATTENDANCE_DAYS: '-1' }, 'RETENTION_ATTENDANCE_DAYS'],
    [{ RETENTION_ATTENDANCE_DAYS: 'a year' }, 'RETENTION_ATTENDANCE_DAYS'],
    [{ RETENTION_MINUTES_DRAFT_DAYS: '1.5' }, 'RETENTION_MINUTES_DRAFT_DAYS'],
    [{ RETENTION_INTERVAL_MINUTES: '0' }, 'RETENTION_INTERVAL_MINUTES'],
    [{ RETENTION_INTERVAL_MINUTES: '1441' }, 'RETENTION_INTERVAL_MINUTES'],
    [{ TELEPHONE_SERVICE_TOKEN: 'x'.repeat(31) }, 'TELEPHONE_SERVICE_TOKEN'],
    [{ TELEPHONE_SERVICE_TOKEN: `${'x'.repeat(20)} ${'y'.repeat(20)}` }, 'TELEPHONE_SERVICE_TOKEN'],
    [{ TELEPHONE_DIAL_IN_NUMBER: 'call us' }, 'TELEPHONE_DIAL_IN_NUMBER'],
    [{ TELEPHONE_GATEWAY: 'embedded' }, 'TELEPHONE_SERVICE_TOKEN'],
    [{ TELEPHONE_GATEWAY: 'external' }, 'TELEPHONE_GATEWAY'],
    [{ TELEPHONE_DIAL_IN_NUMBER: '+49 361 <script>' }, 'TELEPHONE_DIAL_IN_NUMBER'],
  ])('refuses %o naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (err) {
      expect((err as ConfigError).message).toContain(name);
    }
  });

  it('keeps attendance a year, idle drafts 180 days and dead invites 90 days by default, and 0 means keep', () => {
    expect(loadConfig({}).retention).toEqual({ periods: { attendance: 365, minutes_drafts: 180, invites: 90, recordings: 30 }, intervalMinutes: 60 });
    expect(loadConfig({ RETENTION_ATTENDANCE_DAYS: '0', RETENTION_MINUTES_DRAFT_DAYS: '30', RETENTION_INVITES_DAYS: '7', RETENTION_RECORDINGS_DAYS: '0', RETENTION_INTERVAL_MINUTES: '5' }).retention).toEqual({
      periods: { attendance: 0, minutes_drafts: 30, invites: 7, recordings: 0 },
      intervalMinutes: 5,
    });
  });

  it('writes recordings to DATA_DIR/recordings unless RECORDINGS_DIR says otherwise', () => {
    expect(loadConfig({ DATA_DIR: '/var/lib/plenum' }).recordingsDir).toBe('/var/lib/plenum/recordings');
    expect(loadConfig({ DATA_DIR: '/var/lib/plenum', RECORDINGS_DIR: '/srv/recordings' }).recordingsDir).toBe('/srv/recordings');
  });

  it('takes the telephone service token (32 characters or more) and the dial-in number; both off by default', () => {
    expect(loadConfig({}).telephone).toEqual({ serviceToken: undefined, dialInNumber: null, gateway: 'off' });
    const token = 'a'.repeat(32);
    expect(loadConfig({ TELEPHONE_SERVICE_TOKEN: token, TELEPHONE_DIAL_IN_NUMBER: '+49 361 123456-0' }).telephone).toEqual({ serviceToken: token, dialInNumber: '+49 361 123456-0', gateway: 'off' });
    expect(loadConfig({ TELEPHONE_SERVICE_TOKEN: token, TELEPHONE_GATEWAY: 'embedded' }).telephone.gateway).toBe('embedded');
    expect(loadConfig({ TELEPHONE_DIAL_IN_NUMBER: '0361 (123) 456' }).telephone.dialInNumber).toBe('0361 (123) 456');
  });

  it('parses lists and ranges', () => {
    const c = loadConfig({ JANUS_URL: 'ws://a:8188, ws://b:8188', JANUS_RTP_PORTS: '40000-40100', TRUST_PROXY: 'true' });
    expect(c.media.janusUrls).toEqual(['ws://a:8188', 'ws://b:8188']);
    expect(c.media.rtpPorts).toEqual({ from: 40000, to: 40100 });
    expect(c.trustProxy).toBe(true);
  });

  it('trusts forwarded headers only from the listed proxies, and TRUST_PROXY=true alone only from loopback', () => {
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(loadConfig({ TRUST_PROXY: 'true' })).toMatchObject({ trustProxy: true, trustedProxies: ['loopback'] });
    expect(loadConfig({ TRUSTED_PROXIES: ' 10.0.0.5, 192.168.1.0/24,fd00::/8 ,loopback' })).toMatchObject({
      trustProxy: true,
      trustedProxies: ['10.0.0.5', '192.168.1.0/24', 'fd00::/8', 'loopback'],
    });
  });

  it('documents every variable', () => {
    const rows = configReference();
    expect(rows.length).toBeGreaterThan(15);
    for (const row of rows) expect(row.meaning, row.name).not.toBe('');
    expect(rows.find((r) => r.name === 'PORT')?.default).toBe('8080');
  });
});

// A real TLS-terminating reverse proxy for browser tests: Debian's nginx, configured with the README's
// example (read from README.md, so the documented deployment is the tested one) and a certificate made here.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../packages/server/src/testing/browsers.ts';

export interface TlsProxy {
  /** https://localhost:port */
  url: string;
  /** The self-signed certificate (PEM), to trust it in Node clients. */
  ca: string;
  close(): Promise<void>;
}

/** A free loopback port (for a server that must know its public URL before it listens). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The ```nginx block of the README's reverse-proxy section. */
export function readmeNginxExample(): string {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no ```nginx example');
  return block;
}

/** Replaces `from` (which must occur exactly once) with `to`: a README edit that moves things fails here, loudly. */
function substitute(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`the README's nginx example should contain "${from}" exactly once`);
  return parts.join(to);
}

/**
 * Starts nginx on 127.0.0.1:`port` in front of `upstream` (http://127.0.0.1:port), with its own prefix,
 * pid and temp files in a temporary directory, `daemon off` (the master is this process's child) and a
 * fresh certificate for localhost. Debian's nginx service is neither needed nor touched.
 */
export async function startTlsProxy(opts: { port: number; upstream: string }): Promise<TlsProxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-nginx-'));
  // Run as root, nginx's workers run as nobody: they must reach their temp directories in here.
  fs.chmodSync(dir, 0o755);
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert,
  ], { stdio: 'pipe' });
  fs.chmodSync(key, 0o600);

  let site = readmeNginxExample();
  site = substitute(site, 'listen 443 ssl;', `listen 127.0.0.1:${opts.port} ssl;`);
  site = substitute(site, 'server_name plenum.example;', 'server_name localhost;');
  site = substitute(site, '/etc/ssl/certs/plenum.example.pem', cert);
  site = substitute(site, '/etc/ssl/private/plenum.example.key', key);
  site = substitute(site, 'proxy_pass http://127.0.0.1:8080;', `proxy_pass ${opts.upstream};`);
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, [
    'daemon off;',
    'worker_processes 1;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    `error_log ${path.join(dir, 'error.log')} warn;`,
    'events { worker_connections 256; }',
    'http {',
    '  access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${temp(t)}`),
    site,
    '}',
    '',
  ].join('\n'));

  // -e: the error log before the configuration is read (the default is /var/log/nginx, root's).
  const nginx: ChildProcess = spawn('/usr/sbin/nginx', ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  nginx.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => nginx.once('exit', (code) => resolve(code)));
  const errorLog = () => (fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : '');

  const url = `https://localhost:${opts.port}`;
  const ca = fs.readFileSync(cert, 'utf8');
  const close = async () => {
    if (nginx.exitCode === null && nginx.signalCode === null) {
      nginx.kill('SIGTERM');
      const timer = setTimeout(() => nginx.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (nginx.exitCode !== null) {
      const log = `${stderr}${errorLog()}`;
      await close();
      throw new Error(`nginx exited with ${nginx.exitCode}: ${log}`);
    }
    try {
      if ((await httpsGet(`${url}/health`, ca)).status === 200) return { url, ca, close };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const log = `${stderr}${errorLog()}`;
      await close();
      throw new Error(`nginx did not answer on ${url} within 10 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A GET over TLS that trusts `ca`, with the raw answer (status, headers with every Set-Cookie, body). */
export function httpsGet(url: string, ca: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, family: 4, headers, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
  });
}

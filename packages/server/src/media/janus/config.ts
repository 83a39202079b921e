import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The private configuration of the embedded Janus: only the WebSocket transport (loopback, API
 * secret), only the VideoRoom, AudioBridge (phone callers) and Streaming (the callers' mix to browsers)
 * plugins, no admin API, no event handlers, no STUN, no configured mountpoints.
 */

export const ENABLED_PLUGINS = ['libjanus_videoroom.so', 'libjanus_audiobridge.so', 'libjanus_streaming.so'];
export const ENABLED_TRANSPORTS = ['libjanus_websockets.so'];

export interface JanusFolders {
  plugins: string;
  transports: string;
  events: string;
  loggers: string;
}

export interface EmbeddedJanusConfig {
  folders: JanusFolders;
  wsPort: number;
  apiSecret: string;
  adminSecret: string;
  rtpPorts: { from: number; to: number };
  iceInterface: string | undefined;
  /** 0-7; 4 is Janus's "info". */
  debugLevel: number;
}

type JcfgValue = string | number | boolean | string[] | { [key: string]: JcfgValue };

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function value(v: JcfgValue, indent: string): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(quote).join(', ')}]`;
  if (Object.keys(v).length === 0) return '{}';
  const inner = Object.entries(v)
    .map(([k, x]) => `${indent}\t${k} = ${value(x, `${indent}\t`)}`)
    .join('\n');
  return `{\n${inner}\n${indent}}`;
}

/** Serialises to Janus's libconfig-style `.jcfg`. */
export function toJcfg(sections: Record<string, Record<string, JcfgValue>>): string {
  return (
    Object.entries(sections)
      .map(([name, body]) => `${name}: ${value(body, '')}`)
      .join('\n\n') + '\n'
  );
}

type PortRange = { from: number; to: number };

/**
 * The core's RTP ports get the lower three quarters of the range; of the rest, AudioBridge's plain-RTP legs
 * (callers, and the browsers' audio forwarded into the bridge) get three quarters, the Streaming plugin's
 * mountpoints (one per room with callers: their mix for the browsers) the last quarter.
 */
export function splitRtpPorts(r: PortRange): { core: PortRange; audiobridge: PortRange; streaming: PortRange } {
  const size = r.to - r.from + 1;
  // Tiny ranges (fewer than 3 ports) cannot be split three ways: the plugins then share the last port.
  const core = Math.max(1, Math.min(size - 2, Math.floor((size * 3) / 4)));
  const rest = size - core;
  const bridge = Math.max(1, Math.min(rest - 1, Math.floor((rest * 3) / 4)));
  const coreTo = r.from + core - 1;
  const bridgeTo = Math.min(r.to, coreTo + bridge);
  return {
    core: { from: r.from, to: coreTo },
    audiobridge: { from: Math.min(r.to, coreTo + 1), to: bridgeTo },
    streaming: { from: Math.min(r.to, bridgeTo + 1), to: r.to },
  };
}

/** The IPv4 address of the ICE interface (plain RTP is bound there too); undefined: Janus picks one. */
export function plainRtpAddress(iceInterface: string | undefined): string | undefined {
  if (!iceInterface) return undefined;
  const entries = os.networkInterfaces()[iceInterface] ?? [];
  return entries.find((e) => e.family === 'IPv4')?.address;
}

/** `*.so` module file names in a folder (Janus loads exactly these, not the versioned links). */
function modules(folder: string): string[] {
  try {
    return fs.readdirSync(folder).filter((f) => f.endsWith('.so')).sort();
  } catch {
    return [];
  }
}

export function janusConfigFiles(c: EmbeddedJanusConfig): Record<string, string> {
  const ports = splitRtpPorts(c.rtpPorts);
  const disable = (folder: string, keep: string[]) => modules(folder).filter((m) => !keep.includes(m)).join(',');
  const core = toJcfg({
    general: {
      plugins_folder: c.folders.plugins,
      transports_folder: c.folders.transports,
      events_folder: c.folders.events,
      loggers_folder: c.folders.loggers,
      log_to_stdout: true,
      debug_level: c.debugLevel,
      debug_timestamps: false,
      debug_colors: false,
      server_name: 'Plenum embedded Janus',
      api_secret: c.apiSecret,
      // The admin API is not served (no admin transport); the secret only replaces the sample's well-known one.
      admin_secret: c.adminSecret,
      session_timeout: 60,
      reclaim_session_timeout: 0,
      hide_dependencies: true,
      protected_folders: ['/bin', '/boot', '/dev', '/etc', '/initrd', '/lib', '/lib32', '/lib64', '/proc', '/sbin', '/sys', '/usr', '/var'],
    },
    certificates: {},
    media: {
      rtp_port_range: `${ports.core.from}-${ports.core.to}`,
    },
    nat: {
      nice_debug: false,
      ...(c.iceInterface ? { ice_enforce_list: c.iceInterface } : { ice_ignore_list: 'vmnet' }),
    },
    plugins: { disable: disable(c.folders.plugins, ENABLED_PLUGINS) },
    transports: { disable: disable(c.folders.transports, ENABLED_TRANSPORTS) },
    loggers: { disable: disable(c.folders.loggers, []) },
    events: { broadcast: false, disable: disable(c.folders.events, []) },
  });
  const websockets = toJcfg({
    general: {
      json: 'plain',
      ws: true,
      ws_port: c.wsPort,
      ws_ip: '127.0.0.1',
      ws_acl: '127.0.0.1',
      wss: false,
      ws_logging: 'err',
    },
    admin: { admin_ws: false, admin_wss: false },
  });
  const videoroom = toJcfg({ general: { events: false, string_ids: false } });
  const local = plainRtpAddress(c.iceInterface);
  const audiobridge = toJcfg({
    general: {
      events: false,
      string_ids: false,
      rtp_port_range: `${ports.audiobridge.from}-${ports.audiobridge.to}`,
      // Where plain-RTP legs are bound and what `joined` names: the ICE interface's address when one is set.
      ...(local ? { local_ip: local } : {}),
    },
  });
  // No mountpoints are configured: the server creates one per room (private, not permanent, with a secret).
  const streaming = toJcfg({
    general: { events: false, string_ids: false, rtp_port_range: `${ports.streaming.from}-${ports.streaming.to}` },
  });
  return {
    'janus.jcfg': core,
    'janus.plugin.streaming.jcfg': streaming,
    'janus.transport.websockets.jcfg': websockets,
    'janus.plugin.videoroom.jcfg': videoroom,
    'janus.plugin.audiobridge.jcfg': audiobridge,
  };
}

/** Where the Debian package (or a source install) keeps Janus's modules. */
export function findJanusFolders(): JanusFolders {
  const multiarch = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', arm: 'arm-linux-gnueabihf', ppc64: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu' }[
    process.arch as string
  ];
  const candidates = [
    ...(multiarch ? [`/usr/lib/${multiarch}/janus`] : []),
    '/usr/lib/janus',
    '/usr/local/lib/janus',
    '/opt/janus/lib/janus',
  ];
  const base = candidates.find((d) => fs.existsSync(path.join(d, 'plugins', 'libjanus_videoroom.so')));
  if (!base) {
    throw new Error(`Janus plugins not found (looked in ${candidates.join(', ')}); install the Debian package "janus" (scripts/setup.sh does)`);
  }
  return {
    plugins: path.join(base, 'plugins'),
    transports: path.join(base, 'transports'),
    events: path.join(base, 'events'),
    loggers: path.join(base, 'loggers'),
  };
}

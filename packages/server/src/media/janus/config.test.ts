import { describe, expect, it } from 'vitest';
import { findJanusFolders, janusConfigFiles, splitRtpPorts, toJcfg } from './config.ts';

describe('Janus configuration', () => {
  it('serialises jcfg with quoting, lists and nested sections', () => {
    expect(toJcfg({ general: { a: 'x"y\\z', n: 4, b: false, list: ['/bin', '/usr'] }, empty: {} })).toBe(
      'general: {\n\ta = "x\\"y\\\\z"\n\tn = 4\n\tb = false\n\tlist = ["/bin", "/usr"]\n}\n\nempty: {}\n',
    );
  });

  it('splits the RTP range between the core, AudioBridge and Streaming without overlap', () => {
    expect(splitRtpPorts({ from: 20000, to: 20999 })).toEqual({
      core: { from: 20000, to: 20749 },
      audiobridge: { from: 20750, to: 20936 },
      streaming: { from: 20937, to: 20999 },
    });
    for (const to of [30002, 30003, 30010, 30199]) {
      const r = splitRtpPorts({ from: 30000, to });
      expect(r.core.from).toBe(30000);
      expect(r.core.to).toBeLessThan(r.audiobridge.from);
      expect(r.audiobridge.from).toBeLessThanOrEqual(r.audiobridge.to);
      expect(r.audiobridge.to).toBeLessThan(r.streaming.from);
      expect(r.streaming.from).toBeLessThanOrEqual(r.streaming.to);
      expect(r.streaming.to).toBe(to);
    }
  });

  it('serves only the loopback WebSocket API with a secret, and loads only VideoRoom, AudioBridge and Streaming', () => {
    const files = janusConfigFiles({
      folders: findJanusFolders(),
      wsPort: 41234,
      apiSecret: 'the-api-secret',
      adminSecret: 'the-admin-secret',
      rtpPorts: { from: 20000, to: 20999 },
      iceInterface: 'lo',
      debugLevel: 4,
    });
    const core = files['janus.jcfg']!;
    expect(core).toContain('api_secret = "the-api-secret"');
    expect(core).toContain('rtp_port_range = "20000-20749"');
    expect(core).toContain('ice_enforce_list = "lo"');
    expect(core).not.toContain('stun_server');
    expect(core).not.toContain('janusoverlord');
    const disabledPlugins = /plugins: \{\n\tdisable = "([^"]*)"/.exec(core)![1]!.split(',');
    expect(disabledPlugins).toContain('libjanus_sip.so');
    expect(disabledPlugins).toContain('libjanus_nosip.so');
    expect(disabledPlugins).not.toContain('libjanus_videoroom.so');
    expect(disabledPlugins).not.toContain('libjanus_audiobridge.so');
    expect(disabledPlugins).not.toContain('libjanus_streaming.so');
    const disabledTransports = /transports: \{\n\tdisable = "([^"]*)"/.exec(core)![1]!.split(',');
    expect(disabledTransports).toContain('libjanus_http.so');
    expect(disabledTransports).not.toContain('libjanus_websockets.so');
    expect(core).toMatch(/events: \{\n\tbroadcast = false/);
    const ws = files['janus.transport.websockets.jcfg']!;
    expect(ws).toContain('ws_port = 41234');
    expect(ws).toContain('ws_ip = "127.0.0.1"');
    expect(ws).toContain('admin_ws = false');
    expect(ws).toContain('wss = false');
    expect(files['janus.plugin.audiobridge.jcfg']).toContain('rtp_port_range = "20750-20936"');
    // Plain RTP on the ICE interface (loopback in tests), never on every address.
    expect(files['janus.plugin.audiobridge.jcfg']).toContain('local_ip = "127.0.0.1"');
    const streaming = files['janus.plugin.streaming.jcfg']!;
    expect(streaming).toContain('rtp_port_range = "20937-20999"');
    expect(streaming).toContain('events = false');
    // No mountpoint is configured: the server creates each (private, with a secret and a PIN).
    expect(streaming).not.toContain('type =');
    expect(streaming.match(/^\w+: /gm)).toEqual(['general: ']);
    expect(files['janus.plugin.videoroom.jcfg']).toContain('events = false');
  });
});

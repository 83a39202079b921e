import { describe, expect, it } from 'vitest';
import { findJanusFolders, janusConfigFiles, splitRtpPorts, toJcfg } from './config.ts';

describe('Janus configuration', () => {
  it('serialises jcfg with quoting, lists and nested sections', () => {
    expect(toJcfg({ general: { a: 'x"y\\z', n: 4, b: false, list: ['/bin', '/usr'] }, empty: {} })).toBe(
      'general: {\n\ta = "x\\"y\\\\z"\n\tn = 4\n\tb = false\n\tlist = ["/bin", "/usr"]\n}\n\nempty: {}\n',
    );
  });

  it('splits the RTP range between the core and AudioBridge without overlap', () => {
    expect(splitRtpPorts({ from: 20000, to: 20999 })).toEqual({ core: { from: 20000, to: 20749 }, audiobridge: { from: 20750, to: 20999 } });
    const small = splitRtpPorts({ from: 30000, to: 30003 });
    expect(small.core.to).toBeLessThan(small.audiobridge.from);
    expect(small.audiobridge.to).toBe(30003);
  });

  it('serves only the loopback WebSocket API with a secret, and loads only VideoRoom and AudioBridge', () => {
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
    expect(disabledPlugins).toContain('libjanus_streaming.so');
    expect(disabledPlugins).not.toContain('libjanus_videoroom.so');
    expect(disabledPlugins).not.toContain('libjanus_audiobridge.so');
    const disabledTransports = /transports: \{\n\tdisable = "([^"]*)"/.exec(core)![1]!.split(',');
    expect(disabledTransports).toContain('libjanus_http.so');
    expect(disabledTransports).not.toContain('libjanus_websockets.so');
    expect(core).toMatch(/events: \{\n\tbroadcast = false/);
    const ws = files['janus.transport.websockets.jcfg']!;
    expect(ws).toContain('ws_port = 41234');
    expect(ws).toContain('ws_ip = "127.0.0.1"');
    expect(ws).toContain('admin_ws = false');
    expect(ws).toContain('wss = false');
    expect(files['janus.plugin.audiobridge.jcfg']).toContain('rtp_port_range = "20750-20999"');
    expect(files['janus.plugin.videoroom.jcfg']).toContain('events = false');
  });
});

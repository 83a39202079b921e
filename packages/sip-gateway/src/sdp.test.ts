import { describe, expect, it } from 'vitest';
import * as sdpTransform from 'sdp-transform';
import { buildAnswer, parseOffer, pickCrypto, SdpError } from './sdp.ts';

const KEY = 'PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR'; // RFC 4568's example key (30 bytes)

function offer(protocol: string, crypto: string[]): string {
  return [
    'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio 4000 ${protocol} 0 101`,
    'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', ...crypto.map((c) => `a=crypto:${c}`), 'a=sendrecv', '',
  ].join('\r\n');
}

describe('SDES (RFC 4568) in the offer', () => {
  it('reads RTP/SAVP with AES_CM_128_HMAC_SHA1_80', () => {
    const o = parseOffer(offer('RTP/SAVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20`]));
    expect(o.protocol).toBe('RTP/SAVP');
    expect(o.crypto?.tag).toBe(1);
    expect(o.crypto?.suite).toBe('AES_CM_128_HMAC_SHA1_80');
    expect(o.crypto?.keyMaterial).toEqual(Buffer.from(KEY, 'base64'));
  });

  it('skips unsupported lines (suite, MKI, several keys, session parameters, bad key) and takes the first usable one', () => {
    const lines = [
      `1 AES_256_CM_HMAC_SHA1_80 inline:${KEY}${KEY}`,
      `2 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20|1:4`,
      `3 AES_CM_128_HMAC_SHA1_80 inline:${KEY};inline:${KEY}`,
      `4 AES_CM_128_HMAC_SHA1_80 inline:${KEY} UNENCRYPTED_SRTP`,
      '5 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=',
      `6 AES_CM_128_HMAC_SHA1_32 inline:${KEY}`,
    ];
    const o = parseOffer(offer('RTP/SAVP', lines));
    expect(o.crypto).toMatchObject({ tag: 6, suite: 'AES_CM_128_HMAC_SHA1_32' });
    expect(pickCrypto(lines.slice(0, 5).map((l) => sdpTransform.parse(offer('RTP/SAVP', [l])).media[0]?.crypto?.[0] ?? { id: 0, suite: '', config: '' }))).toBeUndefined();
  });

  it('RTP/SAVP without a usable key: 488; plain RTP/AVP: no crypto; RTP/AVP with a key (best effort): SRTP', () => {
    expect(() => parseOffer(offer('RTP/SAVP', []))).toThrow(SdpError);
    try {
      parseOffer(offer('RTP/SAVP', [`1 F8_128_HMAC_SHA1_80 inline:${KEY}`]));
    } catch (err) {
      expect((err as SdpError).status).toBe(488);
    }
    expect(parseOffer(offer('RTP/AVP', [])).crypto).toBeUndefined();
    const be = parseOffer(offer('RTP/AVP', [`7 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`]));
    expect(be).toMatchObject({ protocol: 'RTP/AVP', crypto: { tag: 7 } });
  });

  it('the answer carries our key with the offer\'s tag and suite on the offer\'s profile', () => {
    const media = parseOffer(offer('RTP/SAVP', [`9 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`]));
    const ours = Buffer.alloc(30, 0xab);
    const sdp = sdpTransform.parse(buildAnswer({ media, localAddress: '127.0.0.1', localPort: 5000, sessionId: 1, version: 1, crypto: { tag: 9, suite: 'AES_CM_128_HMAC_SHA1_80', keyMaterial: ours } }));
    expect(sdp.media[0]?.protocol).toBe('RTP/SAVP');
    expect(sdp.media[0]?.crypto).toEqual([{ id: 9, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${ours.toString('base64')}` }]);
    const plain = sdpTransform.parse(buildAnswer({ media: parseOffer(offer('RTP/AVP', [])), localAddress: '127.0.0.1', localPort: 5000, sessionId: 1, version: 1 }));
    expect(plain.media[0]?.protocol).toBe('RTP/AVP');
    expect(plain.media[0]?.crypto).toBeUndefined();
  });
});

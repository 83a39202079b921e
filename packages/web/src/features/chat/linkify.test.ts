import { describe, expect, it } from 'vitest';
import { linkify } from './linkify.ts';

describe('linkify', () => {
  it('keeps markup as text and turns http(s) URLs into links', () => {
    expect(linkify('<script>alert(1)</script> see https://example.org')).toEqual([
      { type: 'text', text: '<script>alert(1)</script> see ' },
      { type: 'link', text: 'https://example.org', href: 'https://example.org/' },
    ]);
  });

  it('leaves trailing punctuation outside and finds several links', () => {
    expect(linkify('Agenda (http://a.example/x?y=1), minutes: https://b.example/m.')).toEqual([
      { type: 'text', text: 'Agenda (' },
      { type: 'link', text: 'http://a.example/x?y=1', href: 'http://a.example/x?y=1' },
      { type: 'text', text: '), minutes: ' },
      { type: 'link', text: 'https://b.example/m', href: 'https://b.example/m' },
      { type: 'text', text: '.' },
    ]);
  });

  it('never links other schemes', () => {
    for (const text of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)//https://x', 'data:text/html,<b>x</b>', 'ftp://example.org', '//example.org', 'www.example.org']) {
      expect(linkify(text).every((s) => s.type === 'text' || s.href.startsWith('https://') || s.href.startsWith('http://'))).toBe(true);
      expect(linkify(text).map((s) => s.text).join('')).toBe(text);
    }
    expect(linkify('javascript:alert(1)')).toEqual([{ type: 'text', text: 'javascript:alert(1)' }]);
  });

  it('keeps text that only looks like a URL as text', () => {
    expect(linkify('http://')).toEqual([{ type: 'text', text: 'http://' }]);
    expect(linkify('')).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { maskCaller } from './mask.ts';

describe('maskCaller', () => {
  it('keeps the country and area code and the last two digits', () => {
    expect(maskCaller('+493614711212')).toBe('+49 361 ••• 12');
    expect(maskCaller('+49 30 1234567')).toBe('+49 30 ••• 67');
    expect(maskCaller('004915112345678')).toBe('+49 151 ••• 78');
    expect(maskCaller('+14155550123')).toBe('+1 415 ••• 23');
    expect(maskCaller('+35312345678')).toBe('+353 123 ••• 78');
    expect(maskCaller('+49 (0)361 4711212')).toBe('+49 361 ••• 12');
  });

  it('takes the user part of a SIP or tel URI', () => {
    expect(maskCaller('sip:+493614711212@trunk.example;user=phone')).toBe('+49 361 ••• 12');
    expect(maskCaller('<tel:+493614711212>')).toBe('+49 361 ••• 12');
  });

  it('masks national numbers by their area code', () => {
    expect(maskCaller('03614711212')).toBe('0361 ••• 12');
    expect(maskCaller('0301234567')).toBe('030 ••• 67');
  });

  it('always hides at least three digits, and shows short numbers only by their end', () => {
    expect(maskCaller('+4936112')).toBe('+49 ••• 12');
    expect(maskCaller('4711')).toBe('Telefon ••• 11');
    expect(maskCaller('12')).toBe('Telefon');
    for (const n of ['+493614711212', '03614711212', '+4936112', '123456']) {
      const shown = maskCaller(n).replace(/\D/g, '');
      expect(n.replace(/\D/g, '').length - shown.length, n).toBeGreaterThanOrEqual(3);
    }
  });

  it('shows the word for phone for anonymous callers and SIP user names', () => {
    expect(maskCaller('anonymous')).toBe('Telefon');
    expect(maskCaller('')).toBe('Telefon');
    expect(maskCaller('sip:alice.mueller@example.org')).toBe('Telefon');
    expect(maskCaller('anonymous', 'en')).toBe('Phone');
  });
});

import type { DialInLanguage } from '@plenum/protocol';

/** What others see of a caller without a number: the word for phone. */
export const PHONE_FALLBACK: Record<DialInLanguage, string> = { de: 'Telefon', en: 'Phone' };

/** Country calling codes of one and two digits (ITU-T E.164 list); every other code has three. */
const SHORT_COUNTRY_CODES = new Set([
  '1', '7',
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84', '86',
  '90', '91', '92', '93', '94', '95', '98',
]);

/** German area codes of two digits (Berlin, Hamburg, Frankfurt, Munich); the others are taken as three. */
const TWO_DIGIT_AREAS_49 = new Set(['30', '40', '69', '89']);

function countryCode(digits: string): string {
  if (SHORT_COUNTRY_CODES.has(digits.slice(0, 1))) return digits.slice(0, 1);
  if (SHORT_COUNTRY_CODES.has(digits.slice(0, 2))) return digits.slice(0, 2);
  return digits.slice(0, 3);
}

/** The user part of a SIP or tel URI ("sip:+4936147110@trunk;user=phone" → "+4936147110"), or the text itself. */
function userPart(caller: string): string {
  let s = caller.trim().replace(/^<|>$/g, '');
  s = s.replace(/^(sips?|tel):/i, '');
  s = s.split('@')[0]!.split(';')[0]!;
  return s;
}

/**
 * The caller as others in the room see them: the country and area prefix and the last two digits of the number,
 * the rest hidden ("+49 361 ••• 12", national "0361 ••• 12"). At least three digits are always hidden; a short
 * number shows only its last two ("Telefon ••• 12"). Anything that is not a number (anonymous, a SIP user name,
 * nothing) is only the word for phone: a user name may name the person, and the room does not need it.
 */
export function maskCaller(caller: string, lang: DialInLanguage = 'de'): string {
  // "+49 (0)361 …": the national trunk prefix in brackets is not dialled from abroad.
  const user = userPart(caller).replace(/\(0\)/g, '');
  const fallback = PHONE_FALLBACK[lang];
  if (!/^\+?[0-9][0-9 ()./-]*$/.test(user)) return fallback;
  const international = user.startsWith('+') || user.startsWith('00');
  let digits = user.replace(/\D/g, '');
  if (user.startsWith('00')) digits = digits.slice(2);
  const last = digits.slice(-2);
  if (digits.length < 6) return digits.length >= 3 ? `${fallback} ••• ${last}` : fallback;
  let prefix: string[];
  if (international) {
    const cc = countryCode(digits);
    const rest = digits.slice(cc.length);
    const areaLength = cc === '49' && TWO_DIGIT_AREAS_49.has(rest.slice(0, 2)) ? 2 : 3;
    prefix = [`+${cc}`, rest.slice(0, areaLength)];
  } else if (digits.startsWith('0')) {
    const areaLength = TWO_DIGIT_AREAS_49.has(digits.slice(1, 3)) ? 3 : 4;
    prefix = [digits.slice(0, areaLength)];
  } else {
    prefix = [];
  }
  // Never show so much that fewer than three digits stay hidden: drop the area code, then the country code.
  const digitsIn = (parts: string[]) => parts.join('').replace('+', '').length;
  while (prefix.length && digitsIn(prefix) + 2 + 3 > digits.length) prefix = prefix.slice(0, -1);
  return prefix.length ? `${prefix.join(' ')} ••• ${last}` : `${fallback} ••• ${last}`;
}

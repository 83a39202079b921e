import { errorRegistry } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { featureMessages } from '../features/messages.ts';
import { registry } from '../features/registry.ts';
import { catalogueOf } from './catalogue.ts';
import { de as appDe } from './de.ts';
import { en as appEn } from './en.ts';

/** Every leaf key of a nested catalogue, as dotted paths. */
function leafKeys(tree: object, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null ? leafKeys(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

function leafValues(tree: object): unknown[] {
  return Object.values(tree).flatMap((value) => (typeof value === 'object' && value !== null ? leafValues(value) : [value]));
}

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

function leafAt(tree: object, path: string): string {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], tree) as string;
}

/** The app's own texts and each feature's, by who owns them. */
const parts: { owner: string; en: object; de: object }[] = [
  { owner: 'app', en: appEn, de: appDe },
  ...registry.map((feature) => ({ owner: feature.namespace, en: feature.messages.en, de: feature.messages.de })),
];

describe('i18n catalogues', () => {
  const en = catalogueOf('en');
  const de = catalogueOf('de');

  it('de and en have exactly the same keys', () => {
    expect(leafKeys(de).sort()).toEqual(leafKeys(en).sort());
  });

  it('every text is a non-empty string', () => {
    for (const value of [...leafValues(en), ...leafValues(de)]) {
      expect(typeof value).toBe('string');
      expect((value as string).trim().length).toBeGreaterThan(0);
    }
  });

  it('translations use the same placeholders', () => {
    for (const key of leafKeys(en)) {
      expect(placeholders(leafAt(de, key)), key).toEqual(placeholders(leafAt(en, key)));
    }
  });

  it('has a human message for every error code of the protocol', () => {
    for (const code of Object.keys(errorRegistry)) {
      expect(en.errors, code).toHaveProperty(code);
      expect(de.errors, code).toHaveProperty(code);
    }
  });
});

describe('the catalogue of every feature', () => {
  it('takes exactly the texts of the registry, from each feature\'s messages.ts', () => {
    // The first page loads the catalogue without the features' code: the list it reads must still be the registry's.
    expect(featureMessages.map((m) => m.en)).toEqual(registry.map((feature) => feature.messages.en));
    expect(featureMessages.map((m) => m.de)).toEqual(registry.map((feature) => feature.messages.de));
    for (const [i, feature] of registry.entries()) expect(featureMessages[i]?.en, feature.namespace).toBe(feature.messages.en);
  });

  it.each(parts)('$owner: de and en have the same keys and placeholders, and no text is empty', ({ en, de }) => {
    expect(leafKeys(de).sort()).toEqual(leafKeys(en).sort());
    for (const key of leafKeys(en)) {
      expect(placeholders(leafAt(de, key)), key).toEqual(placeholders(leafAt(en, key)));
      for (const text of [leafAt(en, key), leafAt(de, key)]) expect(typeof text === 'string' && text.trim().length > 0, key).toBe(true);
    }
  });

  it('gives every section one owner, and the whole catalogue is exactly their sections', () => {
    const owners = new Map<string, string>();
    for (const part of parts) {
      for (const section of Object.keys(part.en)) {
        // A second owner would silently replace the first one's texts.
        expect(owners.get(section), `${section} of ${part.owner}`).toBeUndefined();
        owners.set(section, part.owner);
      }
    }
    for (const lang of ['en', 'de'] as const) {
      expect(Object.keys(catalogueOf(lang)).sort()).toEqual([...owners.keys()].sort());
      expect(leafKeys(catalogueOf(lang)).sort()).toEqual(parts.flatMap((part) => leafKeys(part[lang])).sort());
    }
  });
});

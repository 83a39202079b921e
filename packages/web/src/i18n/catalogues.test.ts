import { errorRegistry } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { de } from './de.ts';
import { en } from './en.ts';

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

describe('i18n catalogues', () => {
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

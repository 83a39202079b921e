import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { permissionsDoc } from '../../../scripts/permissions-doc.ts';

const root = path.resolve(import.meta.dirname, '../../..');

describe('docs/permissions.md', () => {
  it('is generated from the current policy', () => {
    // If this fails: node --import tsx scripts/update-permissions-doc.ts
    expect(fs.readFileSync(path.join(root, 'docs/permissions.md'), 'utf8')).toBe(permissionsDoc());
  });
});

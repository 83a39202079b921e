import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configTable } from '../../../scripts/config-table.ts';

const root = path.resolve(import.meta.dirname, '../../..');

describe('README', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

  it('documents every configuration variable exactly as the config schema defines it', () => {
    // If this fails: node --import tsx scripts/update-readme-config.ts
    expect(readme).toContain(configTable());
  });

  it('every verify-vote example names a trusted key (the key inside an export proves nothing)', () => {
    const examples = [...readme.matchAll(/`(?:npm run plenum -- |plenum )verify-vote [^`]*`/g)].map((m) => m[0]);
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(example).toMatch(/--(fingerprint|key-url|public-key-file|public-key) \S/);
  });

  it('shows exactly two set-up commands, and CI runs the test command', () => {
    const block = readme.split('## Set-up: two commands')[1]!.split('```sh')[1]!.split('```')[0]!;
    const commands = block.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
    expect(commands).toEqual(['npm start', 'npm test']);
    expect(fs.readFileSync(path.join(root, '.ci/run'), 'utf8')).toMatch(/^npm test$/m);
  });
});

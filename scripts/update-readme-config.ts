// Rewrites the configuration table in README.md from the config schema.
import fs from 'node:fs';
import { configTable } from './config-table.ts';

const readme = fs.readFileSync('README.md', 'utf8');
const updated = readme.replace(/<!-- config:start -->[\s\S]*<!-- config:end -->/, `<!-- config:start -->\n${configTable()}\n<!-- config:end -->`);
fs.writeFileSync('README.md', updated);

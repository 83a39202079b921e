// Prints the README's configuration table from the config schema (run: node --import tsx scripts/config-table.ts).
import { configReference } from '../packages/server/src/config.ts';

export function configTable(): string {
  const rows = configReference().map((r) => `| \`${r.name}\` | ${r.default ? `\`${r.default}\`` : '—'} | ${r.meaning} |`);
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(configTable());

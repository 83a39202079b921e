// The whole test suite: type check, lint, then every vitest suite (unit, integration, e2e).
// The last line printed is the totals line CI reads.
import { spawnSync } from 'node:child_process';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: process.env }).status ?? 1;

let preFailed = 0;
for (const [name, cmd, args] of [
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['typecheck web', 'npx', ['tsc', '-p', 'packages/web/tsconfig.json', '--noEmit']],
  ['lint', 'npx', ['eslint', '--max-warnings=0', '.']],
]) {
  console.log(`\n== ${name} ==`);
  if (run(cmd, args) !== 0) {
    console.error(`${name} failed`);
    preFailed++;
  }
}
console.log('\n== vitest ==');
const status = run('npx', ['vitest', 'run', ...process.argv.slice(2)]);
if (preFailed) {
  // Count the failed static checks in the totals so a red type check can't hide behind green tests.
  console.log(`${preFailed} static check(s) failed`);
  console.log(`0 passed, ${preFailed} failed`);
  process.exit(1);
}
process.exit(status);

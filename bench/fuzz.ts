/**
 * Long fuzz run: the same fast-check properties as packages/server/src/fuzz.test.ts (signaling frames from
 * every role, every REST route's body and parameters), with many more runs.
 *
 *   npm run bench:fuzz -- [RUNS=5000] [SEED]     (e.g. npm run bench:fuzz -- 20000 42)
 *
 * A failure prints fast-check's shrunk counterexample and its seed (re-run with that seed to reproduce) and
 * exits 1; a run without findings exits 0. Not part of the suite (the suite runs the bounded version).
 */
import { fuzzRest, fuzzSignaling, fuzzWebSocket, startFuzzServer, stillAnswers } from '../packages/server/src/testing/fuzz.ts';

const runs = Number(process.argv[2] ?? 5000);
const seed = process.argv[3] !== undefined ? Number(process.argv[3]) : Date.now() ^ (Math.random() * 2 ** 31);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  console.error('usage: npm run bench:fuzz -- RUNS SEED   (both integers)');
  process.exit(2);
}

console.log(`fuzz: ${runs} runs per property, seed ${seed}`);
const { server, faults } = await startFuzzServer();
let failed = false;
for (const [name, property] of [
  ['signaling', fuzzSignaling],
  ['websocket', fuzzWebSocket],
  ['rest', fuzzRest],
] as const) {
  const started = performance.now();
  try {
    await property(server, { runs, seed });
    console.log(`${name}: ${runs} runs, no finding (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  } catch (err) {
    failed = true;
    console.error(`${name}: FINDING\n${String((err as Error).message).slice(0, 4000)}`);
  }
}
try {
  await stillAnswers(server);
} catch (err) {
  failed = true;
  console.error(`server no longer answers: ${String(err)}`);
}
if (faults.errors.length) {
  failed = true;
  console.error(`${faults.errors.length} error log lines / unhandled rejections, the first:\n${faults.errors.slice(0, 3).join('\n')}`);
}
faults.stop();
await server.close();
process.exit(failed ? 1 : 0);

import { main } from './cli.ts';

/** `plenum <command>`: see cli.ts. */
process.exitCode = await main(process.argv.slice(2));

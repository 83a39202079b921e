import fs from 'node:fs';
import { verifyVote, type VerifyOptions } from './verify-vote.ts';

/**
 * `plenum <command>`. Commands:
 *   verify-vote <export.json> [--public-key <base64 SPKI>|--key-url <url>]
 * Exit codes: 0 verified, 1 the export does not verify (the first event that does not match is named),
 * 2 wrong usage or unreadable input.
 */
const USAGE = `usage: plenum verify-vote <export.json> [--public-key <base64>|--key-url <url>]

  Recomputes every hash and link of a vote export, checks the sequence, recomputes the tally from the
  ballot events and checks the Ed25519 signature of the closing event. Without --public-key or --key-url the
  key inside the export is used (compare its fingerprint with the one the deployment publishes at
  /.well-known/plenum-signing-key).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'verify-vote') {
    console.error(USAGE);
    return 2;
  }
  const options: VerifyOptions = {};
  let file: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--public-key' || arg === '--key-url') {
      const value = rest[++i];
      if (!value) {
        console.error(`${arg} needs a value\n\n${USAGE}`);
        return 2;
      }
      if (arg === '--public-key') options.publicKey = value;
      else options.keyUrl = value;
    } else if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      return 0;
    } else if (!file) {
      file = arg;
    } else {
      console.error(USAGE);
      return 2;
    }
  }
  if (!file || (options.publicKey && options.keyUrl)) {
    console.error(USAGE);
    return 2;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    console.error(`cannot read ${file}: ${(err as Error).message}`);
    return 2;
  }
  const outcome = await verifyVote(doc, options);
  if (outcome.kind === 'usage') {
    console.error(outcome.message);
    return 2;
  }
  if (outcome.warning) console.error(outcome.warning);
  console.log(outcome.message);
  return outcome.kind === 'ok' ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));

import fs from 'node:fs';
import { verifyVote, type VerifyOptions } from './verify-vote.ts';

/**
 * `plenum <command>`. Commands:
 *   verify-vote <export.json> (--fingerprint SHA256:…|--public-key-file <file>|--public-key <base64>|--key-url <url>)
 * Exit codes: 0 verified against a trusted key, 1 the export does not verify (the first event that does not match
 * is named), 2 wrong usage or unreadable input, 3 chain intact but the signature NOT verified against a trusted key
 * (no key option given).
 */
const EXIT = { ok: 0, failed: 1, usage: 2, untrusted: 3 } as const;

const USAGE = `usage: plenum verify-vote <export.json> --fingerprint SHA256:<hex>
       plenum verify-vote <export.json> --key-url https://<host>/.well-known/plenum-signing-key
       plenum verify-vote <export.json> --public-key-file <key.pem|key.json|key.b64>
       plenum verify-vote <export.json> --public-key <base64 SPKI>

  Recomputes every hash and link of a vote export, checks the sequence, recomputes the tally from the
  ballot events and checks the Ed25519 signature of the closing event against the deployment's key. Name that
  key one way: its fingerprint (printed on the vote's PDF report), the deployment's key URL, a key file (PEM,
  base64 DER, or the JSON the key URL answers) or the base64 key itself. The key inside the export is not
  trusted: anyone who changes an export can re-sign it and put their own key in.

  Exit codes: 0 verified; 1 the export does not verify (the first mismatch is named); 2 wrong usage or
  unreadable input; 3 chain intact, signature NOT verified against a trusted key (no key option given).`;

const VALUE_OPTIONS = { '--public-key': 'publicKey', '--public-key-file': 'publicKeyFile', '--key-url': 'keyUrl', '--fingerprint': 'fingerprint' } as const;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'verify-vote') {
    console.error(USAGE);
    return EXIT.usage;
  }
  const options: VerifyOptions = {};
  let file: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (Object.hasOwn(VALUE_OPTIONS, arg)) {
      const value = rest[++i];
      if (!value) {
        console.error(`${arg} needs a value\n\n${USAGE}`);
        return EXIT.usage;
      }
      options[VALUE_OPTIONS[arg as keyof typeof VALUE_OPTIONS]] = value;
    } else if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      return EXIT.ok;
    } else if (!file && !arg.startsWith('--')) {
      file = arg;
    } else {
      console.error(USAGE);
      return EXIT.usage;
    }
  }
  if (!file || Object.keys(options).length > 1) {
    console.error(Object.keys(options).length > 1 ? `give one key option, not several\n\n${USAGE}` : USAGE);
    return EXIT.usage;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    console.error(`cannot read ${file}: ${(err as Error).message}`);
    return EXIT.usage;
  }
  const outcome = await verifyVote(doc, options);
  if (outcome.kind === 'usage') {
    console.error(outcome.message);
    return EXIT.usage;
  }
  console.log(outcome.message);
  if (outcome.warning) console.error(outcome.warning);
  return EXIT[outcome.kind];
}

process.exitCode = await main(process.argv.slice(2));

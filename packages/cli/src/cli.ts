import fs from 'node:fs';
import { parseHead, verifyAudit } from './verify-audit.ts';
import { verifyVote, type VerifyOptions } from './verify-vote.ts';

/**
 * `plenum <command>`. Commands:
 *   verify-vote <export.json> (--fingerprint SHA256:…|--public-key-file <file>|--public-key <base64>|--key-url <url>)
 *   verify-audit <audit-log.json> [--head <seq>:<hash>]
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

  The key URL's answer (or a file with it) lists the deployment's current and previous keys with their
  validity periods: the key the export names (key_id) is picked, and the signing time must lie in its validity.
  A key that is not among the trusted ones is a failure.

  Exit codes: 0 verified; 1 the export does not verify (the first mismatch is named); 2 wrong usage or
  unreadable input; 3 chain intact, signature NOT verified against a trusted key (no key option given).

usage: plenum verify-audit <audit-log.json> [--head <seq>:<hash>]

  Checks an export of the admin audit log (GET /v1/admin/audit-log, its pages' entries in one list): every
  hash, every link and the sequence. A changed, removed or reordered entry is named. --head is a head noted
  earlier; the log must contain it (entries cut off at the end are caught only that way).
  Exit codes: 0 intact; 1 it does not verify; 2 wrong usage or unreadable input.`;

const VALUE_OPTIONS = { '--public-key': 'publicKey', '--public-key-file': 'publicKeyFile', '--key-url': 'keyUrl', '--fingerprint': 'fingerprint' } as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
}
const consoleIo: Io = { out: (t) => console.log(t), err: (t) => console.error(t) };

function readJson(file: string, io: Io): { doc: unknown } | null {
  try {
    return { doc: JSON.parse(fs.readFileSync(file, 'utf8')) };
  } catch (err) {
    io.err(`cannot read ${file}: ${(err as Error).message}`);
    return null;
  }
}

async function verifyAuditCommand(rest: string[], io: Io): Promise<number> {
  let file: string | undefined;
  let head: { seq: number; hash: string } | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--head') {
      const parsed = parseHead(rest[++i] ?? '');
      if (!parsed) {
        io.err(`--head must look like <seq>:<64 hex digits>\n\n${USAGE}`);
        return EXIT.usage;
      }
      head = parsed;
    } else if (!file && !arg.startsWith('--')) {
      file = arg;
    } else {
      io.err(USAGE);
      return EXIT.usage;
    }
  }
  if (!file) {
    io.err(USAGE);
    return EXIT.usage;
  }
  const read = readJson(file, io);
  if (!read) return EXIT.usage;
  const outcome = verifyAudit(read.doc, head);
  io.out(outcome.message);
  return outcome.kind === 'ok' ? EXIT.ok : outcome.kind === 'failed' ? EXIT.failed : EXIT.usage;
}

/** The whole command line, callable in-process (tests); `io` receives what would go to stdout and stderr. */
export async function main(argv: string[], io: Io = consoleIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'verify-audit') return verifyAuditCommand(rest, io);
  if (command !== 'verify-vote') {
    io.err(USAGE);
    return EXIT.usage;
  }
  const options: VerifyOptions = {};
  let file: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (Object.hasOwn(VALUE_OPTIONS, arg)) {
      const value = rest[++i];
      if (!value) {
        io.err(`${arg} needs a value\n\n${USAGE}`);
        return EXIT.usage;
      }
      options[VALUE_OPTIONS[arg as keyof typeof VALUE_OPTIONS]] = value;
    } else if (arg === '-h' || arg === '--help') {
      io.out(USAGE);
      return EXIT.ok;
    } else if (!file && !arg.startsWith('--')) {
      file = arg;
    } else {
      io.err(USAGE);
      return EXIT.usage;
    }
  }
  if (!file || Object.keys(options).length > 1) {
    io.err(Object.keys(options).length > 1 ? `give one key option, not several\n\n${USAGE}` : USAGE);
    return EXIT.usage;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    io.err(`cannot read ${file}: ${(err as Error).message}`);
    return EXIT.usage;
  }
  const outcome = await verifyVote(doc, options);
  if (outcome.kind === 'usage') {
    io.err(outcome.message);
    return EXIT.usage;
  }
  io.out(outcome.message);
  if (outcome.warning) io.err(outcome.warning);
  return EXIT[outcome.kind];
}


import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../storage/database.ts';

/**
 * A deployment-wide secret from `server_secrets`, generated on first use. Insert-if-absent followed by
 * a read makes concurrent first starts of several nodes agree on one value.
 */
export async function sharedSecret(db: Db, name: string, generate: () => string): Promise<string> {
  await db.insertInto('server_secrets').values({ name, value: generate() }).onConflict((oc) => oc.column('name').doNothing()).execute();
  const row = await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value;
}

const PrivateJwks = z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string() })).min(1) });
const CookieKeys = z.array(z.string().min(32)).min(1);

export interface EmbeddedProviderSecrets {
  /** Private signing keys (RS256 is what every relying party accepts). */
  jwks: { keys: Record<string, unknown>[] };
  /** Keys that sign the provider's cookies; the first signs, all verify (room for rotation). */
  cookieKeys: string[];
  /** Secret of Plenum's own web client at the embedded provider. */
  clientSecret: string;
}

function generateJwks(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return JSON.stringify({ keys: [{ ...jwk, kid: randomBytes(12).toString('base64url'), use: 'sig', alg: 'RS256' }] });
}

export async function loadEmbeddedProviderSecrets(db: Db): Promise<EmbeddedProviderSecrets> {
  const jwks = PrivateJwks.parse(JSON.parse(await sharedSecret(db, 'oidc_jwks', generateJwks)));
  const cookieKeys = CookieKeys.parse(
    JSON.parse(await sharedSecret(db, 'oidc_cookie_keys', () => JSON.stringify([randomBytes(32).toString('base64url')]))),
  );
  const clientSecret = await sharedSecret(db, 'oidc_web_client_secret', () => randomBytes(32).toString('base64url'));
  return { jwks, cookieKeys, clientSecret };
}

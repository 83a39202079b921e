import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Db } from '../../storage/database.ts';

/**
 * oidc-provider's storage contract on the `oidc_payloads` table: grants, sessions, codes and
 * interactions survive restarts and are shared by all nodes. One instance per model name (`kind`).
 */
export class KyselyOidcAdapter implements Adapter {
  constructor(
    private readonly db: Db,
    private readonly kind: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const row = {
      payload: JSON.stringify(payload),
      grant_id: payload.grantId ?? null,
      user_code: payload.userCode ?? null,
      uid: payload.uid ?? null,
      expires_at: typeof expiresIn === 'number' ? new Date(this.now().getTime() + expiresIn * 1000) : null,
    };
    await this.db
      .insertInto('oidc_payloads')
      .values({ id, kind: this.kind, consumed_at: null, ...row })
      .onConflict((oc) => oc.columns(['kind', 'id']).doUpdateSet(row))
      .execute();
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('id', id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('uid', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('user_code', userCode);
  }

  async consume(id: string): Promise<void> {
    await this.db.updateTable('oidc_payloads').set({ consumed_at: this.now() }).where('kind', '=', this.kind).where('id', '=', id).execute();
  }

  async destroy(id: string): Promise<void> {
    await this.db.deleteFrom('oidc_payloads').where('kind', '=', this.kind).where('id', '=', id).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.deleteFrom('oidc_payloads').where('kind', '=', this.kind).where('grant_id', '=', grantId).execute();
  }

  private async findWhere(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    const row = await this.db
      .selectFrom('oidc_payloads')
      .select(['payload', 'expires_at', 'consumed_at'])
      .where('kind', '=', this.kind)
      .where(column, '=', value)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.expires_at && new Date(row.expires_at) <= this.now()) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    // oidc-provider expects `consumed` as a truthy marker (epoch seconds) on consumed artefacts.
    return row.consumed_at ? { ...payload, consumed: Math.floor(new Date(row.consumed_at).getTime() / 1000) } : payload;
  }
}

/** Deletes expired artefacts; `find` already ignores them, this only keeps the table small. */
export async function purgeExpiredOidcPayloads(db: Db, now: Date = new Date()): Promise<number> {
  const res = await db.deleteFrom('oidc_payloads').where('expires_at', '<=', now).executeTakeFirst();
  return Number(res.numDeletedRows);
}

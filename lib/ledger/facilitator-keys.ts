import "server-only";

import { and, desc, eq, gt, isNull, lte, sql } from "drizzle-orm";
import type { FacilitatorKeyView } from "@/lib/x402/shared/facilitator-key";
import type { LedgerDb } from "./db";
import { facilitatorKeys, facilitatorNonces, facilitatorSessions } from "./schema";

export type FacilitatorKeyRow = typeof facilitatorKeys.$inferSelect;

export function keyView(row: FacilitatorKeyRow): FacilitatorKeyView {
  return {
    id: row.id,
    name: row.name,
    keyPrefix: row.keyPrefix,
    networks: row.networks,
    ratePerMinute: row.ratePerMinute,
    verifications: row.verifications,
    settlements: row.settlements,
    volume: row.volume,
    gasWei: row.gasWei,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** The facilitator's API keys, their sign-in sessions and nonces (lib/x402/facilitator/keys.ts decides who may do what). */
export class FacilitatorKeyStore {
  constructor(private readonly db: LedgerDb) {}

  async create(key: { owner: string; name: string; keyHash: string; keyPrefix: string; networks: string[] | null; ratePerMinute: number }): Promise<FacilitatorKeyRow> {
    const [row] = await this.db.insert(facilitatorKeys).values({ ...key, owner: key.owner.toLowerCase() }).returning();
    return row!;
  }

  async byHash(keyHash: string): Promise<FacilitatorKeyRow | undefined> {
    const [row] = await this.db.select().from(facilitatorKeys).where(eq(facilitatorKeys.keyHash, keyHash));
    return row;
  }

  /** The owner's keys, newest first, revoked ones included (their usage stays visible). */
  async listByOwner(owner: string, limit = 100): Promise<FacilitatorKeyRow[]> {
    return this.db
      .select()
      .from(facilitatorKeys)
      .where(eq(facilitatorKeys.owner, owner.toLowerCase()))
      .orderBy(desc(facilitatorKeys.createdAt))
      .limit(limit);
  }

  async countActive(owner: string): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(facilitatorKeys)
      .where(and(eq(facilitatorKeys.owner, owner.toLowerCase()), isNull(facilitatorKeys.revokedAt)));
    return row?.n ?? 0;
  }

  /** Revokes the owner's key; false when it is not theirs (or does not exist, or already revoked). */
  async revoke(owner: string, id: string): Promise<boolean> {
    const rows = await this.db
      .update(facilitatorKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(facilitatorKeys.id, id), eq(facilitatorKeys.owner, owner.toLowerCase()), isNull(facilitatorKeys.revokedAt)))
      .returning({ id: facilitatorKeys.id });
    return rows.length > 0;
  }

  /** Counts one answered request of the key, in one statement, so concurrent requests all count. */
  async recordUse(id: string, use: { verification?: boolean; settlement?: { volume: bigint; gasWei: bigint } }): Promise<void> {
    await this.db
      .update(facilitatorKeys)
      .set({
        lastUsedAt: new Date(),
        verifications: sql`${facilitatorKeys.verifications} + ${use.verification ? 1 : 0}`,
        settlements: sql`${facilitatorKeys.settlements} + ${use.settlement ? 1 : 0}`,
        volume: sql`${facilitatorKeys.volume} + ${(use.settlement?.volume ?? 0n).toString()}::numeric`,
        gasWei: sql`${facilitatorKeys.gasWei} + ${(use.settlement?.gasWei ?? 0n).toString()}::numeric`,
      })
      .where(eq(facilitatorKeys.id, id));
  }

  async addNonce(nonce: string, expiresAt: Date): Promise<void> {
    await this.db.insert(facilitatorNonces).values({ nonce, expiresAt });
    // Expired nonces nobody used go with each new one: the table holds only the last few minutes' worth.
    await this.db.delete(facilitatorNonces).where(lte(facilitatorNonces.expiresAt, new Date()));
  }

  /** Uses a nonce up: true once, and only before it expires. */
  async takeNonce(nonce: string): Promise<boolean> {
    const gone = await this.db
      .delete(facilitatorNonces)
      .where(and(eq(facilitatorNonces.nonce, nonce), gt(facilitatorNonces.expiresAt, new Date())))
      .returning({ nonce: facilitatorNonces.nonce });
    return gone.length > 0;
  }

  async addSession(tokenHash: string, address: string, expiresAt: Date): Promise<void> {
    await this.db.insert(facilitatorSessions).values({ tokenHash, address: address.toLowerCase(), expiresAt });
    await this.db.delete(facilitatorSessions).where(lte(facilitatorSessions.expiresAt, new Date()));
  }

  /** The address of a live session, or undefined. */
  async sessionAddress(tokenHash: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ address: facilitatorSessions.address })
      .from(facilitatorSessions)
      .where(and(eq(facilitatorSessions.tokenHash, tokenHash), gt(facilitatorSessions.expiresAt, new Date())));
    return row?.address;
  }

  async endSession(tokenHash: string): Promise<void> {
    await this.db.delete(facilitatorSessions).where(eq(facilitatorSessions.tokenHash, tokenHash));
  }
}

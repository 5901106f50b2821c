import { randomUUID } from "node:crypto";
import { ConfirmationRejected } from "../domain/errors.ts";
import type { Queryable } from "./catalog.ts";
import { hashToken, newTokenValue } from "./tokens.ts";

export const DOWNLOAD_LINK_TTL_MS = 60_000;

export async function createDownloadLink(db: Queryable, input: { backupId: string; callerTokenId: string }): Promise<{ token: string; expiresAt: Date }> {
  const token = newTokenValue();
  const expiresAt = new Date(Date.now() + DOWNLOAD_LINK_TTL_MS);
  await db.query("INSERT INTO download_links (id, backup_id, token_hash, caller_token_id, expires_at) VALUES ($1, $2, $3, $4, $5)", [
    randomUUID(),
    input.backupId,
    hashToken(token),
    input.callerTokenId,
    expiresAt,
  ]);
  return { token, expiresAt };
}

/** Spends a link; returns its backup and who made it. */
export async function useDownloadLink(db: Queryable, token: string): Promise<{ backupId: string; callerTokenId: string }> {
  const { rows } = await db.query<{ backup_id: string; caller_token_id: string }>(
    "UPDATE download_links SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING backup_id, caller_token_id",
    [hashToken(token)],
  );
  if (!rows[0]) throw new ConfirmationRejected("this download link is unknown, expired or already used; make a new one");
  return { backupId: rows[0].backup_id, callerTokenId: rows[0].caller_token_id };
}

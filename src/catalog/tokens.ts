import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { TokenRole } from "../domain/enums.ts";
import type { Queryable } from "./catalog.ts";

export interface ApiToken {
  id: string;
  name: string;
  role: TokenRole;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function newTokenValue(): string {
  return `pgp_${randomBytes(32).toString("base64url")}`;
}

/** Stores a token by its hash; returns the record. `value` is generated when not given. */
export async function createToken(db: Queryable, input: { name: string; role: TokenRole; value?: string }): Promise<{ token: ApiToken; value: string }> {
  const value = input.value ?? newTokenValue();
  const { rows } = await db.query<ApiToken>(
    `INSERT INTO api_tokens (id, name, role, token_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (token_hash) DO UPDATE SET revoked_at = NULL RETURNING id, name, role`,
    [randomUUID(), input.name, input.role, hashToken(value)],
  );
  return { token: rows[0]!, value };
}

export async function findToken(db: Queryable, value: string): Promise<ApiToken | undefined> {
  const { rows } = await db.query<ApiToken>(
    `UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1 AND revoked_at IS NULL RETURNING id, name, role`,
    [hashToken(value)],
  );
  return rows[0];
}

export async function countTokens(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM api_tokens WHERE revoked_at IS NULL");
  return rows[0]!.n;
}

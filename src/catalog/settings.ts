import type { VerifyLevel } from "../domain/enums.ts";
import { parseConnectionUrl, type ConnectionTarget } from "../postgres/connection.ts";
import type { Sealer } from "../support/sealing.ts";
import type { Queryable } from "./catalog.ts";

export interface Settings {
  defaultVerifyLevel: VerifyLevel;
  defaultRetentionDays: number | null;
  defaultKeepLast: number | null;
  storagePrefix: string;
  scratchDisplay: string | null;
}

const SCRATCH_CONTEXT = "settings.scratch_url";

interface SettingsRow {
  default_verify_level: VerifyLevel;
  default_retention_days: number | null;
  default_keep_last: number | null;
  storage_prefix: string;
  scratch_display: string | null;
}

function toSettings(row: SettingsRow): Settings {
  return {
    defaultVerifyLevel: row.default_verify_level,
    defaultRetentionDays: row.default_retention_days,
    defaultKeepLast: row.default_keep_last,
    storagePrefix: row.storage_prefix,
    scratchDisplay: row.scratch_display,
  };
}

export async function getSettings(db: Queryable): Promise<Settings> {
  const { rows } = await db.query<SettingsRow>("SELECT * FROM settings");
  return toSettings(rows[0]!);
}

export async function updateSettings(
  db: Queryable,
  sealer: Sealer,
  changes: Partial<Omit<Settings, "scratchDisplay">> & { scratchUrl?: string | null },
): Promise<Settings> {
  const current = await getSettings(db);
  const merged = { ...current, ...definedOnly(changes) };
  let scratchSealed: Buffer | null | undefined;
  let scratchDisplay = current.scratchDisplay;
  if (changes.scratchUrl === null) {
    scratchSealed = null;
    scratchDisplay = null;
  } else if (changes.scratchUrl !== undefined) {
    const target = parseConnectionUrl(changes.scratchUrl, "scratchUrl");
    scratchSealed = sealer.seal(changes.scratchUrl, SCRATCH_CONTEXT);
    scratchDisplay = `${target.user}@${target.host}:${target.port}/${target.database}`;
  }
  const { rows } = await db.query<SettingsRow>(
    `UPDATE settings SET default_verify_level = $1, default_retention_days = $2, default_keep_last = $3, storage_prefix = $4,
       scratch_url_sealed = CASE WHEN $5 THEN $6 ELSE scratch_url_sealed END, scratch_display = $7, updated_at = now() RETURNING *`,
    [merged.defaultVerifyLevel, merged.defaultRetentionDays, merged.defaultKeepLast, merged.storagePrefix, scratchSealed !== undefined, scratchSealed ?? null, scratchDisplay],
  );
  return toSettings(rows[0]!);
}

/** The scratch server configured through the API, if any; it overrides the process default. */
export async function configuredScratch(db: Queryable, sealer: Sealer): Promise<ConnectionTarget | undefined> {
  const { rows } = await db.query<{ scratch_url_sealed: Buffer | null }>("SELECT scratch_url_sealed FROM settings");
  const sealed = rows[0]?.scratch_url_sealed;
  return sealed ? parseConnectionUrl(sealer.open(sealed, SCRATCH_CONTEXT)) : undefined;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

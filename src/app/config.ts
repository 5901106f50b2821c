import { join, resolve } from "node:path";
import { InvalidInput } from "../domain/errors.ts";

/** Everything pgproof can be configured with. Built from the environment at the edge, nowhere else. */
export interface PgproofConfig {
  /** State directory: embedded cluster, default storage. */
  home: string;
  /** Control database; unset means the embedded cluster. */
  catalogUrl: string | undefined;
  /** Where new artifacts go: a directory, or s3://bucket/prefix. */
  storage: string;
  s3ForcePathStyle: boolean;
  /** PGPROOF_ENCRYPTION_KEYS: id:key pairs; new artifacts are encrypted with PGPROOF_ENCRYPTION_KEY_ID (or the only key). */
  encryptionKeys: string | undefined;
  encryptionKeyId: string | undefined;
  /** Scratch server for full-restore; unset means the embedded cluster. */
  scratchUrl: string | undefined;
  /** Directories searched first for PostgreSQL binaries. */
  binDirs: string[];
  logLevel: string;
  /** Base64 or hex of 32 bytes; unset means a key file under `home`, created on first start. */
  secretKey: string | undefined;
  /** A fixed admin token to accept (stored hashed); unset means one is created on first start. */
  adminToken: string | undefined;
  /** Jobs each worker runs at once, per kind. */
  concurrency: { backup: number; verify: number; restore: number; webhook: number };
  /** How often a worker looks for due windows, lost workers and overdue sources. */
  schedulerIntervalMs: number;
  /** A worker silent for longer than this has lost its work. */
  leaseMs: number;
  retentionIntervalMs: number;
  backupRetry: { limit: number; delaySeconds: number };
  webhookUrls: string[];
}

export const DEFAULT_HOME = ".pgproof";

export function configFromEnv(env: NodeJS.ProcessEnv, overrides: Partial<PgproofConfig> = {}): PgproofConfig {
  const home = resolve(overrides.home ?? env.PGPROOF_HOME ?? DEFAULT_HOME);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<PgproofConfig>;
  return {
    home,
    catalogUrl: env.PGPROOF_CATALOG_URL || undefined,
    storage: env.PGPROOF_STORAGE?.startsWith("s3://") ? env.PGPROOF_STORAGE : resolve(env.PGPROOF_STORAGE || join(home, "backups")),
    s3ForcePathStyle: env.PGPROOF_S3_FORCE_PATH_STYLE === "true",
    encryptionKeys: env.PGPROOF_ENCRYPTION_KEYS || undefined,
    encryptionKeyId: env.PGPROOF_ENCRYPTION_KEY_ID || undefined,
    scratchUrl: env.PGPROOF_SCRATCH_URL || undefined,
    binDirs: env.PGPROOF_PG_BIN ? env.PGPROOF_PG_BIN.split(":").filter(Boolean) : [],
    logLevel: env.PGPROOF_LOG_LEVEL || "warn",
    secretKey: env.PGPROOF_SECRET_KEY || undefined,
    adminToken: env.PGPROOF_ADMIN_TOKEN || undefined,
    concurrency: {
      backup: positiveInt(env.PGPROOF_MAX_DUMPS, 1),
      verify: positiveInt(env.PGPROOF_MAX_RESTORES, 1),
      restore: 1,
      webhook: 2,
    },
    schedulerIntervalMs: positiveInt(env.PGPROOF_SCHEDULER_INTERVAL_MS, 15_000),
    leaseMs: positiveInt(env.PGPROOF_LEASE_SECONDS, 60) * 1000,
    retentionIntervalMs: positiveInt(env.PGPROOF_RETENTION_INTERVAL_SECONDS, 600) * 1000,
    backupRetry: { limit: wholeNumber(env.PGPROOF_BACKUP_RETRIES, 3), delaySeconds: positiveInt(env.PGPROOF_BACKUP_RETRY_DELAY_SECONDS, 30) },
    webhookUrls: webhookUrls(env.PGPROOF_WEBHOOK_URLS),
    ...defined,
  };
}

function positiveInt(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new InvalidInput(`expected a whole number of at least 1, got ${JSON.stringify(raw)}`);
  return value;
}

function wholeNumber(raw: string | undefined, fallback: number): number {
  return raw === "0" ? 0 : positiveInt(raw, fallback);
}

function webhookUrls(raw: string | undefined): string[] {
  const urls = (raw ?? "").split(",").map((u) => u.trim()).filter(Boolean);
  for (const url of urls) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new InvalidInput(`PGPROOF_WEBHOOK_URLS: ${JSON.stringify(url)} is not an http(s) URL`);
  }
  return urls;
}

import { join, resolve } from "node:path";

/** Everything pgproof can be configured with. Built from the environment at the edge, nowhere else. */
export interface PgproofConfig {
  /** State directory: embedded cluster, default storage. */
  home: string;
  /** Control database; unset means the embedded cluster. */
  catalogUrl: string | undefined;
  /** Artifact directory. */
  storageDir: string;
  /** Scratch server for full-restore; unset means the embedded cluster. */
  scratchUrl: string | undefined;
  /** Directories searched first for PostgreSQL binaries. */
  binDirs: string[];
  logLevel: string;
}

export const DEFAULT_HOME = ".pgproof";

export function configFromEnv(env: NodeJS.ProcessEnv, overrides: Partial<PgproofConfig> = {}): PgproofConfig {
  const home = resolve(overrides.home ?? env.PGPROOF_HOME ?? DEFAULT_HOME);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<PgproofConfig>;
  return {
    home,
    catalogUrl: env.PGPROOF_CATALOG_URL || undefined,
    storageDir: resolve(env.PGPROOF_STORAGE || join(home, "backups")),
    scratchUrl: env.PGPROOF_SCRATCH_URL || undefined,
    binDirs: env.PGPROOF_PG_BIN ? env.PGPROOF_PG_BIN.split(":").filter(Boolean) : [],
    logLevel: env.PGPROOF_LOG_LEVEL || "warn",
    ...defined,
  };
}

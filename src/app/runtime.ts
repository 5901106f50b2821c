import { join } from "node:path";
import { Catalog, ensureDatabase } from "../catalog/catalog.ts";
import type { EngineContext } from "../engine/context.ts";
import { LocalCluster } from "../postgres/cluster.ts";
import { parseConnectionUrl, type ConnectionTarget } from "../postgres/connection.ts";
import { sweepScratchDatabases } from "../postgres/scratch-database.ts";
import { readFile } from "node:fs/promises";
import { Keyring, keyringFromSpec } from "../engine/encryption.ts";
import { openStorage, storageRegistry, type StorageOptions } from "../storage/open-storage.ts";
import type { Storage } from "../storage/storage.ts";
import type { Logger } from "../support/logger.ts";
import type { PgproofConfig } from "./config.ts";

export const EMBEDDED_CATALOG_DATABASE = "pgproof";

const storageOptions = (config: PgproofConfig): StorageOptions => ({ s3ForcePathStyle: config.s3ForcePathStyle });

/** The engine's surroundings; old artifacts are found through the registry by their recorded location. */
export function engineContext(parts: {
  catalog: Catalog;
  storage: Storage;
  logger: Logger;
  binDirs?: string[];
  keyring?: Keyring;
  storageOptions?: StorageOptions;
}): EngineContext {
  return {
    catalog: parts.catalog,
    storage: parts.storage,
    storages: storageRegistry(parts.storage, parts.storageOptions ?? { s3ForcePathStyle: false }),
    logger: parts.logger,
    binDirs: parts.binDirs ?? [],
    keyring: parts.keyring ?? Keyring.empty(),
  };
}

/** An opened pgproof: catalog, storage and scratch server, released in reverse order of acquisition. */
export interface Runtime extends AsyncDisposable {
  ctx: EngineContext;
  scratch: ConnectionTarget;
  /** The embedded cluster, when pgproof runs one. */
  embedded: LocalCluster | undefined;
}

export async function openRuntime(config: PgproofConfig, logger: Logger): Promise<Runtime> {
  const releasers: Array<() => Promise<void>> = [];
  const release = async () => {
    for (const step of releasers.reverse()) await step().catch((error: unknown) => logger.error({ err: error }, "release failed"));
  };
  try {
    const catalogTarget = config.catalogUrl ? parseConnectionUrl(config.catalogUrl, "PGPROOF_CATALOG_URL") : undefined;
    const scratchTarget = config.scratchUrl ? parseConnectionUrl(config.scratchUrl, "PGPROOF_SCRATCH_URL") : undefined;
    let embedded: LocalCluster | undefined;
    if (!catalogTarget || !scratchTarget) {
      const cluster = new LocalCluster({ dir: join(config.home, "postgres") });
      await cluster.start();
      embedded = cluster;
      releasers.push(() => cluster.release());
      if (!catalogTarget) await ensureDatabase(cluster.target(), EMBEDDED_CATALOG_DATABASE);
    }
    const catalog = await Catalog.open(catalogTarget ?? embedded!.target(EMBEDDED_CATALOG_DATABASE));
    releasers.push(() => catalog.close());
    const scratch = scratchTarget ?? embedded!.target("postgres");
    const dropped = await sweepScratchDatabases(scratch).catch((error: unknown) => {
      logger.warn({ err: error }, "could not sweep leftover scratch databases");
      return [];
    });
    if (dropped.length) logger.info({ dropped }, "dropped scratch databases left by a crashed run");
    const keyring = await keyringFromSpec(config.encryptionKeys, config.encryptionKeyId, (path) => readFile(path, "utf8"));
    const ctx = engineContext({ catalog, storage: openStorage(config.storage, storageOptions(config)), logger, binDirs: config.binDirs, keyring, storageOptions: storageOptions(config) });
    return { ctx, scratch, embedded, [Symbol.asyncDispose]: release };
  } catch (error) {
    await release();
    throw error;
  }
}

import { join } from "node:path";
import { Catalog, ensureDatabase } from "../catalog/catalog.ts";
import type { EngineContext } from "../engine/context.ts";
import { LocalCluster } from "../postgres/cluster.ts";
import { parseConnectionUrl, type ConnectionTarget } from "../postgres/connection.ts";
import { sweepScratchDatabases } from "../postgres/scratch-database.ts";
import { LocalStorage } from "../storage/local-storage.ts";
import type { Logger } from "../support/logger.ts";
import type { PgproofConfig } from "./config.ts";

export const EMBEDDED_CATALOG_DATABASE = "pgproof";

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
    const ctx: EngineContext = { catalog, storage: new LocalStorage(config.storageDir), logger, binDirs: config.binDirs };
    return { ctx, scratch, embedded, [Symbol.asyncDispose]: release };
  } catch (error) {
    await release();
    throw error;
  }
}

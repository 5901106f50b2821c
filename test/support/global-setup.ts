import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { LocalCluster } from "../../src/postgres/cluster.ts";
import { withClient } from "../../src/postgres/client.ts";
import type { ConnectionTarget } from "../../src/postgres/connection.ts";
import { SCRATCH_PREFIX } from "../../src/postgres/scratch-database.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Server holding the databases being backed up. */
    sourceServer: ConnectionTarget;
    /** Server holding test catalogs and scratch databases: a different server, as in production. */
    homeServer: ConnectionTarget;
  }
}

/** Two throwaway clusters for the whole run; each test file makes its own databases on them. */
export default async function setup(project: TestProject) {
  const root = await mkdtemp(join(tmpdir(), "pgproof-test-"));
  await chmod(root, 0o755); // the server account must reach its data directory
  const source = await new LocalCluster({ dir: join(root, "source"), fast: true }).start();
  const home = await new LocalCluster({ dir: join(root, "home"), fast: true }).start();
  project.provide("sourceServer", source.target());
  project.provide("homeServer", home.target());

  return async () => {
    try {
      // Every scratch database must have been dropped by whoever made it.
      const { rows } = await withClient(home.target(), (client) =>
        client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [`${SCRATCH_PREFIX}%`]),
      );
      if (rows.length) throw new Error(`scratch databases leaked: ${rows.map((r) => r.datname).join(", ")}`);
    } finally {
      await source.stop();
      await home.stop();
      await rm(root, { recursive: true, force: true });
    }
  };
}

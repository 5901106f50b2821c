import { randomBytes } from "node:crypto";
import pg from "pg";
import { ScratchUnavailable } from "../domain/errors.ts";
import { HOST_ID, processIdentity } from "../support/process-identity.ts";
import { withClient } from "./client.ts";
import { describeTarget, withDatabase, type ConnectionTarget } from "./connection.ts";

export const SCRATCH_PREFIX = "pgproof_scratch_";
// pgproof_scratch_<host>_<pid>_<random>: the owner can be found again after a crash.
const SCRATCH_NAME = new RegExp(`^${SCRATCH_PREFIX}([0-9a-f]{8})_(\\d+)_[0-9a-f]+$`);

/** Every scratch database the process `identity` (see processIdentity) creates starts with this. */
export function scratchPrefixOf(identity: string): string {
  return `${SCRATCH_PREFIX}${identity}_`;
}

/** Every scratch database this process (`pid` on this host) creates starts with this. */
export function scratchNamePrefix(pid = process.pid): string {
  return scratchPrefixOf(processIdentity(pid));
}

export function scratchDatabaseName(pid = process.pid): string {
  return scratchNamePrefix(pid) + randomBytes(6).toString("hex");
}

function withMaintenanceClient<T>(server: ConnectionTarget, work: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClient(server, work, (error) => new ScratchUnavailable(`scratch server ${describeTarget(server)} is unreachable`, { cause: error }));
}

export async function dropDatabase(server: ConnectionTarget, name: string): Promise<void> {
  await withMaintenanceClient(server, (client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}

/**
 * Runs `work` against a fresh, uniquely named database on the scratch server and drops it
 * afterwards, whether `work` succeeds, fails or is cancelled.
 */
export async function withScratchDatabase<T>(
  server: ConnectionTarget,
  options: { encoding: string },
  work: (target: ConnectionTarget) => Promise<T>,
): Promise<T> {
  const name = scratchDatabaseName();
  await withMaintenanceClient(server, async (client) => {
    try {
      await client.query(
        `CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE template0 ENCODING ${pg.escapeLiteral(options.encoding)} LC_COLLATE 'C' LC_CTYPE 'C'`,
      );
    } catch (error) {
      throw new ScratchUnavailable(`could not create a scratch database on ${describeTarget(server)}`, { cause: error });
    }
  });
  try {
    return await work(withDatabase(server, name));
  } finally {
    await dropDatabase(server, name);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Drops every scratch database the process `identity` made (it is known to be gone). */
export async function dropScratchDatabasesOf(server: ConnectionTarget, identity: string): Promise<string[]> {
  return withMaintenanceClient(server, async (client) => {
    const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [scratchPrefixOf(identity)]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
    return rows.map((r) => r.datname);
  });
}

/** Drops scratch databases that a crashed pgproof process on this host left behind. */
export async function sweepScratchDatabases(server: ConnectionTarget): Promise<string[]> {
  return withMaintenanceClient(server, async (client) => {
    const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [`${SCRATCH_PREFIX}%`]);
    const dropped: string[] = [];
    for (const { datname } of rows) {
      const match = SCRATCH_NAME.exec(datname);
      if (!match || match[1] !== HOST_ID || processAlive(Number(match[2]))) continue;
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
      dropped.push(datname);
    }
    return dropped;
  });
}

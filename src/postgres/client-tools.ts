import { ToolMissing } from "../domain/errors.ts";
import { runProcess } from "../support/run-process.ts";
import { candidateBinDirs, findBinary } from "./server-binaries.ts";

export interface ClientTool {
  path: string;
  /** e.g. "15.18" */
  version: string;
  major: number;
}

export type ClientToolName = "pg_dump" | "pg_restore" | "psql";

const versionCache = new Map<string, Promise<ClientTool | undefined>>();

async function probe(path: string): Promise<ClientTool | undefined> {
  const result = await runProcess(path, ["--version"], { timeoutMs: 10_000 }).catch(() => undefined);
  const match = result?.code === 0 ? /(\d+)(?:\.(\d+))?/.exec(result.stdout) : null;
  if (!match) return undefined;
  return { path, version: match[2] ? `${match[1]}.${match[2]}` : match[1]!, major: Number(match[1]) };
}

function probeCached(path: string): Promise<ClientTool | undefined> {
  let found = versionCache.get(path);
  if (!found) {
    found = probe(path);
    versionCache.set(path, found);
  }
  return found;
}

/** Every installed copy of a client tool, with its version. */
export async function installedClients(name: ClientToolName, extraDirs: readonly string[] = []): Promise<ClientTool[]> {
  const paths = new Set<string>();
  for (const dir of candidateBinDirs(extraDirs)) {
    const path = findBinary(name, [dir]);
    if (path) paths.add(path);
  }
  const tools = await Promise.all([...paths].map(probeCached));
  return tools.filter((t): t is ClientTool => t !== undefined);
}

/**
 * The client for a server of `serverMajor`: the same major if installed, else the newest newer one.
 * Older clients cannot dump newer servers, and older pg_restore cannot read newer archives.
 */
export async function clientFor(name: ClientToolName, serverMajor: number, extraDirs: readonly string[] = []): Promise<ClientTool> {
  const tools = await installedClients(name, extraDirs);
  const exact = tools.find((t) => t.major === serverMajor);
  if (exact) return exact;
  const newer = tools.filter((t) => t.major > serverMajor).sort((a, b) => b.major - a.major)[0];
  if (newer) return newer;
  const seen = tools.length ? ` (found ${tools.map((t) => `${name} ${t.version}`).join(", ")})` : "";
  throw new ToolMissing(
    `no ${name} for PostgreSQL ${serverMajor} or newer is installed${seen}; install postgresql-client-${serverMajor} (e.g. apt-get install postgresql-client-${serverMajor}) or set PGPROOF_PG_BIN to its bin directory`,
  );
}

/** Server major from `server_version_num` (e.g. 150018 → 15). */
export function majorOf(serverVersionNum: number): number {
  return Math.floor(serverVersionNum / 10000);
}

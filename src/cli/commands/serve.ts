import { startService } from "../../app/service.ts";
import { InvalidInput } from "../../domain/errors.ts";
import { untilInterrupted, type CommandEnv } from "../command-runner.ts";

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidInput(`--port must be 0 to 65535, got ${JSON.stringify(raw)}`, ["port"]);
  return port;
}

/** Runs until SIGINT/SIGTERM, then stops taking work, lets running jobs finish, and releases everything. */
export async function serveCommand(env: CommandEnv, options: { host: string; port: string; api: boolean }): Promise<number> {
  await using service = await startService(env.runtime, env.config, env.logger, { host: options.host, port: parsePort(options.port), api: options.api });
  const say = (line: string) => process.stdout.write(line + "\n");
  if (service.url) say(`pgproof is serving ${service.url} (API under ${service.url}/api/v1, OpenAPI at ${service.url}/api/openapi.json)`);
  else say("pgproof worker started; taking jobs from the shared queue");
  if (service.newAdminToken) say(`admin token (shown once; also saved in ${service.adminTokenFile}): ${service.newAdminToken}`);
  else if (service.url && !env.config.adminToken) say(`admin token: see ${service.adminTokenFile}, or make one with: pgproof token create --role admin`);
  await untilInterrupted(env.signal);
  say("stopping: waiting for running jobs");
  return 0;
}

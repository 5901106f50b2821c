import { createToken } from "../../catalog/tokens.ts";
import type { TokenRole } from "../../domain/enums.ts";
import type { CommandEnv } from "../command-runner.ts";
import { printJson } from "../output.ts";

export async function tokenCreateCommand(env: CommandEnv, options: { role: TokenRole; name?: string }): Promise<number> {
  const { token, value } = await createToken(env.runtime.ctx.catalog.pool, { name: options.name ?? options.role, role: options.role });
  if (env.json) printJson({ id: token.id, name: token.name, role: token.role, token: value });
  else process.stdout.write(`${token.role} token ${token.name} (shown once): ${value}\n`);
  return 0;
}

import { fileURLToPath } from "node:url";
import { runProcess } from "../../src/support/run-process.ts";

export const CLI = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

/** Runs the real CLI in a child process with the given environment. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<CliResult> {
  const result = await runProcess(process.execPath, [...nodeArgs, CLI, ...args], { env, timeoutMs: 170_000, stderrLimit: 1 << 20 });
  let json: unknown = undefined;
  if (args.includes("--json")) json = JSON.parse(result.stdout);
  return { code: result.code, stdout: result.stdout, stderr: result.stderr, json };
}

import { hostname, userInfo } from "node:os";
import { configFromEnv, type PgproofConfig } from "../app/config.ts";
import { openRuntime, type Runtime } from "../app/runtime.ts";
import { toPgproofError } from "../domain/errors.ts";
import { createLogger, type Logger } from "../support/logger.ts";
import { redactError } from "../support/redact.ts";
import { exitCodeFor } from "./exit-codes.ts";
import { errorJson, printJson } from "./output.ts";

export interface GlobalOptions {
  home?: string;
  storage?: string;
  catalogUrl?: string;
  scratchUrl?: string;
  json?: boolean;
  verbose?: boolean;
  /** A command's own default log level (the server logs requests); PGPROOF_LOG_LEVEL and --verbose win. */
  logLevel?: string;
}

export interface CommandEnv {
  runtime: Runtime;
  config: PgproofConfig;
  logger: Logger;
  signal: AbortSignal;
  json: boolean;
  /** Who started the work, recorded on verification runs. */
  actor: string;
}

export function configFromOptions(options: GlobalOptions): PgproofConfig {
  return configFromEnv(process.env, {
    home: options.home,
    storage: options.storage,
    catalogUrl: options.catalogUrl,
    scratchUrl: options.scratchUrl,
    logLevel: options.verbose ? "info" : process.env.PGPROOF_LOG_LEVEL ? undefined : options.logLevel,
  });
}

/** Resolves when the command is interrupted (Ctrl-C, SIGTERM): long-running commands wait on it. */
export function untilInterrupted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/**
 * Runs one CLI command: opens pgproof, turns SIGINT/SIGTERM into cancellation, maps errors to
 * exit codes, and releases everything before the process exits.
 */
export async function runCommand(options: GlobalOptions, command: (env: CommandEnv) => Promise<number>): Promise<never> {
  const config = configFromOptions(options);
  const logger = createLogger(config.logLevel);
  const controller = new AbortController();
  let firstSignalAt = 0;
  // A second Ctrl-C forces the exit. Signals in quick succession are one Ctrl-C: npm forwards
  // the interrupt that the terminal also sent to this process.
  const onSignal = () => {
    if (firstSignalAt && Date.now() - firstSignalAt > 2000) process.exit(130);
    firstSignalAt ||= Date.now();
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let code: number;
  try {
    await using runtime = await openRuntime(config, logger);
    code = await command({ runtime, config, logger, signal: controller.signal, json: Boolean(options.json), actor: `cli:${userInfo().username}@${hostname()}` });
  } catch (thrown) {
    const error = toPgproofError(thrown);
    logger.debug({ err: redactError(thrown, []) }, "command failed");
    if (options.json) printJson(errorJson(error));
    else process.stderr.write(`pgproof: ${error.message}\n`);
    code = exitCodeFor(error);
  }
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  process.exit(code);
}

import { pino, type Logger } from "pino";
import { redactError } from "./redact.ts";

export type { Logger };

/** Logs go to stderr so that stdout stays free for `--json` output. */
export function createLogger(level: string = "info"): Logger {
  return pino(
    {
      level,
      base: undefined,
      // Errors are logged as message, tag, stack and cause only: a driver's error object can carry its connection settings.
      serializers: { err: (error: unknown) => (error instanceof Error ? redactError(error) : error) },
      redact: { paths: ["password", "*.password", "url", "*.url", "connectionString", "*.connectionString"], censor: "***" },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

export const silentLogger: Logger = pino({ level: "silent" });

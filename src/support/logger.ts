import { pino, type Logger } from "pino";

export type { Logger };

/** Logs go to stderr so that stdout stays free for `--json` output. */
export function createLogger(level: string = "info"): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ["password", "*.password", "url", "*.url", "connectionString", "*.connectionString"], censor: "***" },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

export const silentLogger: Logger = pino({ level: "silent" });

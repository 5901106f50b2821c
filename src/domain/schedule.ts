import { Cron } from "croner";

/** True when `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The reason a cron expression is invalid, or undefined when it is valid. */
export function cronProblem(expression: string, timezone = "UTC"): string | undefined {
  try {
    new Cron(expression, { timezone, paused: true });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : "invalid cron expression";
  }
}

/** The next `count` run times of a schedule after `from`. */
export function nextRuns(expression: string, timezone: string, count = 5, from = new Date()): Date[] {
  return new Cron(expression, { timezone, paused: true }).nextRuns(count, from);
}

/**
 * Settings that fix the text form of every value, so a row hashes the same on the source and
 * after a restore on another server. search_path '' makes catalog names come out schema-qualified.
 */
export const PINNED_SESSION_SETTINGS: ReadonlyArray<readonly [string, string]> = [
  ["TimeZone", "UTC"],
  ["DateStyle", "ISO, YMD"],
  ["IntervalStyle", "postgres"],
  ["bytea_output", "hex"],
  ["extra_float_digits", "3"],
  ["search_path", ""],
  ["lc_monetary", "C"],
  ["statement_timeout", "0"],
];

export const PIN_SESSION_SQL = PINNED_SESSION_SETTINGS.map(([name, value]) => `SET ${name} = '${value}'`).join("; ");

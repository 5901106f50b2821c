import { formatBytes } from "../../src/domain/format.ts";

export function bytes(n: number | null | undefined): string {
  return n === null || n === undefined ? "–" : formatBytes(n);
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "–";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  return value < 1000 ? `${value} ms` : `${(value / 1000).toFixed(1)} s`;
}

export function percent(done: number | null | undefined, total: number | null | undefined): string {
  if (!done || !total) return "";
  return `${Math.min(100, Math.round((done / total) * 100))}%`;
}

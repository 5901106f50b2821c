import { createHash } from "node:crypto";
import { hostname } from "node:os";

/** A short, stable id of this machine. */
export const HOST_ID = createHash("sha256").update(hostname()).digest("hex").slice(0, 8);

/** `<host>_<pid>`: names a pgproof process across machines; scratch databases and heartbeats carry it. */
export function processIdentity(pid = process.pid): string {
  return `${HOST_ID}_${pid}`;
}

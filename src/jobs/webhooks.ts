import type pg from "pg";
import type { WebhookEvent } from "../domain/enums.ts";
import type { JobQueue } from "./queue.ts";

const TIMEOUT_MS = 10_000;

/** Queues one delivery per configured URL; each is retried with backoff until it is accepted. */
export async function notify(queue: JobQueue, urls: readonly string[], event: WebhookEvent, payload: Record<string, unknown>, tx?: pg.ClientBase): Promise<void> {
  for (const url of urls) await queue.enqueue("webhook", { url, event, payload: { event, at: new Date().toISOString(), ...payload } }, tx);
}

/** One delivery attempt; throws on anything but a 2xx so the queue retries it. */
export async function deliver(url: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "pgproof" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`webhook ${new URL(url).host} answered ${response.status}`);
}

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LocalStorage } from "../src/storage/local-storage.ts";
import { S3Storage } from "../src/storage/s3-storage.ts";
import type { Storage } from "../src/storage/storage.ts";
import { BUCKET, startS3Server } from "./support/s3-server.ts";

let s3: Awaited<ReturnType<typeof startS3Server>>;
let dir: string;
beforeAll(async () => {
  s3 = await startS3Server();
  dir = await mkdtemp(join(tmpdir(), "pgproof-contract-"));
});
afterAll(async () => {
  await s3.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The contract every storage driver keeps; each implementation runs the same cases. */
const drivers: Array<[string, () => Storage]> = [
  ["local", () => new LocalStorage(dir)],
  ["s3", () => new S3Storage(`s3://${BUCKET}/contract`, { forcePathStyle: true })],
];

describe.each(drivers)("%s storage", (_name, open) => {
  test("put, stat, get, list and delete", async () => {
    const storage = open();
    const body = "x".repeat(20 * 1024 * 1024 + 17); // more than two multipart parts
    const stored = await storage.put("a/one.dump", Readable.from([Buffer.from(body)]));
    expect(stored).toEqual({ key: "a/one.dump", sizeBytes: body.length });
    expect(await storage.stat("a/one.dump")).toEqual({ key: "a/one.dump", sizeBytes: body.length });
    expect(await text(await storage.get("a/one.dump"))).toBe(body);
    const listed: string[] = [];
    for await (const object of storage.list()) listed.push(object.key);
    expect(listed).toContain("a/one.dump");
    await storage.delete("a/one.dump");
    expect(await storage.stat("a/one.dump")).toBeNull();
    await storage.delete("a/one.dump"); // deleting a missing object is not an error
  });

  test("a put whose body fails leaves no object", async () => {
    const storage = open();
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(9 * 1024 * 1024, 1));
        this.destroy(new Error("source died"));
      },
    });
    await expect(storage.put("b/broken.dump", failing)).rejects.toThrow(/source died/);
    expect(await storage.stat("b/broken.dump")).toBeNull();
  });

  test("a cancelled put leaves no object", async () => {
    const storage = open();
    const controller = new AbortController();
    const endless = new Readable({
      read() {
        setTimeout(() => this.push(Buffer.alloc(1024 * 1024, 2)), 5);
      },
    });
    setTimeout(() => controller.abort(), 200);
    await expect(storage.put("c/cancelled.dump", endless, { signal: controller.signal })).rejects.toThrow();
    expect(await storage.stat("c/cancelled.dump")).toBeNull();
  });

  test("keys that would escape the root or prefix are refused", async () => {
    const storage = open();
    await expect(storage.stat("../outside")).rejects.toMatchObject({ _tag: "InvalidInput" });
  });

  test("the incomplete-upload sweep runs quietly", async () => {
    const storage = open();
    // s3rver lacks ListMultipartUploads: the sweep must then do nothing and say nothing.
    expect(await (storage.sweepIncompleteUploads?.() ?? Promise.resolve(0))).toBe(0);
  });
});

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { engineContext } from "../src/app/runtime.ts";
import { getBackup } from "../src/catalog/backups.ts";
import { runBackup } from "../src/engine/backup.ts";
import { Keyring } from "../src/engine/encryption.ts";
import { runRestore } from "../src/engine/restore.ts";
import { runVerification } from "../src/engine/verify.ts";
import type { EngineContext } from "../src/engine/context.ts";
import { applyRetention } from "../src/jobs/retention.ts";
import { withDatabase } from "../src/postgres/connection.ts";
import { S3Storage } from "../src/storage/s3-storage.ts";
import { silentLogger } from "../src/support/logger.ts";
import { runProcess } from "../src/support/run-process.ts";
import { createDatabase, dropDatabase, sourceServer, sql, uniqueName } from "./support/databases.ts";
import { useRichSourceFixture } from "./support/rich-source.ts";
import { BUCKET, startS3Server } from "./support/s3-server.ts";
import { WorkerFleet } from "./support/workers.ts";
import { toConnectionString } from "../src/postgres/connection.ts";

const fixture = useRichSourceFixture();
let s3: Awaited<ReturnType<typeof startS3Server>>;
let raw: S3Client;

beforeAll(async () => {
  s3 = await startS3Server();
  raw = new S3Client({ forcePathStyle: true });
});
afterAll(async () => {
  await s3.stop();
});

function withStorage(storage: S3Storage, keyring?: Keyring): EngineContext {
  const base = fixture.pgproof().ctx;
  return engineContext({ catalog: base.catalog, storage, logger: silentLogger, keyring, storageOptions: { s3ForcePathStyle: true } });
}

async function objectBytes(key: string): Promise<Buffer> {
  const response = await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

async function putObjectBytes(key: string, bytes: Buffer): Promise<void> {
  await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes }));
}

const verify = (ctx: EngineContext, backupId: string, level: "header-only" | "full-restore") =>
  runVerification(ctx, { backupId, level, triggeredBy: "test", scratch: fixture.pgproof().scratch });

describe("S3-compatible storage", () => {
  test("backup, both verify levels, restore and retention work on S3; the catalog records where each artifact is", async () => {
    const ctx = withStorage(new S3Storage(`s3://${BUCKET}/engine`, { forcePathStyle: true }));
    const backup = await runBackup(ctx, { source: fixture.source() });
    expect(backup.storageLocation).toBe(`s3://${BUCKET}/engine`);
    expect((await objectBytes(`engine/${backup.id}.dump`)).length).toBe(backup.sizeBytes);
    expect((await verify(ctx, backup.id, "header-only")).verification.status).toBe("passed");
    expect((await verify(ctx, backup.id, "full-restore")).verification.status).toBe("passed");

    const target = withDatabase(fixture.source(), uniqueName("from_s3"));
    try {
      await runRestore(ctx, { backupId: backup.id, target, createsDatabase: true });
      const [row] = await sql<{ n: string }>(target, "SELECT count(*)::text AS n FROM shop.orders");
      expect(Number(row!.n)).toBe(backup.manifest!.tables.find((t) => t.name === "orders")!.rows);
    } finally {
      await dropDatabase(target);
    }

    // Switching drivers does not strand old backups: a local one stays readable from an S3-configured pgproof.
    const local = await runBackup(fixture.pgproof().ctx, { source: fixture.source() });
    expect((await verify(ctx, local.id, "header-only")).verification.status).toBe("passed");

    const fleet = new WorkerFleet(fixture.pgproof());
    const source = await fleet.addSource({ name: "s3-retained", url: toConnectionString(fixture.source()), keepLast: 1 });
    const older = await runBackup(ctx, { source: fixture.source(), sourceId: source.id });
    const newer = await runBackup(ctx, { source: fixture.source(), sourceId: source.id });
    const result = await applyRetention(ctx, source.id);
    expect(result.purged.map((p) => p.id)).toEqual([older.id]);
    await expect(objectBytes(`engine/${older.id}.dump`)).rejects.toThrow();
    expect((await objectBytes(`engine/${newer.id}.dump`)).length).toBe(newer.sizeBytes);
  });

  test("an upload cut off midway leaves no object and a failed backup", async () => {
    const big = await createDatabase(
      sourceServer(),
      "bigs3",
      `CREATE TABLE public.blobs (id bigint PRIMARY KEY, body text NOT NULL);
       INSERT INTO public.blobs SELECT i, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) FROM generate_series(1, 400000) i;`,
    );
    try {
      const ctx = withStorage(new S3Storage(`s3://${BUCKET}/cut`, { forcePathStyle: true }));
      const controller = new AbortController();
      let written = 0;
      const running = runBackup(ctx, {
        source: big,
        signal: controller.signal,
        onProgress: (bytes) => {
          written = bytes;
          if (bytes > 12 * 1024 * 1024) controller.abort();
        },
      });
      const error = await running.catch((e: unknown) => e);
      expect(error).toMatchObject({ _tag: "Cancelled" });
      expect(written).toBeGreaterThan(12 * 1024 * 1024);
      const [row] = await sql<{ id: string; status: string }>(fixture.pgproof().catalogTarget, "SELECT id, status FROM backups WHERE source_database = $1", [big.database]);
      expect(row!.status).toBe("failed");
      await expect(objectBytes(`cut/${row!.id}.dump`)).rejects.toThrow();
      expect(await runProcess("pgrep", ["-f", `pg_dump .*${big.database}`]).then((r) => r.stdout.trim())).toBe("");
    } finally {
      await dropDatabase(big);
    }
  });
});

describe("encryption at rest", () => {
  const keyA = randomBytes(32);
  const keyring = new Keyring(new Map([["k1", keyA]]), "k1");
  const bigger = () => createDatabase(sourceServer(), "enc", `CREATE TABLE public.t (id int PRIMARY KEY, v text); INSERT INTO public.t SELECT i, md5(i::text) FROM generate_series(1, 30000) i;`);

  test("round trip: encrypted on S3, verified at both levels, restored", async () => {
    const ctx = withStorage(new S3Storage(`s3://${BUCKET}/enc`, { forcePathStyle: true }), keyring);
    const backup = await runBackup(ctx, { source: fixture.source() });
    expect(backup.encryptionKeyId).toBe("k1");
    const stored = await objectBytes(`enc/${backup.id}.dump`);
    expect(stored.subarray(0, 8).toString()).toBe("PGPENC01");
    expect(stored.includes(Buffer.from("PGDMP"))).toBe(false);
    expect((await verify(ctx, backup.id, "header-only")).verification.status).toBe("passed");
    expect((await verify(ctx, backup.id, "full-restore")).verification.status).toBe("passed");
    const target = withDatabase(fixture.source(), uniqueName("decrypted"));
    try {
      await runRestore(ctx, { backupId: backup.id, target, createsDatabase: true });
      expect((await sql<{ n: string }>(target, "SELECT count(*)::text AS n FROM shop.customers"))[0]!.n).toBe("200");
    } finally {
      await dropDatabase(target);
    }
  });

  const tamperings: Array<[string, (bytes: Buffer) => Buffer, RegExp]> = [
    ["a flipped byte", (b) => { const c = Buffer.from(b); c[Math.floor(c.length / 2)]! ^= 0x01; return c; }, /chunk \d+ failed authentication/],
    ["a truncated artifact", (b) => b.subarray(0, Math.floor(b.length * 0.6)), /truncated/],
    ["two chunks swapped", swapFirstTwoChunks, /chunk 0 failed authentication/],
  ];
  for (const [what, tamper, reason] of tamperings) {
    test(`${what} is detected at header-only level with a clear reason`, async () => {
      const source = await bigger();
      try {
        const ctx = withStorage(new S3Storage(`s3://${BUCKET}/tamper`, { forcePathStyle: true }), keyring);
        const backup = await runBackup(ctx, { source });
        const key = `tamper/${backup.id}.dump`;
        const tampered = tamper(await objectBytes(key));
        await putObjectBytes(key, tampered);
        // Keep size and checksum consistent with the tampered bytes: only decryption can tell.
        const { createHash } = await import("node:crypto");
        await sql(fixture.pgproof().catalogTarget, "UPDATE backups SET size_bytes = $2, sha256 = $3 WHERE id = $1", [backup.id, tampered.length, createHash("sha256").update(tampered).digest("hex")]);
        const outcome = await verify(ctx, backup.id, "header-only");
        expect(outcome.verification.status).toBe("failed");
        expect(outcome.verification.message).toMatch(/decryption failed/);
        expect(outcome.verification.message).toMatch(reason);
      } finally {
        await dropDatabase(source);
      }
    });
  }

  test("the wrong key fails verification; a missing key id is an error naming it; old keys stay usable after rotation", async () => {
    const storage = new S3Storage(`s3://${BUCKET}/keys`, { forcePathStyle: true });
    const backup = await runBackup(withStorage(storage, keyring), { source: fixture.source() });
    const wrong = await verify(withStorage(storage, new Keyring(new Map([["k1", randomBytes(32)]]))), backup.id, "header-only");
    expect(wrong.verification.status).toBe("failed");
    expect(wrong.verification.message).toMatch(/failed authentication/);

    const second = await runBackup(withStorage(storage, keyring), { source: fixture.source() });
    const missing = await verify(withStorage(storage, new Keyring(new Map([["k2", randomBytes(32)]]))), second.id, "header-only");
    expect(missing.error?._tag).toBe("EncryptionKeyMissing");
    expect(missing.verification.status).toBe("error");
    expect(missing.verification.message).toMatch(/"k1"/);
    expect((await getBackup(fixture.pgproof().ctx.catalog.pool, second.id)).status).toBe("completed");

    const rotated = new Keyring(new Map([["k1", keyA], ["k2", randomBytes(32)]]), "k2");
    const third = await runBackup(withStorage(storage, rotated), { source: fixture.source() });
    expect(third.encryptionKeyId).toBe("k2");
    expect((await verify(withStorage(storage, rotated), second.id, "header-only")).verification.status).toBe("passed");
    expect((await verify(withStorage(storage, rotated), third.id, "header-only")).verification.status).toBe("passed");
  });
});

/** Swaps the first two chunks of an encrypted artifact (both full-size, so lengths stay plausible). */
function swapFirstTwoChunks(bytes: Buffer): Buffer {
  const idLength = bytes[8]!;
  const headerLength = 8 + 1 + idLength + 8;
  const chunkLength = (at: number) => 5 + bytes.readUInt32BE(at) + 16;
  const first = chunkLength(headerLength);
  const second = chunkLength(headerLength + first);
  return Buffer.concat([
    bytes.subarray(0, headerLength),
    bytes.subarray(headerLength + first, headerLength + first + second),
    bytes.subarray(headerLength, headerLength + first),
    bytes.subarray(headerLength + first + second),
  ]);
}

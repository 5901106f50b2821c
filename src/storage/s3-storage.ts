import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { InvalidInput, StorageFailure } from "../domain/errors.ts";
import type { Storage, StoredObject } from "./storage.ts";

export interface S3Location {
  bucket: string;
  prefix: string;
}

export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) throw new InvalidInput(`${JSON.stringify(url)} is not an s3://bucket/prefix location`, ["storage"]);
  return { bucket: match[1]!, prefix: (match[2] ?? "").replace(/^\/+|\/+$/g, "") };
}

const PART_BYTES = 8 * 1024 * 1024;
const INCOMPLETE_UPLOAD_AGE_MS = 7 * 86_400_000;

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

/**
 * Artifacts in an S3-compatible bucket, configured the way AWS tools are (AWS_ENDPOINT_URL_S3,
 * AWS_REGION, credentials from the environment or config file). Uploads are multipart and
 * streamed: at most two parts are in memory, whatever the dump size.
 */
export class S3Storage implements Storage {
  readonly description: string;
  private readonly client: S3Client;
  private readonly location: S3Location;

  constructor(url: string, options: { forcePathStyle?: boolean; client?: S3Client } = {}) {
    this.location = parseS3Url(url);
    this.description = `s3://${this.location.bucket}${this.location.prefix ? "/" + this.location.prefix : ""}`;
    this.client = options.client ?? new S3Client({ forcePathStyle: options.forcePathStyle ?? false });
  }

  private objectKey(key: string): string {
    if (!key || key.includes("..") || key.startsWith("/")) throw new InvalidInput(`storage key ${JSON.stringify(key)} escapes the storage prefix`);
    return this.location.prefix ? `${this.location.prefix}/${key}` : key;
  }

  private failure(what: string, key: string, error: unknown): StorageFailure {
    const status = statusOf(error);
    return new StorageFailure(`could not ${what} ${key} in ${this.description}${status ? ` (HTTP ${status})` : ""}`, { cause: error });
  }

  async put(key: string, body: Readable, options: { signal?: AbortSignal } = {}): Promise<StoredObject> {
    const objectKey = this.objectKey(key);
    const passthrough = new PassThrough();
    // leavePartsOnError false: a failed or cancelled upload is aborted, so no partial object appears.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.location.bucket, Key: objectKey, Body: passthrough },
      partSize: PART_BYTES,
      queueSize: 2,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => {});
    options.signal?.addEventListener("abort", abort, { once: true });
    try {
      const feeding = pipeline(body, passthrough, { signal: options.signal }).catch(async (error: unknown) => {
        await upload.abort().catch(() => {});
        throw error;
      });
      const [, uploaded] = await Promise.allSettled([feeding, upload.done()]);
      await feeding;
      if (uploaded.status === "rejected") throw this.failure("upload", key, uploaded.reason);
    } catch (error) {
      await this.discardIncomplete(key).catch(() => {});
      throw error;
    } finally {
      options.signal?.removeEventListener("abort", abort);
    }
    const stored = await this.stat(key);
    if (!stored) throw new StorageFailure(`upload of ${key} to ${this.description} finished but the object is not there`);
    return stored;
  }

  async get(key: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    const objectKey = this.objectKey(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: objectKey }), { abortSignal: options.signal });
      return response.Body as Readable;
    } catch (error) {
      throw this.failure("read", key, error);
    }
  }

  async stat(key: string): Promise<StoredObject | null> {
    const objectKey = this.objectKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: objectKey }));
      return { key, sizeBytes: Number(head.ContentLength ?? 0) };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw this.failure("stat", key, error);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
    } catch (error) {
      if (statusOf(error) !== 404) throw this.failure("delete", key, error);
    }
  }

  async *list(prefix = ""): AsyncIterable<StoredObject> {
    const base = this.location.prefix ? `${this.location.prefix}/` : "";
    let token: string | undefined;
    do {
      const page = await this.client
        .send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: base + prefix, ContinuationToken: token }))
        .catch((error: unknown) => {
          throw this.failure("list", prefix || "/", error);
        });
      for (const object of page.Contents ?? []) if (object.Key) yield { key: object.Key.slice(base.length), sizeBytes: Number(object.Size ?? 0) };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Multipart uploads under `prefix` started before `before`; empty where the endpoint lacks the call. */
  private async incompleteUploads(prefix: string, before: Date): Promise<Array<{ key: string; uploadId: string }>> {
    try {
      const found: Array<{ key: string; uploadId: string }> = [];
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      do {
        const page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.location.bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
        for (const u of page.Uploads ?? []) if (u.Key && u.UploadId && (u.Initiated ?? new Date(0)) < before) found.push({ key: u.Key, uploadId: u.UploadId });
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
      } while (keyMarker);
      return found;
    } catch {
      return [];
    }
  }

  async discardIncomplete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    for (const upload of await this.incompleteUploads(objectKey, new Date(Date.now() + 60_000))) {
      if (upload.key === objectKey) await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.location.bucket, Key: upload.key, UploadId: upload.uploadId })).catch(() => {});
    }
  }

  /** Aborts multipart uploads under the prefix older than seven days; quietly nothing where unsupported. */
  async sweepIncompleteUploads(now = new Date()): Promise<number> {
    const base = this.location.prefix ? `${this.location.prefix}/` : "";
    const stale = await this.incompleteUploads(base, new Date(now.getTime() - INCOMPLETE_UPLOAD_AGE_MS));
    for (const upload of stale) await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.location.bucket, Key: upload.key, UploadId: upload.uploadId })).catch(() => {});
    return stale.length;
  }
}

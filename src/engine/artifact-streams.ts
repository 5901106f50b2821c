import { createHash } from "node:crypto";
import { Transform, type TransformCallback, type Writable } from "node:stream";

/** Passes bytes through while computing their SHA-256 and count. */
export class Digest extends Transform {
  private readonly hash = createHash("sha256");
  bytes = 0;
  private readonly onProgress: ((bytes: number) => void) | undefined;

  constructor(onProgress?: (bytes: number) => void) {
    super();
    this.onProgress = onProgress;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onProgress?.(this.bytes);
    callback(null, chunk);
  }

  sha256(): string {
    return this.hash.copy().digest("hex");
  }
}

/**
 * Passes bytes through and also feeds them to `side` (a reader that may stop early, like
 * `pg_restore --list` once it has the table of contents). When `side` closes, the rest only passes through.
 */
export class Tee extends Transform {
  private open = true;
  private readonly side: Writable;

  constructor(side: Writable) {
    super();
    this.side = side;
    const closed = () => {
      this.open = false;
    };
    side.once("close", closed);
    side.once("error", closed);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.open || this.side.write(chunk)) return callback(null, chunk);
    const proceed = () => {
      this.side.off("drain", proceed);
      this.side.off("close", proceed);
      callback(null, chunk);
    };
    this.side.on("drain", proceed);
    this.side.on("close", proceed);
  }

  override _flush(callback: TransformCallback): void {
    if (this.open) this.side.end();
    callback();
  }
}

/** A pass-through that, when its input ends, waits for `check` and fails the stream if it rejects. */
export function endGuard(check: () => Promise<void>): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      callback(null, chunk);
    },
    flush(callback) {
      check().then(() => callback(), (error: Error) => callback(error));
    },
  });
}

/**
 * Tagged errors: callers branch on `_tag`, never on message text.
 * Messages must be safe to show: no passwords, no full connection strings.
 */

abstract class TaggedError<Tag extends string> extends Error {
  abstract readonly _tag: Tag;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidInput extends TaggedError<"InvalidInput"> {
  readonly _tag = "InvalidInput";
  readonly path: string[];
  constructor(message: string, path: string[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
  }
}

export class BackupNotFound extends TaggedError<"BackupNotFound"> {
  readonly _tag = "BackupNotFound";
  readonly backupId: string;
  constructor(backupId: string) {
    super(`backup ${backupId} not found`);
    this.backupId = backupId;
  }
}

/** Any other resource (source, verification, restore, token) that does not exist. */
export class NotFound extends TaggedError<"NotFound"> {
  readonly _tag = "NotFound";
}

/** The request conflicts with current state (a name already taken, a source that still has backups). */
export class Conflict extends TaggedError<"Conflict"> {
  readonly _tag = "Conflict";
}

export class Unauthenticated extends TaggedError<"Unauthenticated"> {
  readonly _tag = "Unauthenticated";
}

export class Forbidden extends TaggedError<"Forbidden"> {
  readonly _tag = "Forbidden";
}

/** A restore confirmation token that is unknown, expired, used, or bound to another backup, target or caller. */
export class ConfirmationRejected extends TaggedError<"ConfirmationRejected"> {
  readonly _tag = "ConfirmationRejected";
}

/** A restore target that must not be written: pgproof's own catalog. */
export class RestoreTargetUnsafe extends TaggedError<"RestoreTargetUnsafe"> {
  readonly _tag = "RestoreTargetUnsafe";
}

/** pg_restore could not restore into a real target; the target was left as it was. */
export class RestoreFailed extends TaggedError<"RestoreFailed"> {
  readonly _tag = "RestoreFailed";
}

/** An encrypted artifact that does not decrypt: altered, reordered, truncated, or the wrong key. */
export class DecryptionFailed extends TaggedError<"DecryptionFailed"> {
  readonly _tag = "DecryptionFailed";
}

/** The key an artifact was encrypted with is not configured here. */
export class EncryptionKeyMissing extends TaggedError<"EncryptionKeyMissing"> {
  readonly _tag = "EncryptionKeyMissing";
}

/** A request body larger than the server accepts. */
export class PayloadTooLarge extends TaggedError<"PayloadTooLarge"> {
  readonly _tag = "PayloadTooLarge";
}

export class BackupInvalidState extends TaggedError<"BackupInvalidState"> {
  readonly _tag = "BackupInvalidState";
}

export class SourceUnreachable extends TaggedError<"SourceUnreachable"> {
  readonly _tag = "SourceUnreachable";
}

/** The source cannot give a useful backup: no base tables, or a dump that lacks table data. */
export class SourceRejected extends TaggedError<"SourceRejected"> {
  readonly _tag = "SourceRejected";
}

/** pg_dump did not produce a complete, readable archive. */
export class DumpFailed extends TaggedError<"DumpFailed"> {
  readonly _tag = "DumpFailed";
}

export class ToolMissing extends TaggedError<"ToolMissing"> {
  readonly _tag = "ToolMissing";
}

export class ScratchUnsafe extends TaggedError<"ScratchUnsafe"> {
  readonly _tag = "ScratchUnsafe";
}

export class ScratchUnavailable extends TaggedError<"ScratchUnavailable"> {
  readonly _tag = "ScratchUnavailable";
}

export class StorageFailure extends TaggedError<"StorageFailure"> {
  readonly _tag = "StorageFailure";
}

export class CatalogUnavailable extends TaggedError<"CatalogUnavailable"> {
  readonly _tag = "CatalogUnavailable";
}

export class ClusterFailure extends TaggedError<"ClusterFailure"> {
  readonly _tag = "ClusterFailure";
}

export class Cancelled extends TaggedError<"Cancelled"> {
  readonly _tag = "Cancelled";
  constructor(message = "cancelled") {
    super(message);
  }
}

export class Internal extends TaggedError<"Internal"> {
  readonly _tag = "Internal";
}

export type PgproofError =
  | InvalidInput
  | BackupNotFound
  | NotFound
  | Conflict
  | Unauthenticated
  | Forbidden
  | ConfirmationRejected
  | RestoreTargetUnsafe
  | PayloadTooLarge
  | RestoreFailed
  | DecryptionFailed
  | EncryptionKeyMissing
  | BackupInvalidState
  | SourceUnreachable
  | SourceRejected
  | DumpFailed
  | ToolMissing
  | ScratchUnsafe
  | ScratchUnavailable
  | StorageFailure
  | CatalogUnavailable
  | ClusterFailure
  | Cancelled
  | Internal;

export type ErrorTag = PgproofError["_tag"];

const TAGS: Record<ErrorTag, true> = {
  InvalidInput: true,
  BackupNotFound: true,
  NotFound: true,
  Conflict: true,
  Unauthenticated: true,
  Forbidden: true,
  ConfirmationRejected: true,
  RestoreTargetUnsafe: true,
  PayloadTooLarge: true,
  RestoreFailed: true,
  DecryptionFailed: true,
  EncryptionKeyMissing: true,
  BackupInvalidState: true,
  SourceUnreachable: true,
  SourceRejected: true,
  DumpFailed: true,
  ToolMissing: true,
  ScratchUnsafe: true,
  ScratchUnavailable: true,
  StorageFailure: true,
  CatalogUnavailable: true,
  ClusterFailure: true,
  Cancelled: true,
  Internal: true,
};

export function isPgproofError(value: unknown): value is PgproofError {
  if (!(value instanceof Error)) return false;
  const tag: unknown = (value as unknown as { _tag?: unknown })._tag;
  return typeof tag === "string" && tag in TAGS;
}

/** Anything thrown, as an Error; never loses the original (kept as `cause`). */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === "string" ? value : JSON.stringify(value), { cause: value });
}

/** Anything thrown, as a tagged error; unknown failures become Internal with the original as cause. */
export function toPgproofError(value: unknown): PgproofError {
  if (isPgproofError(value)) return value;
  const error = toError(value);
  return new Internal(error.message, { cause: error });
}

import type { PgproofError } from "../domain/errors.ts";

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 422 | 500 | 502 | 503;

function unreachable(value: never): never {
  throw new Error(`unmapped error tag ${JSON.stringify(value)}`);
}

/** One HTTP status per error kind; adding a tag without a case here fails to type-check. */
export function httpStatusFor(error: PgproofError): ErrorStatus {
  switch (error._tag) {
    case "InvalidInput":
      return 400;
    case "Unauthenticated":
      return 401;
    case "Forbidden":
    case "ConfirmationRejected":
      return 403;
    case "BackupNotFound":
    case "NotFound":
      return 404;
    case "BackupInvalidState":
    case "Conflict":
      return 409;
    case "PayloadTooLarge":
      return 413;
    case "ScratchUnsafe":
    case "RestoreTargetUnsafe":
    case "SourceRejected":
      return 422;
    case "DumpFailed":
    case "RestoreFailed":
    case "DecryptionFailed":
      return 502;
    case "Cancelled":
    case "EncryptionKeyMissing":
    case "ToolMissing":
    case "SourceUnreachable":
    case "ScratchUnavailable":
    case "StorageFailure":
    case "CatalogUnavailable":
    case "ClusterFailure":
      return 503;
    case "Internal":
      return 500;
    default:
      return unreachable(error);
  }
}

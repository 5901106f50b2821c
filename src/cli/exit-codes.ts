import type { PgproofError } from "../domain/errors.ts";

/** Documented in README.md. 0 and 1 are not errors: done/verified, and verification failed. */
export const EXIT = {
  ok: 0,
  verificationFailed: 1,
  invalidInput: 2,
} as const;

function unreachable(value: never): never {
  throw new Error(`unmapped error tag ${JSON.stringify(value)}`);
}

/** One exit code per error kind; adding a tag without a case here fails to type-check. */
export function exitCodeFor(error: PgproofError): number {
  switch (error._tag) {
    case "InvalidInput":
      return EXIT.invalidInput;
    case "BackupNotFound":
      return 3;
    case "BackupInvalidState":
      return 4;
    case "SourceUnreachable":
      return 5;
    case "SourceRejected":
      return 6;
    case "DumpFailed":
      return 7;
    case "ToolMissing":
      return 8;
    case "ScratchUnsafe":
      return 9;
    case "ScratchUnavailable":
      return 10;
    case "StorageFailure":
      return 11;
    case "CatalogUnavailable":
      return 12;
    case "ClusterFailure":
      return 13;
    case "NotFound":
      return 14;
    case "Conflict":
      return 15;
    case "Unauthenticated":
      return 16;
    case "Forbidden":
      return 17;
    case "ConfirmationRejected":
      return 18;
    case "RestoreTargetUnsafe":
      return 19;
    case "PayloadTooLarge":
      return 20;
    case "RestoreFailed":
      return 21;
    case "DecryptionFailed":
      return 22;
    case "EncryptionKeyMissing":
      return 23;
    case "Cancelled":
      return 130;
    case "Internal":
      return 70;
    default:
      return unreachable(error);
  }
}

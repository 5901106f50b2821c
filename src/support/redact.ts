/** Removes secrets from text bound for logs, errors or the catalog. */

const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s/]*)@/gi;
const PASSWORD_PARAM = /(\bpassword=)([^&\s]+)/gi;

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(URL_PASSWORD, "$1***@").replace(PASSWORD_PARAM, "$1***");
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("***");
  }
  return out;
}

/** The error as a loggable object with secrets removed from every message in its cause chain. */
export function redactError(error: unknown, secrets: readonly string[] = []): { message: string; tag?: string; stack?: string; cause?: unknown } {
  if (!(error instanceof Error)) return { message: redact(String(error), secrets) };
  return {
    message: redact(error.message, secrets),
    tag: (error as { _tag?: string })._tag,
    stack: error.stack ? redact(error.stack, secrets) : undefined,
    cause: error.cause === undefined ? undefined : redactError(error.cause, secrets),
  };
}

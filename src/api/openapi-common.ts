import { ErrorBody } from "../domain/api.ts";

const error = (description: string) => ({ description, content: { "application/json": { schema: ErrorBody } } });

/** The error responses every authenticated route can give; bodies are `{error: {code, message, requestId}}`. */
export const errorResponses = {
  400: error("invalid input (the error names the field)"),
  401: error("missing or unknown bearer token"),
  403: error("the token's role may not do this"),
  404: error("no such resource"),
  409: error("the resource is in the wrong state"),
  413: error("request body over 1 MiB"),
  422: error("unsafe target"),
  500: error("internal error (see the server log for the request id)"),
  503: error("a tool, source, scratch server or storage is unavailable"),
} as const;

export const json = <T>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

export const jsonBody = <T>(schema: T) => ({ required: true, content: { "application/json": { schema } } });

export const security = [{ bearer: [] as string[] }];

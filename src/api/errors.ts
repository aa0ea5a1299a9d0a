/**
 * Failures a request can end in. Each code is the last segment of a Horizon problem type
 * ("https://stellar.org/horizon-errors/<code>"), so clients that switch on Horizon's problem
 * types keep working. Route handlers throw `ApiError`; the server turns it into problem+json.
 */
import {DiamanteError} from "../util/errors.js";

export enum ApiErrorCode {
  NOT_FOUND = "not_found",
  BAD_REQUEST = "bad_request",
  TRANSACTION_FAILED = "transaction_failed",
  TRANSACTION_MALFORMED = "transaction_malformed",
  REQUEST_ENTITY_TOO_LARGE = "request_entity_too_large",
  SERVER_ERROR = "server_error",
  SERVICE_UNAVAILABLE = "service_unavailable",
  TIMEOUT = "timeout",
  /** POST /transactions waited its full time and the tx is not in a ledger yet (it may still be). */
  TRANSACTION_SUBMISSION_TIMEOUT = "transaction_submission_timeout",
  /** A stream (Accept: text/event-stream) asked of a route Horizon does not stream. */
  NOT_ACCEPTABLE = "not_acceptable",
  /** /order_book with a missing or malformed asset or limit (Horizon's own problem type for it). */
  INVALID_ORDER_BOOK = "invalid_order_book",
}

export type ProblemExtras = Record<string, unknown>;

export interface ApiErrorMeta {
  extras?: ProblemExtras;
  /** Extra response headers (e.g. Retry-After). */
  headers?: [string, string][];
}

export class ApiError extends DiamanteError<ApiErrorCode, ApiErrorMeta> {
  constructor(code: ApiErrorCode, detail: string, meta?: ApiErrorMeta) {
    super(code, detail, meta);
    this.name = "ApiError";
  }
}

/** 400 for one bad parameter, shaped as Horizon reports it (`extras.invalid_field`, `reason`). */
export function invalidField(field: string, reason: string): ApiError {
  return new ApiError(ApiErrorCode.BAD_REQUEST, "A request parameter is invalid; see extras.invalid_field and extras.reason.", {
    extras: {invalid_field: field, reason},
  });
}

export function notFound(): ApiError {
  return new ApiError(
    ApiErrorCode.NOT_FOUND,
    "Nothing here: the URL is not a known route, or no record matches its parameters.",
  );
}

/**
 * One error base class for the whole node. Every error carries a string `code` from a
 * per-domain enum and typed metadata, so the API can map it to a Horizon problem+json body and
 * logs can be grouped by code. Errors that cross a thread boundary travel as `ErrorData`.
 */
export class DiamanteError<C extends string = string, M extends object = Record<string, unknown>> extends Error {
  readonly code: C;
  readonly meta: M;

  constructor(code: C, message: string, meta?: M) {
    super(message);
    this.name = "DiamanteError";
    this.code = code;
    this.meta = meta ?? ({} as M);
  }

  toData(): ErrorData {
    return {code: this.code, message: this.message, meta: this.meta as Record<string, unknown>};
  }
}

/** Plain form of an error, safe to post between threads or store. */
export interface ErrorData {
  code: string;
  message: string;
  meta?: Record<string, unknown>;
}

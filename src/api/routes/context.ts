/**
 * What a route handler sees and returns. Handlers are plain functions of a context: the server
 * copies everything out of the uWS request first (it is only valid during the synchronous
 * callback), so handlers may be async and are testable without a socket.
 */
import type {ApiModules} from "../interface.js";
import type {ApiOptions} from "../options.js";

export const HAL_CONTENT_TYPE = "application/hal+json; charset=utf-8";
export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

export interface Reply {
  status: number;
  contentType: string;
  body: string | Buffer;
  headers?: [string, string][];
  /** `body` gzipped, made on first use for a client that accepts gzip and kept with a cached reply. */
  gzipped?: Buffer;
}

export interface RouteContext {
  modules: ApiModules;
  opts: ApiOptions;
  /** Origin for HAL links, without a trailing slash ("http://127.0.0.1:8000"). */
  base: string;
  /** Path parameters in pattern order, percent-decoded. */
  params: string[];
  query: URLSearchParams;
  /** Request path without the query ("/accounts/G…/payments"). */
  path: string;
  /** The Accept header, lower-cased ("" when absent). */
  accept: string;
}

export interface RequestBody {
  bytes: Buffer;
  /** The Content-Type header, lower-cased ("" when absent). */
  contentType: string;
}

export interface GetRoute {
  method: "get";
  pattern: string;
  /**
   * True when the answer depends only on ledger state, which changes only at a ledger close,
   * so the response can be served from the per-URL cache until the next close.
   */
  cacheable: boolean;
  handle(ctx: RouteContext): Reply | Promise<Reply>;
}

export interface PostRoute {
  method: "post";
  pattern: string;
  handle(ctx: RouteContext, body: RequestBody): Reply | Promise<Reply>;
}

export type Route = GetRoute | PostRoute;

export function jsonReply(status: number, value: unknown, contentType = HAL_CONTENT_TYPE): Reply {
  return {status, contentType, body: JSON.stringify(value)};
}

/**
 * Knobs of the HTTP API. Each default says why it has this value and which measurement would
 * justify another.
 */
import {pino, type Logger} from "pino";
import type {SseOptions} from "./stream/options.js";

export interface ApiOptions {
  /** Interface to bind. */
  host: string;
  /** TCP port; 0 asks the OS for a free one (tests), `start()` returns the real port. */
  port: number;
  /** Largest request body accepted; beyond it the API answers 413 without parsing. */
  maxBodyBytes: number;
  /** Most GET responses kept between two ledger closes. */
  cacheMaxEntries: number;
  /** Page size when a request gives no `limit` (Horizon's default). */
  defaultPageLimit: number;
  /** Largest `limit` accepted (Horizon's maximum); larger values are a 400, not a silent clamp. */
  maxPageLimit: number;
  /**
   * Origin used in HAL links (e.g. "https://aurora.example.org"). Null: built from the request's
   * Host header, which is right unless a proxy rewrites it.
   */
  publicUrl: string | null;
  /** Where handler failures are reported (a 500 never leaks them to the client). */
  logger: Pick<Logger, "error" | "warn">;
  /** SSE streams: heartbeat, stream limit, buffer per connection (defaults in stream/options.ts). */
  sse?: Partial<SseOptions>;
}

export const defaultApiOptions: ApiOptions = {
  /** All interfaces: the node is usually run in a container whose port is published. */
  host: "0.0.0.0",
  /** Horizon's conventional port, so tools that assume it work unchanged. */
  port: 8000,
  /**
   * 64 KiB. The largest body we need is a form-encoded envelope: a 100-operation classic
   * envelope with 20 signatures is about 12 KB of XDR, 16 KB as base64, and at most ~3x that
   * once '+', '/' and '=' are percent-encoded (~48 KB worst case). Anything larger cannot be a
   * valid transaction, so reading it only costs memory.
   */
  maxBodyBytes: 64 * 1024,
  /**
   * 5000 URLs. Bodies average 1-10 KB (a page of 10 records is ~8 KB), so the cache stays under
   * ~50 MB even when full. The cache is cleared every ledger (~5 s), so it only has to hold the
   * distinct URLs of one ledger interval; raise it if the hit ratio falls at high request rates.
   */
  cacheMaxEntries: 5000,
  /** Horizon's default page size; SDK users expect it. */
  defaultPageLimit: 10,
  /** Horizon's maximum; bounds the work one request can ask of the store. */
  maxPageLimit: 200,
  publicUrl: null,
  /** Errors only: request logging belongs to metrics, not to the log on a hot path. */
  logger: pino({level: "error", name: "api"}),
};

export function resolveApiOptions(opts: Partial<ApiOptions>): ApiOptions {
  const merged: ApiOptions = {...defaultApiOptions, ...opts};
  if (merged.defaultPageLimit < 1 || merged.defaultPageLimit > merged.maxPageLimit) {
    throw new RangeError(`defaultPageLimit must be in 1..${merged.maxPageLimit}`);
  }
  if (merged.maxBodyBytes < 1) throw new RangeError("maxBodyBytes must be positive");
  return merged;
}

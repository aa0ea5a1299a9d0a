/**
 * Knobs of the SSE streams. Each default says why it has this value and what would justify
 * another.
 */

export interface SseOptions {
  /**
   * Milliseconds between heartbeat comments on an idle stream. Proxies and load balancers drop
   * connections idle for 60 s by default (nginx proxy_read_timeout, AWS ALB idle timeout), so a
   * comment every 15 s keeps a stream open behind them with three chances to spare. Tests set
   * it short.
   */
  heartbeatMs: number;
  /**
   * Most streams open at once; the next is answered 503. Each stream holds a socket and at most
   * `maxBufferedBytes`, so the bound caps stream memory at maxStreams × maxBufferedBytes
   * (1 GiB at the defaults, reached only if every client stops reading at once). Raise it with
   * memory when `diamante_api_stream_subscribers{transport="sse"}` sits at the limit.
   */
  maxStreams: number;
  /**
   * Bytes queued for one connection beyond what its socket accepts; a client past it is closed
   * and resumes from its last event id. 1 MiB holds a whole connection's worth of events at
   * Horizon's largest `limit` (200 records of at most a few KB each), so only a client that has
   * stopped reading reaches it.
   */
  maxBufferedBytes: number;
  /**
   * Object streams (/accounts/{id}, /accounts/{id}/data/{key}, /order_book) send at most this
   * many versions of the object per connection, then say goodbye and let the client reconnect:
   * Horizon's defaultObjectStreamLimit.
   */
  objectStreamLimit: number;
  /**
   * Streams sent a new ledger per event-loop turn. 200 streams each written in the close's turn
   * hold the main thread for the whole fan-out while submissions and requests wait; in slices
   * they run between. A collection stream never sends a record at or before its last token, so a
   * stream served meanwhile from the kept ledgers is not sent a ledger twice. 50 goes with
   * WsOptions.fanOutSliceChannels' 100 (the measurements are there); Number.MAX_SAFE_INTEGER
   * sends every stream in one turn.
   */
  fanOutSliceStreams: number;
}

export const defaultSseOptions: SseOptions = {
  heartbeatMs: 15_000,
  maxStreams: 1000,
  maxBufferedBytes: 1024 * 1024,
  objectStreamLimit: 10,
  fanOutSliceStreams: 50,
};

export function resolveSseOptions(opts: Partial<SseOptions> | undefined): SseOptions {
  const merged: SseOptions = {...defaultSseOptions, ...opts};
  if (!(merged.heartbeatMs > 0)) throw new RangeError("heartbeatMs must be positive");
  if (!(merged.maxStreams >= 0)) throw new RangeError("maxStreams must not be negative");
  if (!(merged.maxBufferedBytes > 0)) throw new RangeError("maxBufferedBytes must be positive");
  if (!(merged.objectStreamLimit > 0)) throw new RangeError("objectStreamLimit must be positive");
  if (!Number.isInteger(merged.fanOutSliceStreams) || merged.fanOutSliceStreams < 1) throw new RangeError("fanOutSliceStreams must be a whole number ≥ 1");
  return merged;
}

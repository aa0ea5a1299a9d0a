/**
 * One SSE response on uWS: Horizon's framing (preamble, `id:` + `data:` events, goodbye, error
 * events, heartbeat comments) and a bounded buffer per connection.
 *
 * uWS's `write` always takes the chunk and reports whether the socket took it all; once it has
 * not, further chunks wait here until `onWritable` says the socket drained. Past
 * `maxBufferedBytes` waiting, the client is not keeping up: the connection is closed, and the
 * client's EventSource reconnects with the id of the last event it received, so nothing is lost
 * and nothing is sent twice.
 */
import type {HttpResponse} from "@trufflesuite/uws-js-unofficial";

/** Horizon's helloEvent: the client may retry an errored connection after 1 s. */
export const SSE_PREAMBLE = 'retry: 1000\nevent: open\ndata: "hello"\n\n';
/** Horizon's goodbyeEvent, sent when a stream reached its limit: reconnect at once (10 ms) for more. */
export const SSE_GOODBYE = 'retry: 10\nevent: close\ndata: "byebye"\n\n';
/** A comment line: dispatches no event; only keeps proxies from timing the connection out. */
export const SSE_HEARTBEAT = ":\n\n";

export const SSE_HEADERS: [string, string][] = [
  ["Content-Type", "text/event-stream; charset=utf-8"],
  ["Cache-Control", "no-cache"],
  ["Access-Control-Allow-Origin", "*"],
  // nginx buffers proxied responses unless told not to, which would hold events back.
  ["X-Accel-Buffering", "no"],
];

/** The frame of one record: `id:` is the paging token (absent for object streams), `data:` one line of JSON. */
export function eventFrame(id: string | undefined, json: string): string {
  return id === undefined ? `data: ${json}\n\n` : `id: ${id}\ndata: ${json}\n\n`;
}

/** The parts of a record's event (`eventFrame` with an id) around its token and its JSON. */
export const EVENT_ID_PREFIX = "id: ";
export const EVENT_DATA_PREFIX = "\ndata: ";
export const EVENT_END = "\n\n";

/** The most bytes `writeEvent(…, token, json)` writes: 3 bytes of UTF-8 per UTF-16 unit of the JSON (a memo may hold any text); tokens are ASCII. */
export function eventBytesAtMost(token: string, json: string): number {
  return EVENT_ID_PREFIX.length + token.length + EVENT_DATA_PREFIX.length + 3 * json.length + EVENT_END.length;
}

/** `bytes` when `n` more bytes fit after its first `at`, else a buffer of at least twice its size holding those `at` bytes. */
export function withRoom(bytes: Buffer, at: number, n: number): Buffer {
  if (at + n <= bytes.length) return bytes;
  const bigger = Buffer.allocUnsafeSlow(Math.max(bytes.length * 2, at + n));
  bytes.copy(bigger, 0, 0, at);
  return bigger;
}

/**
 * Writes `eventFrame(token, json)` as bytes into `bytes` at `at` (room checked by the caller:
 * the token is ASCII, the JSON up to 3 bytes per UTF-16 unit); returns the bytes written.
 */
export function writeEvent(bytes: Buffer, at: number, token: string, json: string): number {
  let n = bytes.write(EVENT_ID_PREFIX, at, "latin1");
  n += bytes.write(token, at + n, "latin1");
  n += bytes.write(EVENT_DATA_PREFIX, at + n, "latin1");
  n += bytes.write(json, at + n, "utf8");
  n += bytes.write(EVENT_END, at + n, "latin1");
  return n;
}

/** Horizon's error event, sent when a stream fails after its preamble; the stream then ends. */
export function errorFrame(message: string): string {
  return `event: error\ndata: ${JSON.stringify(message)}\n\n`;
}

/** Why a connection ended, for the caller's bookkeeping and metrics. */
export type CloseReason = "client" | "limit" | "overflow" | "error" | "shutdown";

/** The part of uWS's HttpResponse a connection uses (a test can drive the same logic). */
export type SseResponse = Pick<HttpResponse, "cork" | "writeStatus" | "writeHeader" | "write" | "end" | "close" | "onWritable">;

export class SseConnection {
  private readonly waiting: (string | Buffer)[] = [];
  private waitingBytes = 0;
  private blocked = false;
  private ended = false;
  /** The last frame of a response that ends once the waiting chunks are written. */
  private closing: string | null = null;
  /** Last event time (ms), for heartbeats only on idle streams. */
  lastWriteAt = 0;

  constructor(
    private readonly res: SseResponse,
    private readonly maxBufferedBytes: number,
    private readonly onEnd: (reason: CloseReason) => void,
  ) {}

  get open(): boolean {
    return !this.ended;
  }

  /** Bytes waiting for the socket. */
  get buffered(): number {
    return this.waitingBytes;
  }

  /** Status, headers and the preamble, in one corked write. */
  start(extraHeaders: [string, string][] = []): void {
    this.res.cork(() => {
      this.res.writeStatus("200 OK");
      for (const [k, v] of SSE_HEADERS) this.res.writeHeader(k, v);
      for (const [k, v] of extraHeaders) this.res.writeHeader(k, v);
      this.put(SSE_PREAMBLE);
    });
    this.res.onWritable(() => this.drain());
  }

  /**
   * Queues `chunk` (a Buffer may be shared with other connections: it is written, never
   * changed); false when the connection is (now) closed. A `transient` chunk is reused by the
   * caller once this returns: written at once (uWS copies what the socket does not take), or
   * copied if it must wait.
   */
  send(chunk: string | Buffer, transient = false): boolean {
    if (this.ended) return false;
    this.lastWriteAt = Date.now();
    if (this.blocked) {
      this.waiting.push(transient && typeof chunk !== "string" ? Buffer.from(chunk) : chunk);
      this.waitingBytes += Buffer.byteLength(chunk);
      if (this.waitingBytes > this.maxBufferedBytes) {
        this.abort("overflow");
        return false;
      }
      return true;
    }
    this.res.cork(() => this.put(chunk));
    return true;
  }

  /**
   * Runs `fn` with the socket corked: the sends and the goodbye it makes leave in one syscall
   * (a stream at its limit otherwise wrote its last events and its goodbye separately).
   */
  batch(fn: () => void): void {
    if (this.ended) return;
    this.res.cork(fn);
  }

  /** The goodbye event, then the end of the response (the client reconnects for more). */
  goodbye(): void {
    if (this.ended) return;
    this.finish(SSE_GOODBYE, "limit");
  }

  /** An error event, then the end of the response. */
  fail(message: string): void {
    if (this.ended) return;
    this.finish(errorFrame(message), "error");
  }

  /** Closes the socket at once (overflow, shutdown). */
  abort(reason: CloseReason): void {
    if (this.ended && this.closing === null) return;
    const notify = !this.ended;
    this.ended = true;
    this.closing = null;
    this.waiting.length = 0;
    this.waitingBytes = 0;
    if (notify) this.onEnd(reason);
    this.res.close();
  }

  /** The client went away (uWS onAborted): nothing may be written any more. */
  aborted(): void {
    const notify = !this.ended;
    this.ended = true;
    this.closing = null;
    this.waiting.length = 0;
    this.waitingBytes = 0;
    if (notify) this.onEnd("client");
  }

  private finish(last: string, reason: CloseReason): void {
    this.ended = true;
    this.onEnd(reason);
    // The response ends after what waits for the socket; drain() ends it then.
    if (this.blocked) this.closing = last;
    else this.res.cork(() => this.res.end(last));
  }

  private put(chunk: string | Buffer): void {
    if (!this.res.write(chunk)) this.blocked = true;
  }

  private drain(): boolean {
    if (this.ended && this.closing === null) return true;
    this.blocked = false;
    this.res.cork(() => {
      while (this.waiting.length > 0 && !this.blocked) {
        const chunk = this.waiting.shift()!;
        this.waitingBytes -= Buffer.byteLength(chunk);
        this.put(chunk);
      }
      if (!this.blocked && this.closing !== null) {
        const last = this.closing;
        this.closing = null;
        this.res.end(last);
      }
    });
    return !this.blocked;
  }
}

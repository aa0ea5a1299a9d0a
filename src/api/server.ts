/**
 * The Horizon-compatible HTTP server on uWebSockets.js. It owns sockets, body limits, the GET
 * cache and the mapping of failures to problem+json; what each path answers lives in routes/.
 *
 * uWS rules this file keeps: the request object is only valid inside the synchronous callback
 * (everything is copied out first); `onAborted` is registered on every response, and nothing is
 * written after an abort or twice; writes are corked so status, headers and body leave in one
 * syscall.
 */
import uws from "@trufflesuite/uws-js-unofficial";
import {gzipSync} from "node:zlib";
import type {HttpRequest, HttpResponse, TemplatedApp, us_listen_socket} from "@trufflesuite/uws-js-unofficial";
import {ApiError, ApiErrorCode, notFound} from "./errors.js";
import {PROBLEM_CONTENT_TYPE, problemRecord, problemStatus} from "./format/problem.js";
import type {ApiModules} from "./interface.js";
import {resolveApiOptions, type ApiOptions} from "./options.js";
import {ResponseCache} from "./cache.js";
import {apiRoutes} from "./routes/index.js";
import type {GetRoute, PostRoute, Reply, RequestBody, RouteContext} from "./routes/context.js";
import {SseStreams, wantsEventStream} from "./stream/sse.js";

export const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  400: "Bad Request",
  404: "Not Found",
  406: "Not Acceptable",
  409: "Conflict",
  413: "Payload Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * Per-response flags: whether the client went away, whether an answer was written, whether it
 * may be gzipped, and whether it is a HEAD request (the GET answer's status and headers, no body).
 */
interface ResponseState {
  aborted: boolean;
  done: boolean;
  gzip: boolean;
  head: boolean;
  /** Called when the client goes away (an open stream's connection). */
  onAbort?: () => void;
}

/**
 * Bodies at least this large are gzipped for clients that accept it: a 200-record page is
 * ~300 KB of JSON and shrinks about 10x, while below ~1 KB (one TCP segment) compression only
 * costs CPU. Compressed bodies are kept with the cached reply, so each is compressed once.
 */
export const GZIP_MIN_BYTES = 1024;

/** As Horizon: no client or proxy may reuse an answer, since any ledger close can change it. */
export const COMMON_HEADERS: [string, string][] = [
  ["Access-Control-Allow-Origin", "*"],
  ["Access-Control-Expose-Headers", "Date, Latest-Ledger"],
  ["Cache-Control", "no-cache, no-store, max-age=0"],
];

/**
 * Writes a reply in one corked batch: status, headers (the common ones, gzip's when `body` is the
 * gzipped form, the reply's own) and the body, or only its length for a HEAD request.
 */
export function writeReply(res: HttpResponse, reply: Reply, body: string | Buffer, gzipped: boolean, head: boolean): void {
  res.cork(() => {
    res.writeStatus(`${reply.status} ${STATUS_TEXT[reply.status] ?? ""}`);
    if (reply.contentType !== "") res.writeHeader("Content-Type", reply.contentType);
    for (const [k, v] of COMMON_HEADERS) res.writeHeader(k, v);
    if (gzipped) {
      res.writeHeader("Content-Encoding", "gzip");
      res.writeHeader("Vary", "Accept-Encoding");
    }
    if (reply.headers !== undefined) for (const [k, v] of reply.headers) res.writeHeader(k, v);
    if (head) res.endWithoutBody(Buffer.byteLength(body));
    else res.end(body);
  });
}

/** `close()` exists on the native app (it closes every open connection) but not in its typings. */
type ClosableApp = TemplatedApp & {close?: () => void};

export function problemReply(err: ApiError): Reply {
  const reply: Reply = {
    status: problemStatus(err.code),
    contentType: PROBLEM_CONTENT_TYPE,
    body: JSON.stringify(problemRecord(err.code, err.message, err.meta.extras)),
  };
  if (err.meta.headers !== undefined) reply.headers = err.meta.headers;
  return reply;
}

function paramCount(pattern: string): number {
  return pattern.split("/").filter((s) => s.startsWith(":")).length;
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export class ApiServer {
  private readonly opts: ApiOptions;
  private readonly cache: ResponseCache;
  /** Open SSE streams, fed by the ledger event feed. */
  readonly streams: SseStreams;
  private app: ClosableApp | null = null;
  private listenSocket: us_listen_socket | null = null;
  private boundPort = 0;

  constructor(
    opts: Partial<ApiOptions>,
    private readonly modules: ApiModules,
  ) {
    this.opts = resolveApiOptions(opts);
    this.cache = new ResponseCache(this.opts.cacheMaxEntries);
    this.streams = new SseStreams(this.opts.sse, {
      feed: modules.feed,
      maxPageLimit: this.opts.maxPageLimit,
      defaultPageLimit: this.opts.defaultPageLimit,
      log: this.opts.logger,
      ...(modules.metrics !== undefined ? {metrics: modules.metrics} : {}),
    });
  }

  /** Binds and starts serving; resolves with the bound port (useful with port 0). */
  start(): Promise<number> {
    if (this.listenSocket !== null) return Promise.resolve(this.boundPort);
    const app: ClosableApp = uws.App();
    for (const route of apiRoutes) {
      // A trailing slash names the same route, as Horizon strips it.
      const patterns = route.pattern === "/" ? ["/"] : [route.pattern, route.pattern + "/"];
      for (const pattern of patterns) {
        if (route.method === "get") {
          app.get(pattern, (res, req) => this.onGet(route, res, req, false));
          // HEAD answers as GET would, without the body (HTTP semantics; Horizon's router does the same).
          app.head(pattern, (res, req) => this.onGet(route, res, req, true));
        } else app.post(pattern, (res, req) => this.onPost(route, res, req));
      }
    }
    app.options("/*", (res, req) => this.onPreflight(res, req));
    // The WebSocket endpoint (/ws) registers itself before the catch-all below.
    this.modules.ws?.attach(app, {
      modules: this.modules,
      opts: this.opts,
      // The origin the feed's records are linked for (the node sets the feed's to the same).
      base: () => (this.opts.publicUrl ?? `http://${this.opts.host === "0.0.0.0" ? "127.0.0.1" : this.opts.host}:${this.boundPort}`).replace(/\/+$/, ""),
    });
    app.any("/*", (res) => {
      const state = this.track(res);
      this.send(res, state, problemReply(notFound()));
    });
    this.app = app;
    this.streams.start();
    return new Promise((resolve, reject) => {
      app.listen(this.opts.host, this.opts.port, (socket) => {
        if (socket === false) {
          this.app = null;
          reject(new Error(`api: cannot listen on ${this.opts.host}:${this.opts.port}`));
          return;
        }
        this.listenSocket = socket;
        this.boundPort = uws.us_socket_local_port(socket);
        resolve(this.boundPort);
      });
    });
  }

  /** Stops accepting, then closes open connections; in-flight handlers see an abort and write nothing. */
  stop(): Promise<void> {
    if (this.listenSocket !== null) uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
    this.modules.ws?.detach();
    this.streams.stop();
    this.app?.close?.();
    this.app = null;
    this.cache.clear();
    return Promise.resolve();
  }

  /** Called by the node after each ledger close, once the new ledger is readable. */
  ledgerClosed(): void {
    this.cache.clear();
  }

  get port(): number {
    return this.boundPort;
  }

  cacheStats(): {entries: number; hits: number; misses: number} {
    return this.cache.stats();
  }

  private track(res: HttpResponse, req?: HttpRequest, head = false): ResponseState {
    this.modules.metrics?.apiRequests.inc({method: req === undefined ? "other" : req.getMethod()});
    const gzip = req !== undefined && /\bgzip\b/.test(req.getHeader("accept-encoding"));
    const state: ResponseState = {aborted: false, done: false, gzip, head};
    res.onAborted(() => {
      state.aborted = true;
      state.onAbort?.();
    });
    return state;
  }

  private context(req: HttpRequest, params: number, path: string, query: string): RouteContext {
    const values: string[] = [];
    for (let i = 0; i < params; i++) values.push(decodeParam(req.getParameter(i)));
    const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
    const host = req.getHeader("host");
    const base = this.opts.publicUrl ?? (host !== "" ? `http://${host}` : `http://${this.opts.host}:${this.boundPort}`);
    return {
      modules: this.modules,
      opts: this.opts,
      base: base.replace(/\/+$/, ""),
      params: values,
      query: new URLSearchParams(query),
      path: trimmed,
      accept: req.getHeader("accept").toLowerCase(),
    };
  }

  private onGet(route: GetRoute, res: HttpResponse, req: HttpRequest, head: boolean): void {
    const state = this.track(res, req, head);
    const path = req.getUrl().replace(/(.)\/+$/, "$1");
    const query = req.getQuery() ?? "";
    const ctx = this.context(req, paramCount(route.pattern), path, query);
    if (!head && wantsEventStream(ctx.accept)) {
      this.openStream(route, res, state, ctx, req.getHeader("last-event-id"));
      return;
    }
    // Links embed the origin and the data route varies on Accept, so both are part of the key.
    const key = route.cacheable ? `${ctx.base} ${ctx.accept.includes("octet-stream") ? "raw" : "json"} ${path}?${query}` : null;
    if (key !== null) {
      const hit = this.cache.get(key);
      if (hit !== undefined) {
        this.modules.metrics?.apiCacheHits.inc();
        this.send(res, state, hit);
        return;
      }
      this.modules.metrics?.apiCacheMisses.inc();
    }
    const epoch = this.cache.epoch;
    // Read before the handler, so the header never names a ledger newer than the answer.
    let latest = "";
    try {
      latest = String(this.modules.reader.latestHeader().seq);
    } catch {
      // No readable ledger: the handler reports it (e.g. /health answers 503).
    }
    this.run(res, state, () => route.handle(ctx), (reply) => {
      if (latest !== "") reply.headers = [...(reply.headers ?? []), ["Latest-Ledger", latest]];
      if (key !== null && reply.status < 500) this.cache.set(key, epoch, reply);
    });
  }

  /** Accept: text/event-stream: the route's SSE stream, or a problem (406 for a route Horizon does not stream). */
  private openStream(route: GetRoute, res: HttpResponse, state: ResponseState, ctx: RouteContext, lastEventId: string): void {
    const failed = (err: unknown): void => this.send(res, state, this.errorReply(err));
    try {
      this.streams
        .open({
          route,
          ctx,
          lastEventId,
          res,
          onAbort: (cb) => {
            state.onAbort = cb;
          },
        })
        .then((reply) => {
          if (reply !== null) this.send(res, state, reply);
          else state.done = true;
        }, failed);
    } catch (err) {
      failed(err);
    }
  }

  private onPost(route: PostRoute, res: HttpResponse, req: HttpRequest): void {
    const state = this.track(res, req);
    const path = req.getUrl();
    const ctx = this.context(req, paramCount(route.pattern), path, req.getQuery() ?? "");
    const contentType = req.getHeader("content-type").toLowerCase();
    const declared = Number(req.getHeader("content-length"));
    if (Number.isFinite(declared) && declared > this.opts.maxBodyBytes) {
      this.send(res, state, this.tooLarge());
      return;
    }
    this.readBody(res, state, (bytes) => {
      const body: RequestBody = {bytes, contentType};
      this.run(res, state, () => route.handle(ctx, body));
    });
  }

  private onPreflight(res: HttpResponse, req: HttpRequest): void {
    const state = this.track(res);
    const requested = req.getHeader("access-control-request-headers");
    this.send(res, state, {
      status: 204,
      contentType: "",
      body: "",
      headers: [
        ["Access-Control-Allow-Methods", "GET, POST, OPTIONS"],
        ["Access-Control-Allow-Headers", requested !== "" ? requested : "*"],
        ["Access-Control-Max-Age", "86400"],
      ],
    });
  }

  /**
   * Collects the body up to `maxBodyBytes`. uWS hands out chunks whose memory is reused after
   * the callback, so each chunk is copied. Past the cap the request is answered 413 at once and
   * the rest of the body is dropped.
   */
  private readBody(res: HttpResponse, state: ResponseState, onBody: (bytes: Buffer) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    res.onData((chunk, isLast) => {
      if (over) return;
      size += chunk.byteLength;
      if (size > this.opts.maxBodyBytes) {
        over = true;
        this.send(res, state, this.tooLarge());
        return;
      }
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (isLast) onBody(Buffer.concat(chunks, size));
    });
  }

  private tooLarge(): Reply {
    return problemReply(
      new ApiError(ApiErrorCode.REQUEST_ENTITY_TOO_LARGE, `Request bodies are limited to ${this.opts.maxBodyBytes} bytes.`),
    );
  }

  /** Runs a handler, sync or async; any failure becomes a problem reply, never a crash. */
  private run(res: HttpResponse, state: ResponseState, handler: () => Reply | Promise<Reply>, onReply?: (r: Reply) => void): void {
    let out: Reply | Promise<Reply>;
    try {
      out = handler();
    } catch (err) {
      this.send(res, state, this.errorReply(err));
      return;
    }
    if (out instanceof Promise) {
      out.then(
        (reply) => {
          onReply?.(reply);
          this.send(res, state, reply);
        },
        (err: unknown) => this.send(res, state, this.errorReply(err)),
      );
    } else {
      onReply?.(out);
      this.send(res, state, out);
    }
  }

  private errorReply(err: unknown): Reply {
    if (err instanceof ApiError) return problemReply(err);
    this.opts.logger.error({err}, "api handler failed");
    return problemReply(new ApiError(ApiErrorCode.SERVER_ERROR, "The server failed to answer this request; the failure is logged."));
  }

  private send(res: HttpResponse, state: ResponseState, reply: Reply): void {
    if (state.aborted || state.done) return;
    state.done = true;
    let body = reply.body;
    const gzip = state.gzip && body.length >= GZIP_MIN_BYTES;
    if (gzip) {
      reply.gzipped ??= gzipSync(body);
      body = reply.gzipped;
    }
    writeReply(res, reply, body, gzip, state.head);
  }
}

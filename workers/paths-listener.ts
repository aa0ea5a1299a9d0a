/**
 * The dedicated path listener's thread (src/dex/paths-listener.ts): a uWS app answering the API's
 * path routes from this thread alone. It opens the node's LMDB environment read-only, decodes the
 * book before it listens, and answers each request synchronously inside one read transaction of
 * the last closed ledger, ended before the handler returns (a thread whose loop sleeps between
 * requests must not pin an old snapshot).
 */
import {parentPort, workerData} from "node:worker_threads";
import {gzipSync} from "node:zlib";
import uws from "@trufflesuite/uws-js-unofficial";
import type {HttpRequest, HttpResponse, us_listen_socket} from "@trufflesuite/uws-js-unofficial";
import {LedgerStore} from "../src/store/ledger-store.js";
import {StoreBookView} from "../src/dex/paths-book.js";
import {pathErrorOf, pathOutcome, type PathRequest} from "../src/dex/paths-finder.js";
import type {PathListenerData, PathListenerMessage} from "../src/dex/paths-listener.js";
import {pathProblem, pathsPage, strictReceiveRequest, strictSendRequest, type QueryContext} from "../src/api/routes/paths.js";
import type {Reply} from "../src/api/routes/context.js";
import {GZIP_MIN_BYTES, problemReply, writeReply} from "../src/api/server.js";
import {ApiError, ApiErrorCode, notFound} from "../src/api/errors.js";
import {DiamanteError} from "../src/util/errors.js";
import {PathErrorCode} from "../src/dex/paths-errors.js";
import {niceThisThread} from "../src/util/thread-priority.js";
import {nameThisThread} from "../src/util/thread-names.js";
import {GcLog, serverTimingHeader, ThreadClock, type QueryTiming} from "../src/dex/paths-timing.js";

const data = workerData as PathListenerData;
nameThisThread("paths-listener");

/** The API's path routes, by path without a trailing slash. */
const ROUTES = new Map<string, (ctx: QueryContext) => PathRequest>([
  ["/paths", strictReceiveRequest],
  ["/paths/strict-receive", strictReceiveRequest],
  ["/paths/strict-send", strictSendRequest],
]);

function answer(store: LedgerStore, view: StoreBookView, path: string, query: string, timing: QueryTiming): Reply {
  const parse = ROUTES.get(path.length > 1 ? path.replace(/\/+$/, "") : path);
  if (parse === undefined) return problemReply(notFound());
  let ledger = "";
  try {
    const request = parse({query: new URLSearchParams(query)});
    const decoded = view.decodeMs;
    const loaded = view.booksLoaded;
    const t0 = performance.now();
    view.sync();
    const t1 = performance.now();
    const out = pathOutcome(store, view, request, data.limits);
    if (!out.ok) throw pathErrorOf(out.error);
    timing.sync = t1 - t0;
    timing.decode = view.decodeMs - decoded;
    timing.decodeBooks = view.booksLoaded - loaded;
    ledger = String(out.answer.ledger);
    const reply = pathsPage(out.answer.paths);
    reply.headers = [["Latest-Ledger", ledger]];
    return reply;
  } catch (err) {
    const problem = pathProblem(err);
    if (problem instanceof ApiError) return problemReply(problem);
    // As the API: a failure without a problem is a bug, logged by the node and answered without its details.
    const e = err instanceof Error ? err : new Error(String(err));
    tell({bug: {message: e.message, stack: e.stack}});
    return problemReply(new ApiError(ApiErrorCode.SERVER_ERROR, "The server failed to answer this request; the failure is logged."));
  } finally {
    store.endReads();
  }
}

function zip(reply: Reply, gzip: boolean): {body: string | Buffer; zipped: boolean} {
  const zipped = gzip && reply.body.length >= GZIP_MIN_BYTES;
  return {body: zipped ? gzipSync(reply.body) : reply.body, zipped};
}

function send(res: HttpResponse, reply: Reply, gzip: boolean, head: boolean): void {
  const {body, zipped} = zip(reply, gzip);
  writeReply(res, reply, body, zipped, head);
}

function tell(m: PathListenerMessage): void {
  parentPort?.postMessage(m);
}

/**
 * Brings the view to the last closed ledger and decodes the books it changed, outside any request
 * (the node posts "ledger-closed" after each close); queries then find their books decoded.
 */
function refresh(store: LedgerStore, view: StoreBookView): void {
  const t0 = performance.now();
  const loaded = view.booksLoaded;
  try {
    const ledger = view.sync();
    view.warm();
    tell({refreshed: {ledger, books: view.booksLoaded - loaded, ms: performance.now() - t0}});
  } finally {
    store.endReads();
  }
}

function start(): void {
  const nice = data.nice !== undefined && data.nice !== 0 ? niceThisThread(data.nice) : undefined;
  let store: LedgerStore;
  let view: StoreBookView;
  try {
    store = new LedgerStore({dir: data.dataDir, readOnly: true});
    view = new StoreBookView(store);
    view.warm();
    store.endReads();
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    tell({failed: err instanceof DiamanteError ? err.toData() : {code: PathErrorCode.ListenFailed, message: err.message, meta: {}}});
    parentPort?.close();
    return;
  }
  let socket: us_listen_socket | false = false;
  const clock = new ThreadClock();
  const gc = new GcLog();
  const app = uws.App();
  /** Ends the thread: nothing may keep its loop alive once it does not listen. */
  const shutdown = (): void => {
    if (socket !== false) uws.us_listen_socket_close(socket);
    socket = false;
    (app as {close?: () => void}).close?.();
    parentPort?.close();
    clock.close();
    gc.close();
    void store.close();
  };
  /** The previous handler's span and the thread's run-queue wait when it ended. */
  let prev = {start: 0, end: 0, runqMs: Number.NaN};
  const handle = (head: boolean) => (res: HttpResponse, req: HttpRequest) => {
    const start = performance.now();
    const before = clock.read();
    const timing: QueryTiming = {gcPrev: gc.sumBetween(prev.start, prev.end)};
    if (before !== undefined) timing.runqBefore = before.runqMs - prev.runqMs;
    const reply = answer(store, view, req.getUrl(), req.getQuery() ?? "", timing);
    const {body, zipped} = zip(reply, /\bgzip\b/.test(req.getHeader("accept-encoding")));
    const after = clock.read();
    const end = performance.now();
    timing.total = end - start;
    if (timing.sync !== undefined) timing.search = timing.total - timing.sync - (timing.decode ?? 0);
    if (before !== undefined && after !== undefined) timing.runq = after.runqMs - before.runqMs;
    reply.headers = [...(reply.headers ?? []), ["Server-Timing", serverTimingHeader(timing)]];
    // The answer is written before the handler returns, so the request needs no abort handler.
    writeReply(res, reply, body, zipped, head);
    prev = {start, end, runqMs: after?.runqMs ?? Number.NaN};
  };
  app.get("/*", handle(false));
  app.head("/*", handle(true));
  app.any("/*", (res) => send(res, problemReply(notFound()), false, false));
  /** Set while a refresh waits for the loop to be free of requests already read. */
  let refreshQueued = false;
  parentPort?.on("message", (m: unknown) => {
    if (m === "close") shutdown();
    else if (m === "ledger-closed" && !refreshQueued && socket !== false) {
      refreshQueued = true;
      setImmediate(() => {
        refreshQueued = false;
        if (socket === false) return;
        try {
          refresh(store, view);
        } catch (err) {
          // The next query syncs on its own; a failing read is its error to report.
          const e = err instanceof Error ? err : new Error(String(err));
          tell({bug: {message: `book refresh after a ledger close failed: ${e.message}`, stack: e.stack}});
        }
      });
    }
  });
  app.listen(data.host, data.port, (s) => {
    if (s === false) {
      tell({failed: {code: PathErrorCode.ListenFailed, message: `the path listener cannot listen on ${data.host}:${data.port}`, meta: {}}});
      shutdown();
      return;
    }
    socket = s;
    tell({listening: uws.us_socket_local_port(s), nice});
  });
}

start();

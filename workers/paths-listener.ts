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

const data = workerData as PathListenerData;

/** The API's path routes, by path without a trailing slash. */
const ROUTES = new Map<string, (ctx: QueryContext) => PathRequest>([
  ["/paths", strictReceiveRequest],
  ["/paths/strict-receive", strictReceiveRequest],
  ["/paths/strict-send", strictSendRequest],
]);

function answer(store: LedgerStore, view: StoreBookView, path: string, query: string): Reply {
  const parse = ROUTES.get(path.length > 1 ? path.replace(/\/+$/, "") : path);
  if (parse === undefined) return problemReply(notFound());
  let ledger = "";
  try {
    const request = parse({query: new URLSearchParams(query)});
    const out = pathOutcome(store, view, request, data.limits);
    if (!out.ok) throw pathErrorOf(out.error);
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

function send(res: HttpResponse, reply: Reply, gzip: boolean, head: boolean): void {
  let body: string | Buffer = reply.body;
  const zipped = gzip && body.length >= GZIP_MIN_BYTES;
  if (zipped) body = gzipSync(body);
  writeReply(res, reply, body, zipped, head);
}

function tell(m: PathListenerMessage): void {
  parentPort?.postMessage(m);
}

function start(): void {
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
  const app = uws.App();
  /** Ends the thread: nothing may keep its loop alive once it does not listen. */
  const shutdown = (): void => {
    if (socket !== false) uws.us_listen_socket_close(socket);
    socket = false;
    (app as {close?: () => void}).close?.();
    parentPort?.close();
    void store.close();
  };
  const handle = (head: boolean) => (res: HttpResponse, req: HttpRequest) => {
    // The answer is written before the handler returns, so the request needs no abort handler.
    send(res, answer(store, view, req.getUrl(), req.getQuery() ?? ""), /\bgzip\b/.test(req.getHeader("accept-encoding")), head);
  };
  app.get("/*", handle(false));
  app.head("/*", handle(true));
  app.any("/*", (res) => send(res, problemReply(notFound()), false, false));
  parentPort?.on("message", (m: unknown) => {
    if (m === "close") shutdown();
  });
  app.listen(data.host, data.port, (s) => {
    if (s === false) {
      tell({failed: {code: PathErrorCode.ListenFailed, message: `the path listener cannot listen on ${data.host}:${data.port}`, meta: {}}});
      shutdown();
      return;
    }
    socket = s;
    tell({listening: uws.us_socket_local_port(s)});
  });
}

start();

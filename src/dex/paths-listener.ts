/**
 * An optional HTTP listener of its own for /paths, /paths/strict-receive and /paths/strict-send,
 * served from a dedicated thread (workers/paths-listener.ts) that parses the request, searches
 * and writes the answer without the main thread.
 *
 * Why: on the API's listener every request is parsed and answered on the main thread, which a
 * ledger close holds for hundreds of milliseconds under load (the paths bench reads its event-loop
 * delay: p99 ~350 ms while committing payments on the shared box), so a path query's round trip
 * there can never beat the close however fast the search is. Here the answer is the API's own
 * (same parsing and validation, same finder, same JSON and problems) for a client that sends path
 * queries to this port, as Horizon deployments put path finding behind its own instances.
 */
import {once} from "node:events";
import {Worker} from "node:worker_threads";
import type {ErrorData} from "../util/errors.js";
import {PathError, PathErrorCode} from "./paths-errors.js";
import type {PathSearchLimits} from "./paths.js";
import type {NiceOutcome} from "../util/thread-priority.js";

export interface PathListenerData {
  dataDir: string;
  limits: PathSearchLimits;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The thread's nice value (PathFinderOptions.nice); 0 leaves it as the process's. */
  nice?: number;
}

/**
 * What the listener's thread tells its owner: first the port it listens on or why it cannot, then
 * any request that failed without a problem to answer (a bug, for the node's log).
 */
export type PathListenerMessage =
  | {listening: number; nice?: NiceOutcome}
  | {failed: ErrorData}
  | {bug: {message: string; stack?: string}}
  | {refreshed: BookRefresh};

/** A refresh of the listener's book after a ledger close: the ledger, books decoded, time taken. */
export interface BookRefresh {
  ledger: number;
  books: number;
  ms: number;
}

export class PathListener {
  private stopping = false;
  /** The latest refresh the thread reported (`ledgerClosed`). */
  lastRefresh: BookRefresh | undefined;

  private constructor(
    private readonly worker: Worker,
    /** The port the listener is bound to. */
    readonly port: number,
    /** How setting the thread's nice value went, when one was asked for (lowering it needs CAP_SYS_NICE). */
    readonly nice: NiceOutcome | undefined,
  ) {}

  /**
   * Starts the thread; resolves once it decoded the book and listens. `onFailure` hears of a
   * request that failed with a bug and of a thread that dies later (the API's own /paths keeps
   * answering).
   */
  static async start(data: PathListenerData, onFailure?: (err: Error) => void): Promise<PathListener> {
    const worker = new Worker(new URL("../../workers/paths-listener.js", import.meta.url), {workerData: data});
    let listener: PathListener | undefined;
    let nice: NiceOutcome | undefined;
    const port = await new Promise<number>((resolve, reject) => {
      worker.on("message", (m: PathListenerMessage) => {
        if ("refreshed" in m) {
          if (listener !== undefined) listener.lastRefresh = m.refreshed;
        } else if ("bug" in m) onFailure?.(Object.assign(new Error(m.bug.message), {stack: m.bug.stack}));
        else if ("listening" in m) {
          nice = m.nice;
          resolve(m.listening);
        }
        else reject(new PathError(PathErrorCode.ListenFailed, m.failed.message, {...m.failed.meta, host: data.host, port: data.port}));
      });
      worker.on("error", (err) => {
        if (listener === undefined) reject(new PathError(PathErrorCode.ListenFailed, `the path listener's thread failed: ${err.message}`, {host: data.host, port: data.port}));
        else onFailure?.(err);
      });
      worker.once("exit", (code) => {
        if (listener === undefined) reject(new PathError(PathErrorCode.ListenFailed, `the path listener's thread exited (code ${code}) before listening`, {host: data.host, port: data.port}));
        else if (!listener.stopping) onFailure?.(new PathError(PathErrorCode.ListenFailed, `the path listener's thread exited (code ${code})`, {port: listener.port}));
      });
    });
    listener = new PathListener(worker, port, nice);
    return listener;
  }

  /**
   * Tells the thread a ledger closed: it brings its book to that ledger between requests, so a
   * query arriving after the close does not pay for re-reading the books the ledger changed.
   */
  ledgerClosed(): void {
    if (!this.stopping) this.worker.postMessage("ledger-closed");
  }

  /**
   * Closes the listening socket and every connection, and waits for the thread to end on its own:
   * terminating a thread that holds uWS sockets crashes the process.
   */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const exited = once(this.worker, "exit");
    this.worker.postMessage("close");
    await exited;
  }
}

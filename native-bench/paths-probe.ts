/**
 * The path query probe of the paths bench, on a worker thread of its own: the bench's main thread
 * runs the payment load generator (autocannon, ~1,000 requests a second over 256 connections),
 * whose event loop lag would otherwise be timed as path finding. Here each query is sent and
 * timed alone, one in flight, from the URLs the bench hands over (cycled), until told to stop;
 * then the latencies (ms), error statuses and path counts go back in one message, per listener
 * when there are several (the API's, the dedicated path listener's): queries go to them in turn,
 * two at a time, so each sees strict-receive and strict-send queries alike.
 */
import {parentPort, workerData} from "node:worker_threads";
import {performance} from "node:perf_hooks";
import {parseServerTiming, ThreadClock} from "../src/dex/paths-timing.js";

export interface ProbeData {
  /** The listeners to query, in turn. */
  baseUrls: string[];
  urls: string[];
  /** Stop after this many queries (the idle phase); 0: until a "stop" message (the loaded phase). */
  count: number;
}

export interface ProbeResult {
  latenciesMs: number[];
  /**
   * The reply's Server-Timing parts (ms by name) per query, same order as `latenciesMs`; empty
   * when the listener sends none (the API's listener).
   */
  serverTimings: Array<Array<[string, number]>>;
  errors: Array<[number, number]>;
  paths: number;
}

/** Queries of a pair go to the same listener: the bench's URLs alternate strict receive and strict send. */
const PER_TURN = 2;

const REQUEST_TIMEOUT_MS = 30_000;

async function probe(data: ProbeData): Promise<ProbeResult[]> {
  let stopped = false;
  parentPort?.on("message", (m: unknown) => {
    if (m === "stop") stopped = true;
  });
  const clock = new ThreadClock();
  const results = data.baseUrls.map(() => ({latenciesMs: [] as number[], serverTimings: [] as Array<Array<[string, number]>>, errors: new Map<number, number>(), paths: 0}));
  for (let i = 0; data.count === 0 ? !stopped : i < data.count; i++) {
    const url = data.urls[i % data.urls.length] as string;
    const which = Math.floor(i / PER_TURN) % data.baseUrls.length;
    const r = results[which] as (typeof results)[number];
    const start = performance.now();
    const runqAtStart = clock.read();
    let status = 0;
    let body: unknown = null;
    let timing: string | null = null;
    try {
      const res = await fetch((data.baseUrls[which] as string) + url, {signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)});
      status = res.status;
      timing = res.headers.get("server-timing");
      body = await res.json();
    } catch {
      status = 0;
    }
    r.latenciesMs.push(performance.now() - start);
    // The probe's own run-queue wait over the round trip: under load the client thread too waits
    // for a core, and that is no part of the node's answer time.
    const clientRunq = clock.read();
    r.serverTimings.push([...parseServerTiming(timing), ["client-runq", (clientRunq?.runqMs ?? Number.NaN) - (runqAtStart?.runqMs ?? Number.NaN)]]);
    if (status !== 200) r.errors.set(status, (r.errors.get(status) ?? 0) + 1);
    else r.paths += ((body as {_embedded?: {records?: unknown[]}})._embedded?.records ?? []).length;
    // Let the "stop" message in between queries.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return results.map((r) => ({latenciesMs: r.latenciesMs, serverTimings: r.serverTimings, errors: [...r.errors], paths: r.paths}));
}

if (parentPort !== null) {
  const result = await probe(workerData as ProbeData);
  parentPort.postMessage(result);
}

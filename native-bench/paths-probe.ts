/**
 * The path query probe of the paths bench, on a worker thread of its own: the bench's main thread
 * runs the payment load generator (autocannon, ~1,000 requests a second over 256 connections),
 * whose event loop lag would otherwise be timed as path finding. Here each query is sent and
 * timed alone, one in flight, from the URLs the bench hands over (cycled), until told to stop;
 * then the latencies (ms), error statuses and path counts go back in one message, per listener
 * when there are several (the API's, the dedicated path listener's): queries go to them in turn,
 * two at a time, so each sees strict-receive and strict-send queries alike.
 *
 * A round trip is timed from the request's write to the reply's last byte, over a kept-alive
 * connection per listener (node:http, one socket each): what a client of the node waits for.
 * The body is parsed (for the path count) after the clock stops, and the client's own machinery
 * is kept small: fetch() allocated streams, promises and header objects per request, and its
 * collections and run-queue wait landed on the probe's round trips.
 */
import {parentPort, workerData} from "node:worker_threads";
import {Agent, request} from "node:http";
import {performance} from "node:perf_hooks";
import {parseServerTiming, ThreadClock} from "../src/dex/paths-timing.js";
import {currentThreadId} from "../src/util/thread-priority.js";

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

/** What the probe posts: its kernel thread id first (the bench leaves that thread's priority alone), then the results. */
export type ProbeMessage = {tid: number | undefined} | {results: ProbeResult[]};

/** Queries of a pair go to the same listener: the bench's URLs alternate strict receive and strict send. */
const PER_TURN = 2;

const REQUEST_TIMEOUT_MS = 30_000;

interface Reply {
  status: number;
  timing: string | undefined;
  body: string;
  /** performance.now() when the last byte of the body arrived. */
  end: number;
}

/** One GET over `agent`'s kept-alive socket; resolves with the whole body, status 0 on a transport failure. */
function get(agent: Agent, url: URL): Promise<Reply> {
  return new Promise((resolve) => {
    const fail = (): void => resolve({status: 0, timing: undefined, body: "", end: performance.now()});
    const req = request(url, {agent, timeout: REQUEST_TIMEOUT_MS}, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const end = performance.now();
        const t = res.headers["server-timing"];
        resolve({status: res.statusCode ?? 0, timing: Array.isArray(t) ? t.join(", ") : t, body: Buffer.concat(chunks).toString("utf8"), end});
      });
      res.on("error", fail);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", fail);
    req.end();
  });
}

function pathCount(body: string): number {
  try {
    return ((JSON.parse(body) as {_embedded?: {records?: unknown[]}})._embedded?.records ?? []).length;
  } catch {
    return 0;
  }
}

async function probe(data: ProbeData): Promise<ProbeResult[]> {
  let stopped = false;
  parentPort?.on("message", (m: unknown) => {
    if (m === "stop") stopped = true;
  });
  const clock = new ThreadClock();
  const agents = data.baseUrls.map(() => new Agent({keepAlive: true, maxSockets: 1}));
  const results = data.baseUrls.map(() => ({latenciesMs: [] as number[], serverTimings: [] as Array<Array<[string, number]>>, errors: new Map<number, number>(), paths: 0}));
  try {
    for (let i = 0; data.count === 0 ? !stopped : i < data.count; i++) {
      const url = data.urls[i % data.urls.length] as string;
      const which = Math.floor(i / PER_TURN) % data.baseUrls.length;
      const r = results[which] as (typeof results)[number];
      const target = new URL((data.baseUrls[which] as string) + url);
      const runqAtStart = clock.read();
      const start = performance.now();
      const reply = await get(agents[which] as Agent, target);
      r.latenciesMs.push(reply.end - start);
      // The probe's own run-queue wait over the round trip: under load the client thread too waits
      // for a core, and that is no part of the node's answer time.
      const clientRunq = clock.read();
      r.serverTimings.push([...parseServerTiming(reply.timing), ["client-runq", (clientRunq?.runqMs ?? Number.NaN) - (runqAtStart?.runqMs ?? Number.NaN)]]);
      if (reply.status !== 200) r.errors.set(reply.status, (r.errors.get(reply.status) ?? 0) + 1);
      else r.paths += pathCount(reply.body);
      // Let the "stop" message in between queries.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    for (const a of agents) a.destroy();
    clock.close();
  }
  return results.map((r) => ({latenciesMs: r.latenciesMs, serverTimings: r.serverTimings, errors: [...r.errors], paths: r.paths}));
}

if (parentPort !== null) {
  parentPort.postMessage({tid: currentThreadId()} satisfies ProbeMessage);
  const results = await probe(workerData as ProbeData);
  parentPort.postMessage({results} satisfies ProbeMessage);
}

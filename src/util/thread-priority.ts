/**
 * The scheduling priority (nice value) of one thread. On Linux setpriority(PRIO_PROCESS, tid)
 * changes only the thread with that id, so a worker can make itself yield to the others: the
 * verify workers (batched, latency-tolerant) run nicer than the path-finding threads, whose
 * queries are interactive, and on a box where every core is busy a query then waits less for
 * one (native-bench paths figures).
 *
 * Best effort, as thread naming: elsewhere than Linux nothing changes. Raising a nice value is
 * always allowed; lowering one below the process's needs CAP_SYS_NICE, and a refusal is
 * returned, not thrown, for the caller to log.
 */
import {readdirSync, readFileSync, readlinkSync} from "node:fs";
import os from "node:os";

/** The kernel's nice range. */
export const MIN_NICE = -20;
export const MAX_NICE = 19;

/** The calling thread's kernel id (/proc/thread-self links to "PID/task/TID"); undefined off Linux. */
export function currentThreadId(): number | undefined {
  try {
    const m = /\/task\/(\d+)$/.exec(readlinkSync("/proc/thread-self"));
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

export type NiceOutcome = {ok: true; tid: number; nice: number} | {ok: false; reason: string};

/**
 * Sets the calling thread's nice value. Off Linux (no thread ids) it does nothing; a nice value
 * outside -20..19 or not an integer is refused without a change.
 */
export function niceThisThread(nice: number): NiceOutcome {
  if (!Number.isInteger(nice) || nice < MIN_NICE || nice > MAX_NICE) return {ok: false, reason: `nice must be an integer in ${MIN_NICE}..${MAX_NICE}, got ${nice}`};
  const tid = currentThreadId();
  if (tid === undefined) return {ok: false, reason: "thread ids are not available on this platform"};
  try {
    os.setPriority(tid, nice);
    return {ok: true, tid, nice: os.getPriority(tid)};
  } catch (err) {
    return {ok: false, reason: err instanceof Error ? err.message : String(err)};
  }
}

/** How `niceOtherThreads` went: the threads changed with their earlier nice values, and those it could not change. */
export interface ThreadsNiced {
  changed: Array<{tid: number; was: number}>;
  failed: number;
  /** Why nothing was changed, when the nice value itself was refused. */
  refused?: string;
  /** Puts every changed thread back to its earlier value (a thread that ended meanwhile is skipped). */
  restore(): void;
}

/**
 * Sets `nice` on every thread of this process except `keep` (kernel thread ids), as they are now:
 * a thread started later inherits the nice value of the thread that starts it. Used by a bench
 * whose process holds both a load generator (standing in for remote clients) and a probe whose
 * latency is the figure: the generator's threads yield the cores to the probe and the node.
 * Off Linux nothing changes. A nice value outside -20..19 or not whole is refused (`refused`),
 * changing nothing, as `niceThisThread` refuses it.
 */
export function niceOtherThreads(keep: ReadonlySet<number>, nice: number): ThreadsNiced {
  return niceThreads((tid) => !keep.has(tid), nice);
}

/**
 * Sets `nice` on every thread of this process named `name` (util/thread-names.ts: "uv-pool" is
 * libuv's pool, where lmdb-js runs each LMDB write transaction), refused as `niceOtherThreads`.
 */
export function niceThreadsNamed(name: string, nice: number): ThreadsNiced {
  return niceThreads((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, "latin1").trimEnd() === name;
    } catch {
      return false;
    }
  }, nice);
}

function niceThreads(which: (tid: number) => boolean, nice: number): ThreadsNiced {
  if (!Number.isInteger(nice) || nice < MIN_NICE || nice > MAX_NICE) {
    return {changed: [], failed: 0, refused: `nice must be an integer in ${MIN_NICE}..${MAX_NICE}, got ${nice}`, restore() {}};
  }
  let tids: number[];
  try {
    tids = readdirSync("/proc/self/task").map(Number).filter((t) => Number.isInteger(t) && which(t));
  } catch {
    tids = [];
  }
  const changed: ThreadsNiced["changed"] = [];
  let failed = 0;
  for (const tid of tids) {
    try {
      const was = os.getPriority(tid);
      os.setPriority(tid, nice);
      changed.push({tid, was});
    } catch {
      // A thread that ended between the listing and the call, or a value this process may not set.
      failed++;
    }
  }
  return {
    changed,
    failed,
    restore() {
      for (const {tid, was} of changed) {
        try {
          os.setPriority(tid, was);
        } catch {
          // The thread ended.
        }
      }
    },
  };
}

/**
 * CPU of a process split by thread, from /proc/PID/task/TID/stat (Linux): a node's CPU per tx can
 * grow in the main thread, in the signature workers or in the libuv pool that runs LMDB's write
 * transactions, and only a per-thread figure says which. The node names its threads at start
 * (src/util/thread-names.ts: "node" is the main thread, "verify-worker", "uv-pool",
 * "node-platform" for V8's GC and compiler helpers); threads are grouped by that name.
 */
import {readdirSync, readFileSync} from "node:fs";

/** Clock ticks per second of /proc's utime and stime (USER_HZ): 100 on every Linux build in use. */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds of each thread (by tid) with its name, split into user and system (kernel) time:
 * a write thread whose growth is system time is paying for page writes and fsync, one whose
 * growth is user time for B-tree and free-list work. Empty where /proc is not readable.
 */
export type ThreadCpu = Map<number, {name: string; seconds: number; user: number; system: number}>;

export function threadCpu(pid: number | undefined): ThreadCpu {
  const out: ThreadCpu = new Map();
  if (pid === undefined) return out;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      // The name sits in parentheses and may hold spaces: the fields after it are counted from ")".
      const open = stat.indexOf("(");
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the name.
      const user = Number(fields[11]) / TICKS_PER_SECOND;
      const system = Number(fields[12]) / TICKS_PER_SECOND;
      const name = Number(tid) === pid ? "main" : stat.slice(open + 1, close);
      out.set(Number(tid), {name, seconds: user + system, user, system});
    } catch {
      // The thread ended between the listing and the read: it is counted in no group.
    }
  }
  return out;
}

/** CPU seconds spent between two samples, summed per thread name, largest first. */
export function threadCpuDelta(before: ThreadCpu, after: ThreadCpu): Array<{name: string; seconds: number; user: number; system: number; threads: number}> {
  const groups = new Map<string, {seconds: number; user: number; system: number; threads: number}>();
  for (const [tid, a] of after) {
    const b = before.get(tid);
    const g = groups.get(a.name) ?? {seconds: 0, user: 0, system: 0, threads: 0};
    g.seconds += a.seconds - (b?.seconds ?? 0);
    g.user += a.user - (b?.user ?? 0);
    g.system += a.system - (b?.system ?? 0);
    g.threads += 1;
    groups.set(a.name, g);
  }
  return [...groups].map(([name, g]) => ({name, ...g})).sort((x, y) => y.seconds - x.seconds);
}

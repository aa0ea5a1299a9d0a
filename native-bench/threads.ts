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

/** CPU seconds of each thread (by tid) with its name; empty where /proc is not readable. */
export type ThreadCpu = Map<number, {name: string; seconds: number}>;

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
      const ticks = Number(fields[11]) + Number(fields[12]);
      const name = Number(tid) === pid ? "main" : stat.slice(open + 1, close);
      out.set(Number(tid), {name, seconds: ticks / TICKS_PER_SECOND});
    } catch {
      // The thread ended between the listing and the read: it is counted in no group.
    }
  }
  return out;
}

/** CPU seconds spent between two samples, summed per thread name, largest first. */
export function threadCpuDelta(before: ThreadCpu, after: ThreadCpu): Array<{name: string; seconds: number; threads: number}> {
  const groups = new Map<string, {seconds: number; threads: number}>();
  for (const [tid, a] of after) {
    const spent = a.seconds - (before.get(tid)?.seconds ?? 0);
    const g = groups.get(a.name) ?? {seconds: 0, threads: 0};
    g.seconds += spent;
    g.threads += 1;
    groups.set(a.name, g);
  }
  return [...groups].map(([name, g]) => ({name, ...g})).sort((x, y) => y.seconds - x.seconds);
}

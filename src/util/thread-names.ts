/**
 * Names for the node's threads, so its CPU can be split per thread from outside
 * (`/proc/PID/task/TID/stat` and `comm`): every thread of a Node process is called "node", and
 * a figure such as "CPU per tx doubled on a big ledger" can only be located once the main thread,
 * the signature workers and the libuv pool (where lmdb-js runs each LMDB write transaction) are
 * told apart. Linux only and best effort: elsewhere, or when /proc is not writable, nothing
 * happens. A name is what the kernel keeps: at most 15 bytes.
 */
import {readdirSync, writeFileSync} from "node:fs";

/** The kernel's limit for a thread name (TASK_COMM_LEN 16, with the trailing NUL). */
const MAX_NAME = 15;

/** libuv's pool size: UV_THREADPOOL_SIZE when set (1..1024), 4 otherwise. */
function uvPoolSize(): number {
  const n = Number(process.env["UV_THREADPOOL_SIZE"]);
  return Number.isInteger(n) && n >= 1 && n <= 1024 ? n : 4;
}

function setName(path: string, name: string): boolean {
  try {
    writeFileSync(path, name.slice(0, MAX_NAME));
    return true;
  } catch {
    return false;
  }
}

/** Names the calling thread (a worker calls it once when it loads). */
export function nameThisThread(name: string): boolean {
  return setName("/proc/thread-self/comm", name);
}

/**
 * Names the threads Node started before the node's code ran, from the main thread: the libuv
 * pool is started lazily on the first pooled job, which module loading already made, so its
 * threads are the newest ones at this point ("uv-pool"); the older ones are V8's platform
 * threads (GC and compiler helpers) and Node's own ("node-platform"). Call it before any worker
 * thread starts. Returns how many threads it named.
 */
export function nameStartupThreads(): number {
  let tids: number[];
  try {
    tids = readdirSync("/proc/self/task")
      .map(Number)
      .filter((t) => Number.isInteger(t) && t !== process.pid)
      .sort((a, b) => a - b);
  } catch {
    return 0;
  }
  const firstPool = Math.max(0, tids.length - uvPoolSize());
  let named = 0;
  tids.forEach((tid, i) => {
    if (setName(`/proc/self/task/${tid}/comm`, i >= firstPool ? "uv-pool" : "node-platform")) named++;
  });
  return named;
}

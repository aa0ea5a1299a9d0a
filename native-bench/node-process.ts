/**
 * Runs the node under test as a child process on loopback: spawn, wait until `GET /` answers,
 * stop with SIGTERM then SIGKILL. Its output goes to a log file whose tail is shown on failure.
 */
import {spawn, type ChildProcess} from "node:child_process";
import {existsSync, openSync, closeSync, readFileSync} from "node:fs";
import net from "node:net";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {BenchError, BenchErrorCode} from "./errors.js";
import {getJson, sleep} from "./horizon-http.js";

/** The node's CLI as built by tsc: dist/src/cli/main.js, beside dist/native-bench/. */
export const NODE_MAIN = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
/** Grace after SIGTERM before SIGKILL: long enough for a final LMDB commit and a CPU profile write. */
const STOP_GRACE_MS = 10_000;
/** Poll interval while waiting for the API to come up. */
const START_POLL_MS = 100;
/** Log lines shown when the node fails. */
const LOG_TAIL_LINES = 30;

export interface NodeProcessOptions {
  dataDir: string;
  logPath: string;
  closeIntervalMs: number;
  startTimeoutMs: number;
  /** When set, the node runs under `--cpu-prof` writing into this folder. */
  cpuProfDir?: string;
  extraArgs: string[];
  /** The node's CLI entry point; NODE_MAIN (this build) unless another build is compared. */
  nodeMain?: string;
}

export interface RunningNode {
  child: ChildProcess;
  baseUrl: string;
  /** Root JSON (`GET /`) as first answered. */
  root: Record<string, unknown>;
}

/** A port free on 127.0.0.1 right now (the OS picks it; the node binds it a moment later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function logTail(logPath: string, lines = LOG_TAIL_LINES): string {
  if (!existsSync(logPath)) return "(no log)";
  const all = readFileSync(logPath, "utf8").trimEnd().split("\n");
  return all.slice(-lines).join("\n");
}

export async function startNode(opts: NodeProcessOptions): Promise<RunningNode> {
  const port = await freePort();
  const args = [
    ...(opts.cpuProfDir !== undefined ? ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProfDir}`] : []),
    opts.nodeMain ?? NODE_MAIN,
    "start",
    "--port",
    String(port),
    "--host",
    "127.0.0.1",
    "--data",
    opts.dataDir,
    "--close-interval",
    String(opts.closeIntervalMs),
    ...opts.extraArgs,
  ];
  const logFd = openSync(opts.logPath, "a");
  const child = spawn(process.execPath, args, {stdio: ["ignore", logFd, logFd], cwd: path.dirname(opts.dataDir)});
  closeSync(logFd);
  let exited: string | undefined;
  child.once("exit", (code, signal) => {
    exited = `exit code ${code ?? "none"}, signal ${signal ?? "none"}`;
  });

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + opts.startTimeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new BenchError(BenchErrorCode.NodeStartFailed, `node exited during start (${exited})`, {
        args: args.join(" "),
        log: logTail(opts.logPath),
      });
    }
    try {
      const {status, body} = await getJson(baseUrl, "/", 2_000);
      if (status === 200 && body !== null && typeof body === "object") {
        return {child, baseUrl, root: body as Record<string, unknown>};
      }
    } catch {
      // Not listening yet: keep polling until the deadline.
    }
    await sleep(START_POLL_MS);
  }
  await stopNode(child);
  throw new BenchError(BenchErrorCode.NodeStartFailed, `node did not answer GET / within ${opts.startTimeoutMs} ms`, {
    args: args.join(" "),
    log: logTail(opts.logPath),
  });
}

/** Resident set size of a process from /proc (Linux), in bytes; NaN elsewhere. */
export function rssBytes(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
    return line === undefined ? Number.NaN : Number(line.split(/\s+/)[1]) * 1024;
  } catch {
    return Number.NaN;
  }
}

/**
 * Resident memory of a process split as Linux reports it: `anon` is the heap and other private
 * memory; `file` is file-backed pages mapped into it, here LMDB's memory map of ledger.mdb (page
 * cache the kernel can drop under memory pressure). Bytes; NaN elsewhere.
 */
export function rssParts(pid: number | undefined): {rss: number; anon: number; file: number} {
  const none = {rss: Number.NaN, anon: Number.NaN, file: Number.NaN};
  if (pid === undefined) return none;
  try {
    const lines = readFileSync(`/proc/${pid}/status`, "utf8").split("\n");
    const kb = (name: string): number => {
      const line = lines.find((l) => l.startsWith(`${name}:`));
      return line === undefined ? Number.NaN : Number(line.split(/\s+/)[1]) * 1024;
    };
    return {rss: kb("VmRSS"), anon: kb("RssAnon"), file: kb("RssFile")};
  } catch {
    return none;
  }
}

/** The node CLI of another build's dist/ folder (e.g. `--baseline-dist ../baseline/dist`). */
export function nodeMainOf(distDir: string): string {
  const main = path.resolve(distDir, "src", "cli", "main.js");
  if (!existsSync(main)) throw new BenchError(BenchErrorCode.BadFlag, `${main} does not exist: give the dist/ folder of a built checkout`);
  return main;
}

/** SIGTERM, then SIGKILL after the grace period. Resolves to how it ended. */
export async function stopNode(child: ChildProcess): Promise<string> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return `already exited (code ${child.exitCode ?? "none"}, signal ${child.signalCode ?? "none"})`;
  }
  const ended = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => resolve(`code ${code ?? "none"}, signal ${signal ?? "none"}`));
  });
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  const how = await ended;
  clearTimeout(timer);
  return how;
}

/**
 * Starting nodes for integration tests: in-process (fast, inspectable) or as a child process
 * running the real CLI (for crash tests). Both bind to 127.0.0.1 on a free port and use a fresh
 * temporary data folder unless one is given.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {spawn, type ChildProcess} from "node:child_process";
import {fileURLToPath} from "node:url";
import {Horizon} from "@stellar/stellar-sdk";
import {Node} from "../../src/node/node.js";
import type {NodeOptions} from "../../src/node/options.js";

export function tempDir(prefix = "diamante-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface RunningNode {
  node: Node;
  url: string;
  server: Horizon.Server;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startNode(opts: Partial<NodeOptions> = {}): Promise<RunningNode> {
  const dataDir = opts.dataDir ?? tempDir();
  const node = new Node({
    port: 0,
    host: "127.0.0.1",
    closeIntervalMs: 200,
    verifyThreads: 1,
    logLevel: "warn",
    checkInvariants: true,
    ...opts,
    dataDir,
  });
  await node.start();
  const url = `http://127.0.0.1:${node.port}`;
  return {
    node,
    url,
    server: new Horizon.Server(url, {allowHttp: true}),
    dataDir,
    async stop() {
      await node.stop();
      if (!opts.dataDir) rmSync(dataDir, {recursive: true, force: true});
    },
  };
}

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface ChildNode {
  proc: ChildProcess;
  port: number;
  url: string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  /** Called with every JSON log line the node writes, for as long as it runs. */
  onLog?: (record: Record<string, unknown>) => void;
}

/** Runs `diamante start` in a child process and resolves once it logs its port. */
export function spawnNode(dataDir: string, extra: string[] = [], opts: SpawnOptions = {}): Promise<ChildNode> {
  const proc = spawn(
    process.execPath,
    [CLI, "start", "--data", dataDir, "--port", "0", "--host", "127.0.0.1", "--close-interval", "200", ...extra],
    {stdio: ["ignore", "pipe", "pipe"]},
  );
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buf = "";
    let err = "";
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error("node did not start within 20 s: " + err));
    }, 20_000);
    proc.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    proc.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let rec: {msg?: string; port?: number};
        try {
          rec = JSON.parse(line) as {msg?: string; port?: number};
        } catch {
          continue; // not a log line
        }
        opts.onLog?.(rec);
        if (rec.msg === "node started" && rec.port) {
          clearTimeout(timer);
          resolve({proc, port: rec.port, url: `http://127.0.0.1:${rec.port}`, exited});
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code} before starting: ${err}`));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` until it returns a value other than undefined, or throws after `ms`. */
export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 10_000, what = "condition"): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

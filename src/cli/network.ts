/**
 * `diamante network up|status|down`: a network of validators (and watchers) as separate
 * processes on loopback, each with its own data folder, generated node key and config file.
 *
 *   DIR/network.json        the nodes: index, role, folder, API and peer ports
 *   DIR/node-i/config.json  the node's config (quorum set, peers, ports): copy it to run the node elsewhere
 *   DIR/node-i/node.key     its node key seed
 *   DIR/node-i/pid          the running process
 *   DIR/node-i/status.json  written by the node: ledger, hash, SCP phase, peers
 *   DIR/node-i/node.log     its log
 *   DIR/archive             the history archive validator 0 publishes (a checkpoint every 64 ledgers)
 */
import {spawn} from "node:child_process";
import {existsSync, mkdirSync, openSync, readFileSync, writeFileSync, closeSync, rmSync} from "node:fs";
import {join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {randomBytes} from "node:crypto";
import {createServer} from "node:net";
import {StrKey} from "@stellar/stellar-base";
import {NodeKey} from "../util/node-key.js";
import type {QuorumSet} from "../scp/types.js";
import type {NodeConfigFile} from "../node/config.js";
import type {NodeStatus} from "../node/node.js";

export class NetworkUsageError extends Error {}

export interface NetworkPlan {
  nodes: Array<{index: number; validator: boolean; dir: string; apiPort: number; peerPort: number; key: string}>;
}

/** Peer ports sit this far above the API ports: P+i serves the API, P+PEER_PORT_OFFSET+i the peers. */
export const PEER_PORT_OFFSET = 100;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/**
 * A random base port whose API range and peer range (n ports each) are free on loopback now.
 * Drawn from 10,000-29,999, below Linux's ephemeral range (32768-60999 by default): a port free
 * now but inside that range can be taken by any outgoing connection before a node binds it.
 */
export async function freeBasePort(n: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 10_000 + Math.floor(Math.random() * (20_000 - PEER_PORT_OFFSET - n));
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = (await portFree(base + i)) && (await portFree(base + PEER_PORT_OFFSET + i));
    if (ok) return base;
  }
  throw new Error("no free port range");
}

/**
 * Quorum sets of generated networks. full: one flat set, threshold ⌊2n/3⌋+1 (4 → 3, 7 → 5).
 * tiered: organisations of 3 validators (the last may be smaller), each an inner set needing a
 * majority of its members; ⌊2k/3⌋+1 of the k organisations, as Stellar's tier-one does.
 */
export function quorumSetFor(keys: string[], topology: "full" | "tiered"): QuorumSet {
  if (topology === "full" || keys.length < 4) return {threshold: Math.floor((2 * keys.length) / 3) + 1, validators: keys, innerSets: []};
  const orgs: string[][] = [];
  for (let i = 0; i < keys.length; i += 3) orgs.push(keys.slice(i, i + 3));
  return {
    threshold: Math.floor((2 * orgs.length) / 3) + 1,
    validators: [],
    innerSets: orgs.map((o) => ({threshold: Math.floor(o.length / 2) + 1, validators: o, innerSets: []})),
  };
}

const CLI = fileURLToPath(new URL("./main.js", import.meta.url));

function nodeDir(dir: string, i: number): string {
  return join(dir, `node-${i}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(dir: string): number | undefined {
  try {
    const n = Number(readFileSync(join(dir, "pid"), "utf8").trim());
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts one node of a generated network as a detached process; resolves once it serves.
 * `nodeArgs` go to node itself (the bench profiles validators with `--cpu-prof`).
 */
export async function startNetworkNode(dir: string, timeoutMs = 60_000, nodeArgs: readonly string[] = []): Promise<number> {
  const log = openSync(join(dir, "node.log"), "a");
  rmSync(join(dir, "status.json"), {force: true});
  const child = spawn(process.execPath, [...nodeArgs, CLI, "start", "--config", join(dir, "config.json")], {detached: true, stdio: ["ignore", log, log]});
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`node in ${dir} did not start`);
  child.unref();
  writeFileSync(join(dir, "pid"), String(pid) + "\n");
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (existsSync(join(dir, "status.json"))) return pid;
    if (!alive(pid)) throw new Error(`node in ${dir} exited while starting; see ${join(dir, "node.log")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node in ${dir} did not start within ${timeoutMs} ms; see ${join(dir, "node.log")}`);
}

export async function networkUp(o: {
  dir: string;
  nodes: number;
  basePort: number;
  topology: "full" | "tiered";
  watchers: number;
  closeIntervalMs?: number;
  passphrase?: string;
  /** Flags for node itself on every process (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
}): Promise<NetworkPlan> {
  const dir = resolve(o.dir);
  if (existsSync(join(dir, "network.json"))) throw new NetworkUsageError(`${dir} already holds a network; \`diamante network down --data ${o.dir}\` and remove it first`);
  if (o.basePort + PEER_PORT_OFFSET + o.nodes + o.watchers > 65535) throw new NetworkUsageError("--base-port too high for this many nodes");
  mkdirSync(dir, {recursive: true});
  const total = o.nodes + o.watchers;
  const seeds = Array.from({length: total}, () => randomBytes(32));
  const keys = seeds.map((s) => new NodeKey(s).publicKey);
  const qset = quorumSetFor(keys.slice(0, o.nodes), o.topology);
  const plan: NetworkPlan = {nodes: []};
  for (let i = 0; i < total; i++) {
    const d = nodeDir(dir, i);
    mkdirSync(d, {recursive: true});
    writeFileSync(join(d, "node.key"), StrKey.encodeEd25519SecretSeed(seeds[i]!) + "\n", {mode: 0o600});
    const validator = i < o.nodes;
    // Every node dials the validators before it (watchers dial all validators): a full mesh of validators.
    const peers = keys
      .map((k, j) => ({k, j}))
      .filter(({j}) => j < Math.min(i, o.nodes))
      .map(({k, j}) => `${k}@127.0.0.1:${o.basePort + PEER_PORT_OFFSET + j}`);
    const config: NodeConfigFile = {
      ...(o.passphrase !== undefined ? {passphrase: o.passphrase} : {}),
      validator,
      http: {host: "127.0.0.1", port: o.basePort + i},
      peer: {host: "127.0.0.1", port: o.basePort + PEER_PORT_OFFSET + i},
      peers,
      quorumSet: qset,
      ...(o.closeIntervalMs !== undefined ? {closeIntervalMs: o.closeIntervalMs} : {}),
      // One archive per network is enough for new nodes to start from; validator 0 keeps it.
      ...(i === 0 ? {history: {folder: "../archive"}} : {}),
      verifyThreads: 1,
      pathThreads: 1,
      logLevel: "info",
    };
    writeFileSync(join(d, "config.json"), JSON.stringify(config, null, 2) + "\n");
    plan.nodes.push({index: i, validator, dir: d, apiPort: o.basePort + i, peerPort: o.basePort + PEER_PORT_OFFSET + i, key: keys[i]!});
  }
  writeFileSync(join(dir, "network.json"), JSON.stringify(plan, null, 2) + "\n");
  try {
    await Promise.all(plan.nodes.map((n) => startNetworkNode(n.dir, undefined, o.nodeArgs)));
  } catch (err) {
    await networkDown(dir);
    throw err;
  }
  return plan;
}

export function readPlan(dir: string): NetworkPlan {
  const file = join(resolve(dir), "network.json");
  if (!existsSync(file)) throw new NetworkUsageError(`${dir} holds no network (no network.json); start one with \`diamante network up\``);
  return JSON.parse(readFileSync(file, "utf8")) as NetworkPlan;
}

export interface NodeReport {
  index: number;
  validator: boolean;
  running: boolean;
  pid: number | null;
  api: string;
  peerPort: number;
  ledger: number | null;
  hash: string | null;
  phase: string | null;
  peers: number;
}

export function networkStatus(dir: string): NodeReport[] {
  return readPlan(dir).nodes.map((n) => {
    const pid = readPid(n.dir);
    const running = pid !== undefined && alive(pid);
    let st: NodeStatus | undefined;
    try {
      st = JSON.parse(readFileSync(join(n.dir, "status.json"), "utf8")) as NodeStatus;
    } catch {
      st = undefined;
    }
    return {
      index: n.index,
      validator: n.validator,
      running,
      pid: running ? pid! : null,
      api: `http://127.0.0.1:${n.apiPort}`,
      peerPort: n.peerPort,
      ledger: st?.ledger ?? null,
      hash: st?.hash ?? null,
      phase: running ? (st?.phase ?? null) : null,
      peers: running ? (st?.peers.length ?? 0) : 0,
    };
  });
}

export function formatStatus(rows: NodeReport[]): string {
  const head = "node  role       pid      api                      peer   ledger  hash              phase        peers\n";
  return (
    head +
    rows
      .map(
        (r) =>
          `${String(r.index).padEnd(5)} ${(r.validator ? "validator" : "watcher").padEnd(10)} ${String(r.pid ?? "stopped").padEnd(8)} ${r.api.padEnd(24)} ${String(r.peerPort).padEnd(6)} ${String(r.ledger ?? "-").padEnd(7)} ${(r.hash ?? "-").slice(0, 16).padEnd(17)} ${(r.phase ?? "-").padEnd(12)} ${r.peers}`,
      )
      .join("\n") +
    "\n"
  );
}

/** Stops every node (SIGTERM, then SIGKILL after 10 s); returns how many were running. */
export function networkDown(dir: string): Promise<number> | number {
  const plan = readPlan(dir);
  const pids = plan.nodes.map((n) => readPid(n.dir)).filter((p): p is number => p !== undefined && alive(p));
  for (const p of pids) process.kill(p, "SIGTERM");
  const end = Date.now() + 10_000;
  return (async () => {
    while (pids.some(alive) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    for (const p of pids) if (alive(p)) process.kill(p, "SIGKILL");
    for (const n of plan.nodes) rmSync(join(n.dir, "pid"), {force: true});
    return pids.length;
  })();
}

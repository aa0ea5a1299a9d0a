/**
 * `diamante` command line: init a network, start a node, make keys, show the root key.
 * Bad flags get a one-line message and exit code 2; nothing is written.
 */
import {parseArgs} from "node:util";
import {Keypair} from "@stellar/stellar-base";
import {defaultNodeOptions} from "../node/options.js";
import {defaultHerderOptions} from "../herder/options.js";
import {rootKeypair} from "../ledger/genesis.js";
import {DEFAULT_PASSPHRASE, STROOPS_PER_DIAM} from "../ledger/options.js";
import {DiamanteError} from "../util/errors.js";
import {nameStartupThreads} from "../util/thread-names.js";
import {networkCommand, NETWORK_USAGE} from "./network-command.js";
import {NetworkUsageError} from "./network.js";

/** Exit code of a node that stopped because a ledger could not be committed (restart it). */
const EXIT_FATAL = 3;

const USAGE = `diamante <command> [flags]

Commands:
  start      start a node (creates the network first when --data is empty)
  init       create a network in --data and exit
  keys       print a new random keypair
  root-key   print the root account key of a network (public on test networks)
  network    up | status | down: a network of validators on loopback (see below)
  db stats   file size, live and free pages, bytes per record of each table of --data
             (works on a stopped node's folder)
  catchup    build or advance --data from a history archive (\`diamante catchup --help\`)
  wallet CMD encrypted keystores and a Horizon client: pay, trust, offer, watch
             (\`diamante wallet help\`)
  quorum check FILE  quorum intersection, blocking sets, top tier of a network
             (\`diamante quorum --help\`)
  demo       seed a running test network with anchors, a market maker and users for the
             browser apps (\`diamante demo --help\`; \`npm run demo\`)
  help       this text

Flags (start, init):
  --data DIR             data folder (default ./data)
  --passphrase TEXT      network passphrase (default "${DEFAULT_PASSPHRASE}")
  --total-coins DIAM     genesis supply held by root (default 100000000000)
  --base-reserve STROOPS base reserve (default 5000000 = 0.5 DIAM)
  --base-fee STROOPS     minimum fee per operation (default 100)
  --max-tx-set-size N    operations per ledger (default 20000)
Flags (start):
  --config FILE          a node config file (JSON, see README "Node config file"): network
                         node with its quorum set, peers and ports; other flags override it
  --port N               API port (default 8000; 0 = any free port)
  --host ADDR            API address (default 0.0.0.0)
  --close-interval MS    time between ledger closes (default 1000)
  --verify-threads N     signature worker threads (default cores - 1; 0 = main thread)
  --path-threads N       path finding worker threads (default 1-2; 0 = main thread)
  --paths-port N         also answer /paths/* on this port from a thread of its own, which a
                         ledger close never holds up (default: none; 0 = any free port)
  --verify-nice N        nice value of the signature worker threads, -20..19 (default 5: path
                         queries and the main thread take a busy core first)
  --paths-nice N         nice value of the path-finding threads, -20..19 (default 0; below 0
                         needs CAP_SYS_NICE, else the threads keep the process's)
  --uv-pool-nice N       nice value of libuv's pool threads, where LMDB write transactions
                         run, -20..19 (default 0)
  --no-friendbot         do not serve /friendbot
  --check-invariants     check coin conservation after every ledger
  --close-slice-ms N     longest slice of a ledger's apply before HTTP, admission and consensus
                         get a turn (default 0 = the whole apply in one turn)
  --closing-queue-ledgers N
                         while a ledger closes, queue txs only up to N ledgers' worth of
                         operations, else TRY_AGAIN_LATER (default 2; the queue holds 4)
  --log-level LEVEL      pino level (default info)
  --history-retention N  ledgers of transaction history to keep; older transactions and
                         operations are pruned in the background (default 0 = keep all)
  --entry-cache N        decoded ledger entries kept in memory (default 50000, ~25 MB;
                         0 = none)
${NETWORK_USAGE}`;

class UsageError extends Error {}

function intFlag(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** A nice value: a whole number in -20..19. */
function niceFlag(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number, got "${v}"`);
  const n = Number(v);
  if (n < -20 || n > 19) throw new UsageError(`--${name} must be between -20 and 19, got ${n}`);
  return n;
}

function coinsFlag(v: string | undefined): bigint | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,11}$/.test(v) || BigInt(v) === 0n) throw new UsageError(`--total-coins must be 1 to 99999999999 DIAM, got "${v}"`);
  return BigInt(v) * STROOPS_PER_DIAM;
}

const FLAGS = {
  data: {type: "string"},
  passphrase: {type: "string"},
  "total-coins": {type: "string"},
  "base-reserve": {type: "string"},
  "base-fee": {type: "string"},
  "max-tx-set-size": {type: "string"},
  port: {type: "string"},
  host: {type: "string"},
  "close-interval": {type: "string"},
  "verify-threads": {type: "string"},
  "path-threads": {type: "string"},
  "paths-port": {type: "string"},
  "verify-nice": {type: "string"},
  "paths-nice": {type: "string"},
  "uv-pool-nice": {type: "string"},
  "no-friendbot": {type: "boolean"},
  "check-invariants": {type: "boolean"},
  "close-slice-ms": {type: "string"},
  "closing-queue-ledgers": {type: "string"},
  "log-level": {type: "string"},
  "history-retention": {type: "string"},
  "entry-cache": {type: "string"},
  config: {type: "string"},
  nodes: {type: "string"},
  "base-port": {type: "string"},
  topology: {type: "string"},
  watchers: {type: "string"},
  json: {type: "boolean"},
  help: {type: "boolean", short: "h"},
} as const;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE);
    return 0;
  }
  // Each command loads only its own modules: a wallet or quorum command does not pay for loading
  // the node (LMDB, uWS, worker pools) it never starts.
  if (command === "quorum") return (await import("./quorum-check.js")).runQuorumCommand(rest);
  if (command === "catchup") return (await import("./catchup.js")).runCatchupCommand(rest);
  if (command === "wallet") return (await import("../wallet/cli.js")).runWalletCommand(rest);
  if (command === "demo") return (await import("../demo/cli.js")).runDemoCommand(rest);
  let values;
  let positionals: string[];
  try {
    ({values, positionals} = parseArgs({args: rest, options: FLAGS, strict: true, allowPositionals: command === "db" || command === "network"}));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const genesis = {
    passphrase: values.passphrase,
    totalCoins: coinsFlag(values["total-coins"]),
    baseReserve: intFlag(values["base-reserve"], "base-reserve", 1, 2 ** 31 - 1),
    baseFee: intFlag(values["base-fee"], "base-fee", 1, 2 ** 31 - 1),
    maxTxSetSize: intFlag(values["max-tx-set-size"], "max-tx-set-size", 1, 1_000_000),
  };
  const dataDir = values.data ?? defaultNodeOptions.dataDir;
  switch (command) {
    case "init": {
      const {initNetwork} = await import("../node/node.js");
      const meta = initNetwork(dataDir, stripUndefined(genesis));
      process.stdout.write(`network "${meta.passphrase}" in ${dataDir}\nroot account ${rootKeypair(meta.passphrase).publicKey()}\n`);
      return 0;
    }
    case "start": {
      // Before any worker starts: per-thread CPU figures (native-bench) tell the threads apart.
      nameStartupThreads();
      const [{Node}, {loadNodeConfig}, {TcpOverlay}] = await Promise.all([import("../node/node.js"), import("../node/config.js"), import("../overlay/tcp-overlay.js")]);
      const file = values.config !== undefined ? loadNodeConfig(values.config) : undefined;
      const node = new Node(
        {
          ...file,
          dataDir: values.data ?? file?.dataDir ?? dataDir,
          port: intFlag(values.port, "port", 0, 65535) ?? file?.port ?? defaultNodeOptions.port,
          host: values.host ?? file?.host ?? defaultNodeOptions.host,
          closeIntervalMs: intFlag(values["close-interval"], "close-interval", 10, 3_600_000) ?? file?.closeIntervalMs ?? defaultNodeOptions.closeIntervalMs,
          verifyThreads: intFlag(values["verify-threads"], "verify-threads", 0, 64) ?? file?.verifyThreads ?? defaultNodeOptions.verifyThreads,
          pathThreads: intFlag(values["path-threads"], "path-threads", 0, 64) ?? file?.pathThreads ?? defaultNodeOptions.pathThreads,
          pathsPort: intFlag(values["paths-port"], "paths-port", 0, 65535),
          verifyNice: niceFlag(values["verify-nice"], "verify-nice") ?? file?.verifyNice ?? defaultNodeOptions.verifyNice,
          pathsNice: niceFlag(values["paths-nice"], "paths-nice") ?? file?.pathsNice ?? defaultNodeOptions.pathsNice,
          uvPoolNice: niceFlag(values["uv-pool-nice"], "uv-pool-nice") ?? file?.uvPoolNice ?? defaultNodeOptions.uvPoolNice,
          friendbot: values["no-friendbot"] ? false : (file?.friendbot ?? true),
          checkInvariants: values["check-invariants"] ?? false,
          closeSliceMs: intFlag(values["close-slice-ms"], "close-slice-ms", 0, 1000) ?? file?.closeSliceMs ?? defaultNodeOptions.closeSliceMs,
          closingQueueLedgers: intFlag(values["closing-queue-ledgers"], "closing-queue-ledgers", 1, defaultHerderOptions.queueLedgers) ?? defaultNodeOptions.closingQueueLedgers,
          logLevel: values["log-level"] ?? file?.logLevel ?? defaultNodeOptions.logLevel,
          historyRetention: intFlag(values["history-retention"], "history-retention", 0, 2 ** 32 - 1) ?? file?.historyRetention ?? defaultNodeOptions.historyRetention,
          entryCacheEntries: intFlag(values["entry-cache"], "entry-cache", 0, 100_000_000) ?? file?.entryCacheEntries ?? defaultNodeOptions.entryCacheEntries,
          genesis: {...defaultNodeOptions.genesis, ...file?.genesis, ...stripUndefined(genesis)},
        },
        {
          overlay: (nodeKey, n) =>
            new TcpOverlay(
              {networkId: n.config.networkId, host: n.opts.network!.peerHost, port: n.opts.network!.peerPort, peers: n.opts.network!.peers},
              {nodeKey, log: n.log, metrics: n.metrics},
            ),
        },
      );
      await node.start();
      // Fail stop: exit non-zero so a supervisor restarts the node from its last durable ledger.
      node.onFatal((err) => {
        node.log.fatal({err}, "exiting: ledger closing stopped after a failed commit");
        process.exit(EXIT_FATAL);
      });
      const stop = (signal: string) => {
        node.log.info({signal}, "stopping");
        node.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
      return -1;
    }
    case "network":
      return networkCommand(positionals, {
        data: values.data,
        nodes: values.nodes,
        basePort: values["base-port"],
        topology: values.topology,
        watchers: values.watchers,
        json: values.json ?? false,
        closeInterval: values["close-interval"],
        passphrase: values.passphrase,
      });
    case "db": {
      if (positionals.length !== 1 || positionals[0] !== "stats") throw new UsageError(`unknown db command "${positionals.join(" ")}"; try \`diamante db stats --data DIR\``);
      const {dbStats, formatDbStats} = await import("../store/stats.js");
      process.stdout.write(formatDbStats(await dbStats(dataDir)));
      return 0;
    }
    case "keys": {
      const kp = Keypair.random();
      process.stdout.write(`public ${kp.publicKey()}\nsecret ${kp.secret()}\n`);
      return 0;
    }
    case "root-key": {
      const kp = rootKeypair(values.passphrase ?? DEFAULT_PASSPHRASE);
      process.stdout.write(`public ${kp.publicKey()}\nsecret ${kp.secret()}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"; see \`diamante help\``);
  }
}

function stripUndefined<T extends object>(o: T): Partial<{[K in keyof T]: Exclude<T[K], undefined>}> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<{[K in keyof T]: Exclude<T[K], undefined>}>;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError || e instanceof NetworkUsageError) {
      process.stderr.write(`diamante: ${e.message}\n`);
      process.exitCode = 2;
    } else if (e instanceof DiamanteError) {
      process.stderr.write(`diamante: ${e.message} (${e.code})\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`diamante: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    }
  },
);

/**
 * End-to-end benchmark against the real node in another process: fund K accounts from root,
 * pre-sign N payments, fire them at POST /transactions_async with autocannon while polling the
 * newest ledger, then read back which ledger held each transaction and report submit→ledger
 * latency, accepted TPS and committed TPS.
 *
 *   node dist/native-bench/e2e.js [--accounts K] [--payments N] [--connections C]
 *     [--close-interval MS] [--commit-wait MS] [--cpu-prof] [--mixed] [--warmup N] [--node-arg=--flag ...]
 *     [--node-main PATH]   (another build's dist/src/cli/main.js, e.g. the A side of an A/B)
 *
 * With --mixed the N transactions are issue 6's mixed load (mixed.ts) instead of payments only.
 */
import {createHash} from "node:crypto";
import {existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {performance} from "node:perf_hooks";
import {parseArgs} from "node:util";
import autocannon from "autocannon";
import * as hdr from "hdr-histogram-js";
import sodium from "sodium-native";
import {Account, Asset, Keypair, Operation, TimeoutInfinite, TransactionBuilder, xdr} from "@stellar/stellar-base";
import {threadCpu, threadCpuDelta} from "./threads.js";
import {profileClockUs, readCpuProfile, topSelfTime, type ProfileWindow} from "./cpu-profile.js";
import {BenchError, BenchErrorCode} from "./errors.js";
import {field, getJson, getRecord, pageRecords, postForm, sleep} from "./horizon-http.js";
import {isEntryPoint} from "./measure.js";
import {logTail, NODE_MAIN, rssBytes, startNode, stopNode} from "./node-process.js";
import {defaultE2eOptions, MAX_OPS_PER_TX, type E2eOptions} from "./options.js";
import {appendResults, formatNumber, markdownTable, textTable} from "./report.js";
import {planMixed, preSignMixed, setupMarket, type MixedKind} from "./mixed.js";

/** Concurrent GETs when reading account sequences after funding. */
const ACCOUNT_FETCH_CONCURRENCY = 16;
/** Horizon's largest page. */
const PAGE_LIMIT = 200;
/** Functions listed from the CPU profile. */
const PROFILE_TOP = 15;
/** Error bodies kept per HTTP status as examples when submissions are refused. */
const ERROR_SAMPLES_PER_STATUS = 2;

export interface E2eResult {
  skipped?: string;
  text: string;
  markdown: string;
  /** The headline figures of this run, for medians over several runs. */
  figures?: E2eFigures;
}

/**
 * What the load runs against: one node process (the default) or a set of them (a network of
 * validators, validators.ts), whose CPU and memory are summed. `window` brackets the load: from
 * the first send until everything accepted is committed.
 */
export interface BenchTarget {
  baseUrl: string;
  /** Root JSON (`GET /`) of the node the load is sent to. */
  root: Record<string, unknown>;
  pids: Array<number | undefined>;
  stop(): Promise<string>;
  window?: {begin(): Promise<void>; end(committed: number): Promise<{text: string; markdown: string}>};
}

const sumOf = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

export interface E2eFigures {
  acceptedTps: number;
  /** Committed txs over the span from the ledger before the first with bench txs to the last one: a whole number of ledgers. */
  committedTps: number;
  /**
   * Committed txs per second over the full ledgers only: those after the first and before the
   * last with bench txs, in which the load ran from close to close (NaN with fewer than three).
   * The span above counts the partial first and last ledgers as whole ones, so it moves in steps
   * of one close interval: a run over 7 or 8 one-second ledgers reads 1/7 or 1/8 apart.
   */
  fullLedgerTps: number;
  p50Ms: number;
  p99Ms: number;
  /** NaN where /proc is not readable */
  nodeCpuUsPerTx: number;
  /** Node RSS once the load is committed, bytes; NaN where /proc is not readable. */
  nodeRssBytes: number;
  /** POST /transactions_async latency p99 (autocannon, per request), ms. */
  submitHttpP99Ms: number;
  /** The node's main-thread event-loop delay p99 from the first send until all is committed, ms; NaN if unreadable. */
  loopP99Ms: number;
}

/** The node's main-thread event-loop delay over a span: p99 and max, ms. */
export interface LoopDelay {
  p99Ms: number;
  maxMs: number;
}

/**
 * The node's main-thread event-loop delay p99 and max (ms) since the previous scrape of /metrics
 * (prom-client resets its monitor on every scrape): how long a request or a worker's answer can
 * wait before the main thread even sees it. NaN where the node does not export them. A side load
 * that scrapes /metrics when the sending ends reads this first and hands it back from its `stop`.
 */
export async function loopDelay(baseUrl: string): Promise<LoopDelay> {
  try {
    const text = await (await fetch(baseUrl + "/metrics")).text();
    const num = (name: string): number => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, "m").exec(text)?.[1] ?? Number.NaN) * 1000;
    return {p99Ms: num("diamante_process_nodejs_eventloop_lag_p99_seconds"), maxMs: num("diamante_process_nodejs_eventloop_lag_max_seconds")};
  } catch {
    return {p99Ms: Number.NaN, maxMs: Number.NaN};
  }
}

export interface LedgerSeen {
  /** performance.now() when this sequence was first seen by the poller. */
  seenAt: number;
  /** True when the poller never saw this ledger as the newest (it jumped past it). */
  inferred: boolean;
  closedAt: string;
  txCount: number;
}

export interface BenchAccount {
  keypair: Keypair;
  /** libsodium 64-byte secret key, for fast signing of the pre-signed payments. */
  secretKey: Buffer;
  sequence: string;
}

export function parseE2eFlags(argv: string[]): E2eOptions {
  const {values} = parseArgs({
    args: argv,
    options: {
      accounts: {type: "string"},
      payments: {type: "string"},
      warmup: {type: "string"},
      connections: {type: "string"},
      "close-interval": {type: "string"},
      "commit-wait": {type: "string"},
      "send-timeout": {type: "string"},
      fee: {type: "string"},
      "cpu-prof": {type: "boolean"},
      "cpu-prof-dir": {type: "string"},
      mixed: {type: "boolean"},
      "node-arg": {type: "string", multiple: true},
      "node-main": {type: "string"},
    },
    allowPositionals: false,
    strict: true,
  });
  const int = (v: string | undefined, name: string, fallback: number, min: number): number => {
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min) {
      throw new BenchError(BenchErrorCode.BadFlag, `--${name} must be a whole number ≥ ${min}, got "${v}"`);
    }
    return Number(v);
  };
  const d = defaultE2eOptions;
  return {
    ...d,
    accounts: int(values.accounts, "accounts", d.accounts, 2),
    payments: int(values.payments, "payments", d.payments, 1),
    ...(values.warmup !== undefined ? {warmupPayments: int(values.warmup, "warmup", 0, 0)} : {}),
    connections: int(values.connections, "connections", d.connections, 1),
    closeIntervalMs: int(values["close-interval"], "close-interval", d.closeIntervalMs, 10),
    commitWaitMs: int(values["commit-wait"], "commit-wait", d.commitWaitMs, 0),
    sendTimeoutMs: int(values["send-timeout"], "send-timeout", d.sendTimeoutMs, 1_000),
    fee: int(values.fee, "fee", d.fee, 1),
    cpuProf: (values["cpu-prof"] ?? false) || values["cpu-prof-dir"] !== undefined,
    cpuProfDir: values["cpu-prof-dir"],
    load: values.mixed === true ? "mixed" : "payments",
    nodeArgs: values["node-arg"] ?? [],
    ...(values["node-main"] !== undefined ? {nodeMain: values["node-main"]} : {}),
  };
}

/** utime + stime of a process from /proc (Linux), in seconds; NaN where unavailable. */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Steal, idle (with iowait) and total jiffies of all CPUs from /proc/stat (Linux); undefined elsewhere. */
export function hostCpuTicks(): {steal: number; idle: number; total: number} | undefined {
  try {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal …
    return {steal: cpu[7] ?? 0, idle: (cpu[3] ?? 0) + (cpu[4] ?? 0), total: cpu.slice(0, 8).reduce((a, b) => a + b, 0)};
  } catch {
    return undefined;
  }
}

/** USER_HZ on Linux is 100 on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

function seed(label: string): Buffer {
  return createHash("sha256").update(label).digest();
}

export function benchAccount(i: number): BenchAccount {
  const s = seed(`diamante bench account ${i}`);
  const pk = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
  const sk = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES);
  sodium.crypto_sign_seed_keypair(pk, sk, s);
  return {keypair: Keypair.fromRawEd25519Seed(s), secretKey: sk, sequence: "0"};
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function forEachLimited<T>(items: T[], limit: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  };
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, lane));
}

async function newestLedger(baseUrl: string): Promise<Record<string, unknown>> {
  const page = await getRecord(baseUrl, "/ledgers?order=desc&limit=1");
  const records = pageRecords(page, "GET /ledgers?order=desc&limit=1");
  if (records.length === 0) throw new BenchError(BenchErrorCode.NodeBadResponse, "no ledgers listed");
  return records[0];
}

export async function accountSequence(baseUrl: string, id: string): Promise<string | undefined> {
  const {status, body} = await getJson(baseUrl, `/accounts/${id}`);
  if (status === 404) return undefined;
  if (status !== 200 || body === null || typeof body !== "object") {
    throw new BenchError(BenchErrorCode.NodeBadResponse, `GET /accounts/${id} answered ${status}`, {
      body: JSON.stringify(body).slice(0, 500),
    });
  }
  return field(body as Record<string, unknown>, "sequence", `account ${id}`);
}

/** Creates the bench accounts from root, 100 create_account ops per tx, and reads their sequences. */
export async function fundAccounts(
  baseUrl: string,
  passphrase: string,
  accounts: BenchAccount[],
  opts: E2eOptions,
): Promise<void> {
  const root = Keypair.master(passphrase);
  const rootSeq = await accountSequence(baseUrl, root.publicKey());
  if (rootSeq === undefined) {
    throw new BenchError(BenchErrorCode.NodeBadResponse, "root account (Keypair.master(passphrase)) not found");
  }
  const rootAccount = new Account(root.publicKey(), rootSeq);
  for (let start = 0; start < accounts.length; start += MAX_OPS_PER_TX) {
    const builder = new TransactionBuilder(rootAccount, {
      fee: String(opts.fee),
      networkPassphrase: passphrase,
    }).setTimeout(TimeoutInfinite);
    for (const a of accounts.slice(start, start + MAX_OPS_PER_TX)) {
      builder.addOperation(
        Operation.createAccount({destination: a.keypair.publicKey(), startingBalance: opts.startingBalance}),
      );
    }
    const tx = builder.build();
    tx.sign(root);
    const {status, body} = await postForm(baseUrl, "/transactions_async", {tx: tx.toXDR()});
    if (status !== 201) {
      throw new BenchError(BenchErrorCode.NodeBadResponse, `funding tx refused: ${status}`, {
        body: JSON.stringify(body).slice(0, 800),
      });
    }
  }
  const lastSeq = rootAccount.sequenceNumber();
  const deadline = Date.now() + opts.commitWaitMs;
  while ((await accountSequence(baseUrl, root.publicKey())) !== lastSeq) {
    if (Date.now() > deadline) {
      throw new BenchError(BenchErrorCode.WaitTimedOut, `funding txs not committed within ${opts.commitWaitMs} ms`);
    }
    await sleep(100);
  }
  const missing: string[] = [];
  await forEachLimited(accounts, ACCOUNT_FETCH_CONCURRENCY, async (a) => {
    const seq = await accountSequence(baseUrl, a.keypair.publicKey());
    if (seq === undefined) missing.push(a.keypair.publicKey());
    else a.sequence = seq;
  });
  if (missing.length > 0) {
    throw new BenchError(BenchErrorCode.NodeBadResponse, `${missing.length} funded accounts do not exist`, {
      first: missing[0],
    });
  }
}

export interface PreSigned {
  bodies: string[];
  hashes: string[];
}

/**
 * Pre-signs the payments round-robin over the accounts, each paying 1 stroop to the next one.
 * Request i uses account i mod K, so one account's txs sit K requests apart in consecutive
 * sequence order. Signed with libsodium directly: stellar-base's pure-JS signing would take
 * longer than the run itself at 30k txs.
 */
function preSignPayments(passphrase: string, accounts: BenchAccount[], count: number, fee: number): PreSigned {
  const sources = accounts.map((a) => new Account(a.keypair.publicKey(), a.sequence));
  const bodies: string[] = [];
  const hashes: string[] = [];
  const signature = Buffer.alloc(sodium.crypto_sign_BYTES);
  for (let i = 0; i < count; i++) {
    const a = i % accounts.length;
    const tx = new TransactionBuilder(sources[a], {fee: String(fee), networkPassphrase: passphrase})
      .addOperation(
        Operation.payment({
          destination: accounts[(a + 1) % accounts.length].keypair.publicKey(),
          asset: Asset.native(),
          amount: "0.0000001",
        }),
      )
      .setTimeout(TimeoutInfinite)
      .build();
    const txHash = tx.hash();
    sodium.crypto_sign_detached(signature, txHash, accounts[a].secretKey);
    tx.addDecoratedSignature(
      new xdr.DecoratedSignature({hint: accounts[a].keypair.signatureHint(), signature: Buffer.from(signature)}),
    );
    bodies.push(`tx=${encodeURIComponent(tx.toXDR())}`);
    hashes.push(txHash.toString("hex"));
  }
  return {bodies, hashes};
}

/** Polls the newest ledger every `pollMs`, recording when each sequence is first seen. */
class LedgerPoller {
  readonly seen = new Map<number, LedgerSeen>();
  newest = 0;
  errors = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly baseUrl: string,
    private readonly pollMs: number,
  ) {}

  async pollOnce(): Promise<void> {
    try {
      const rec = await newestLedger(this.baseUrl);
      const now = performance.now();
      const seq = Number(field(rec, "sequence", "newest ledger"));
      if (seq <= this.newest) return;
      // Ledgers closed between two polls are credited to this poll: an upper bound on their time.
      for (let s = this.newest === 0 ? seq : this.newest + 1; s < seq; s++) {
        this.seen.set(s, {seenAt: now, inferred: true, closedAt: "", txCount: -1});
      }
      const ok = Number(rec.successful_transaction_count ?? 0);
      const failed = Number(rec.failed_transaction_count ?? 0);
      this.seen.set(seq, {seenAt: now, inferred: false, closedAt: String(rec.closed_at ?? ""), txCount: ok + failed});
      this.newest = seq;
    } catch {
      this.errors++;
    }
  }

  start(): void {
    const tick = async (): Promise<void> => {
      if (this.stopped) return;
      const started = performance.now();
      await this.pollOnce();
      if (!this.stopped) this.timer = setTimeout(tick, Math.max(0, this.pollMs - (performance.now() - started)));
    };
    void tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}

export interface SendOutcome {
  accepted: Set<string>;
  statusCounts: Map<number, number>;
  /** Up to ERROR_SAMPLES_PER_STATUS bodies per non-201 status. */
  errorSamples: Map<number, string[]>;
  firstSendAt: number;
  lastReplyAt: number;
  httpLatencyP50: number;
  httpLatencyP99: number;
  connectionErrors: number;
  timeouts: number;
  stoppedEarly: boolean;
}

export async function sendAll(baseUrl: string, signed: PreSigned, submitAt: Float64Array, opts: E2eOptions): Promise<SendOutcome> {
  const total = signed.bodies.length;
  const outcome: SendOutcome = {
    accepted: new Set(),
    statusCounts: new Map(),
    errorSamples: new Map(),
    firstSendAt: Number.NaN,
    lastReplyAt: Number.NaN,
    httpLatencyP50: Number.NaN,
    httpLatencyP99: Number.NaN,
    connectionErrors: 0,
    timeouts: 0,
    stoppedEarly: false,
  };
  let next = 0;
  const connections = Math.min(opts.connections, total);
  const sample = (status: number, body: string): void => {
    const list = outcome.errorSamples.get(status) ?? [];
    if (list.length < ERROR_SAMPLES_PER_STATUS) list.push(body.slice(0, 400));
    outcome.errorSamples.set(status, list);
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${baseUrl}/transactions_async`,
        connections,
        pipelining: 1,
        amount: total,
        timeout: 30,
        requests: [
          {
            method: "POST",
            headers: {"content-type": "application/x-www-form-urlencoded"},
            setupRequest: (req) => {
              const i = next++;
              // autocannon builds each request just before writing it; `amount` makes this the last
              // body a connection asks for, but stay safe: past the end, ask for the root instead.
              if (i >= total) return {...req, method: "GET", path: "/", body: undefined};
              const now = performance.now();
              if (i === 0) outcome.firstSendAt = now;
              submitAt[i] = now;
              return {...req, body: signed.bodies[i]};
            },
            onResponse: (status, body) => {
              outcome.lastReplyAt = performance.now();
              outcome.statusCounts.set(status, (outcome.statusCounts.get(status) ?? 0) + 1);
              if (status === 201) {
                try {
                  const hash = (JSON.parse(body) as {hash?: unknown}).hash;
                  if (typeof hash === "string") outcome.accepted.add(hash);
                  else sample(status, body);
                } catch {
                  sample(status, body);
                }
              } else {
                sample(status, body);
              }
            },
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    const guard = setTimeout(() => {
      outcome.stoppedEarly = true;
      instance.stop();
    }, opts.sendTimeoutMs);
    instance.once("done", () => clearTimeout(guard));
  });
  outcome.httpLatencyP50 = result.latency.p50;
  outcome.httpLatencyP99 = result.latency.p99;
  outcome.connectionErrors = result.errors;
  outcome.timeouts = result.timeouts;
  return outcome;
}

/** Every tx of ledger `seq` (failed ones too), following the cursor across pages. */
async function ledgerTransactions(baseUrl: string, seq: number): Promise<{hash: string; successful: boolean}[]> {
  const out: {hash: string; successful: boolean}[] = [];
  let cursor = "";
  for (;;) {
    const q = `/ledgers/${seq}/transactions?order=asc&limit=${PAGE_LIMIT}&include_failed=true${cursor ? `&cursor=${cursor}` : ""}`;
    const records = pageRecords(await getRecord(baseUrl, q), `GET ${q}`);
    for (const r of records) out.push({hash: field(r, "hash", q), successful: r.successful !== false});
    if (records.length < PAGE_LIMIT) return out;
    cursor = encodeURIComponent(field(records[records.length - 1], "paging_token", q));
  }
}

function statusSummary(counts: Map<number, number>): string {
  return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(", ") || "none";
}

/** V8 pseudo-frames and pool waits that are time not spent working; shown as one idle share. */
const IDLE_FRAMES = /^\((idle)\)$|^atomicsWaitLoop /;

/** Thread of a profile from its name, CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: 0 is main. */
function threadLabel(file: string): string {
  const thread = file.split(".")[4];
  return thread === "0" ? "main thread" : `worker thread ${thread ?? "?"}`;
}

/** The pid in a `--cpu-prof` file's name (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile). */
function profilePid(file: string): number {
  return Number(file.split(".")[3]);
}

/** The profiles of the processes `pids` in `dir` (a kept directory holds earlier runs' too). */
function profileSummary(dir: string, window: ProfileWindow, pids: readonly (number | undefined)[]): {text: string; markdown: string} {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".cpuprofile") && pids.includes(profilePid(f))).sort() : [];
  if (files.length === 0) {
    const msg = `no .cpuprofile of this run's node (pid ${pids.join(", ")}) was written in ${dir} (the node must exit normally on SIGTERM for V8 to write it)`;
    return {text: msg, markdown: msg};
  }
  const header = ["#", "self", "share", "function"];
  const text: string[] = [];
  const markdown: string[] = [];
  for (const f of files) {
    const all = topSelfTime(readCpuProfile(path.join(dir, f)), Number.MAX_SAFE_INTEGER, window);
    const idle = all.filter((t) => IDLE_FRAMES.test(t.frame)).reduce((sum, t) => sum + t.share, 0);
    const rows = all
      .filter((t) => !IDLE_FRAMES.test(t.frame))
      .slice(0, PROFILE_TOP)
      .map((t, i) => [String(i + 1), `${t.selfMs.toFixed(0)} ms`, `${(t.share * 100).toFixed(1)}%`, t.frame]);
    const title = `Where the time goes, node ${threadLabel(f)}, from the first send until committed (top ${PROFILE_TOP} by self time; idle ${(idle * 100).toFixed(0)}%)`;
    text.push(`${title}:\n${textTable(header, rows)}`);
    markdown.push(`${title}:\n\n${markdownTable(header, rows)}`);
  }
  return {text: text.join("\n\n"), markdown: markdown.join("\n\n")};
}

/** `error_result_xdr` of a refusal, decoded to its result code name (e.g. txBadSeq). */
function refusalCode(body: string): string {
  try {
    const b64 = (JSON.parse(body) as {error_result_xdr?: unknown}).error_result_xdr;
    if (typeof b64 !== "string") return "";
    return ` [${xdr.TransactionResult.fromXDR(b64, "base64").result().switch().name}]`;
  } catch {
    return "";
  }
}

/** Txs in the ledgers the poller saw after `ledger`. */
function committedAfter(poller: LedgerPoller, ledger: number): number {
  let n = 0;
  for (const [seq, l] of poller.seen) if (seq > ledger && l.txCount > 0) n += l.txCount;
  return n;
}

export async function runE2eBench(opts: E2eOptions = defaultE2eOptions): Promise<E2eResult> {
  const warmupCount = opts.warmupPayments ?? 0;
  if (opts.load === "mixed" && warmupCount > 0) throw new BenchError(BenchErrorCode.BadFlag, "--warmup goes with the payments load only, not --mixed");
  const nodeMain = opts.nodeMain ?? NODE_MAIN;
  if (!existsSync(nodeMain)) {
    const msg = `e2e skipped: ${nodeMain} does not exist yet (build the node with \`npx tsc -p .\`).`;
    return {skipped: msg, text: msg, markdown: `### End-to-end\n\n${msg}\n`};
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), "diamante-bench-e2e-"));
  const dataDir = opts.dataDir ?? path.join(tmp, "data");
  const logPath = path.join(tmp, "node.log");
  // Profiles go to the temp dir (removed after the run) unless --cpu-prof-dir keeps them.
  const profDir = opts.cpuProfDir ?? path.join(tmp, "cpu-prof");
  if (opts.cpuProf) mkdirSync(profDir, {recursive: true});
  const phases: string[] = [];
  let node: BenchTarget | undefined;
  let poller: LedgerPoller | undefined;
  try {
    let t = performance.now();
    if (opts.target !== undefined) {
      node = await opts.target(tmp);
    } else {
      const one = await startNode({
        dataDir,
        logPath,
        closeIntervalMs: opts.closeIntervalMs,
        startTimeoutMs: opts.startTimeoutMs,
        cpuProfDir: opts.cpuProf ? profDir : undefined,
        extraArgs: opts.nodeArgs,
        nodeMain,
      });
      node = {baseUrl: one.baseUrl, root: one.root, pids: [one.child.pid], stop: () => stopNode(one.child)};
    }
    const passphrase = field(node.root, "network_passphrase", "GET /");
    phases.push(`start ${(performance.now() - t).toFixed(0)} ms`);

    t = performance.now();
    const accounts = Array.from({length: opts.accounts}, (_, i) => benchAccount((opts.accountOffset ?? 0) + i));
    await fundAccounts(node.baseUrl, passphrase, accounts, opts);
    phases.push(`fund ${opts.accounts} accounts ${(performance.now() - t).toFixed(0)} ms`);

    const plan = opts.load === "mixed" ? planMixed(opts.payments, opts.accounts) : undefined;
    let signed: PreSigned;
    let warmup: PreSigned | undefined;
    if (plan !== undefined) {
      t = performance.now();
      const market = await setupMarket(node.baseUrl, passphrase, accounts, plan, opts);
      phases.push(`market set up through ledgers ${(performance.now() - t).toFixed(0)} ms`);
      t = performance.now();
      signed = preSignMixed(market, accounts, plan, opts);
      phases.push(`pre-sign ${opts.payments} mixed txs ${(performance.now() - t).toFixed(0)} ms`);
    } else {
      t = performance.now();
      // Warm-up and measured payments in one pass: each account's sequence numbers run on from the one to the other.
      const all = preSignPayments(passphrase, accounts, warmupCount + opts.payments, opts.fee);
      if (warmupCount > 0) warmup = {bodies: all.bodies.slice(0, warmupCount), hashes: all.hashes.slice(0, warmupCount)};
      signed = {bodies: all.bodies.slice(warmupCount), hashes: all.hashes.slice(warmupCount)};
      phases.push(`pre-sign ${warmupCount > 0 ? `${warmupCount} + ` : ""}${opts.payments} payments ${(performance.now() - t).toFixed(0)} ms`);
    }
    const indexByHash = new Map(signed.hashes.map((h, i) => [h, i]));
    /** Committed txs of each kind of the mixed load, successful / failed. */
    const byKind = new Map<MixedKind, {ok: number; failed: number}>();

    poller = new LedgerPoller(node.baseUrl, opts.pollMs);
    await poller.pollOnce();
    let startLedger = poller.newest;
    poller.start();

    const side = opts.sideLoad ? await opts.sideLoad(node.baseUrl, node.pids[0], poller) : undefined;
    if (warmup !== undefined) {
      t = performance.now();
      const warm = await sendAll(node.baseUrl, warmup, new Float64Array(warmupCount).fill(Number.NaN), opts);
      // A refused warm-up payment would leave its account's measured ones out of sequence.
      if (warm.accepted.size !== warmupCount) {
        throw new BenchError(BenchErrorCode.NodeBadResponse, `the warm-up was not all accepted: ${warm.accepted.size} of ${warmupCount} (${statusSummary(warm.statusCounts)})`);
      }
      const warmStart = performance.now();
      while (committedAfter(poller, startLedger) < warmupCount && performance.now() - warmStart < opts.commitWaitMs) await sleep(opts.pollMs * 5);
      if (committedAfter(poller, startLedger) < warmupCount) {
        throw new BenchError(BenchErrorCode.WaitTimedOut, `the warm-up was not committed within ${opts.commitWaitMs} ms`);
      }
      // The measured ledgers start after the newest one seen: none of them holds a warm-up payment.
      startLedger = poller.newest;
      await side?.warmedUp?.();
      phases.push(`warm-up ${warmupCount} payments sent and committed ${(performance.now() - t).toFixed(0)} ms`);
    }
    const submitAt = new Float64Array(opts.payments).fill(Number.NaN);
    await node.window?.begin();
    // Resets the node's event-loop delay monitor: the figure read after the drain covers the load.
    await loopDelay(node.baseUrl);
    const nodeCpuBefore = sumOf(node.pids.map(processCpuSeconds));
    const threadsBefore = node.pids.length === 1 ? threadCpu(node.pids[0]) : undefined;
    const profileFrom = profileClockUs();
    const stealBefore = hostCpuTicks();
    const benchCpuBefore = process.cpuUsage();
    const sent = await sendAll(node.baseUrl, signed, submitAt, opts);
    const sideStopped = await side?.stop();
    const sendSeconds = (sent.lastReplyAt - sent.firstSendAt) / 1000;

    // Drain: wait until the ledgers after the start hold as many txs as were accepted.
    const drainStart = performance.now();
    const committedSoFar = (): number => committedAfter(poller!, startLedger);
    while (committedSoFar() < sent.accepted.size && performance.now() - drainStart < opts.commitWaitMs) {
      await sleep(opts.pollMs * 5);
    }
    const drainTimedOut = committedSoFar() < sent.accepted.size;
    // CPU spent from the first send until everything committed: the node's own cost per tx, apart
    // from the load generator's, which shares the same cores.
    const nodeCpu = sumOf(node.pids.map(processCpuSeconds)) - nodeCpuBefore;
    const threadSplit = threadsBefore !== undefined ? threadCpuDelta(threadsBefore, threadCpu(node.pids[0])) : [];
    // A side load that scraped /metrics meanwhile (and so reset the monitor) read it first.
    const loop = sideStopped?.loop ?? (await loopDelay(node.baseUrl));
    const windowReport = await node.window?.end(committedSoFar());
    const profileWindow: ProfileWindow = {fromUs: profileFrom, toUs: profileClockUs()};
    const nodeRss = sumOf(node.pids.map(rssBytes));
    const benchCpuUs = process.cpuUsage(benchCpuBefore);
    const benchCpu = (benchCpuUs.user + benchCpuUs.system) / 1e6;
    const stealAfter = hostCpuTicks();
    const stealShare =
      stealBefore && stealAfter ? (stealAfter.steal - stealBefore.steal) / Math.max(1, stealAfter.total - stealBefore.total) : Number.NaN;
    poller.stop();
    await poller.pollOnce();
    await side?.afterMeasure?.();

    // Read back which ledger held each tx.
    const histogram = hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3});
    const perLedger: {seq: number; count: number}[] = [];
    let committed = 0;
    let committedOk = 0;
    let foreign = 0;
    let inferredLedgers = 0;
    let firstSeq = 0;
    let lastSeq = 0;
    for (let seq = startLedger + 1; seq <= poller.newest; seq++) {
      const seen = poller.seen.get(seq);
      if (seen === undefined) continue;
      const txs = await ledgerTransactions(node.baseUrl, seq);
      let mine = 0;
      for (const tx of txs) {
        const i = indexByHash.get(tx.hash);
        if (i === undefined) {
          foreign++;
          continue;
        }
        mine++;
        committed++;
        if (tx.successful) committedOk++;
        if (plan !== undefined) {
          const k = plan.kinds[i]!;
          const c = byKind.get(k) ?? {ok: 0, failed: 0};
          if (tx.successful) c.ok++;
          else c.failed++;
          byKind.set(k, c);
        }
        if (!Number.isNaN(submitAt[i])) histogram.recordValue(Math.max(1, Math.round((seen.seenAt - submitAt[i]) * 1000)));
      }
      if (mine > 0) {
        if (firstSeq === 0) firstSeq = seq;
        lastSeq = seq;
        if (seen.inferred) inferredLedgers++;
        perLedger.push({seq, count: mine});
      }
    }
    const before = poller.seen.get(firstSeq - 1);
    const last = poller.seen.get(lastSeq);
    const spanSeconds = before !== undefined && last !== undefined ? (last.seenAt - before.seenAt) / 1000 : Number.NaN;
    const counts = perLedger.map((l) => l.count).sort((a, b) => a - b);
    const full = fullLedgerRate(perLedger, (seq) => poller!.seen.get(seq)?.seenAt);

    const ms = (us: number): string => `${(us / 1000).toFixed(0)} ms`;
    // Counts are exact; only rates are rounded to three significant digits.
    const count = (n: number): string => n.toLocaleString("en-US");
    const what = plan !== undefined ? "mixed txs" : "payments";
    const rows: string[][] = [
      [
        `${what} submitted`,
        count(opts.payments),
        `${opts.accounts} accounts, ${Math.min(opts.connections, opts.payments)} connections, pipelining 1${warmupCount > 0 ? `; after ${count(warmupCount)} warm-up payments, sent the same way and committed` : ""}`,
      ],
      ["HTTP statuses", statusSummary(sent.statusCounts), `conn errors ${sent.connectionErrors}, timeouts ${sent.timeouts}${sent.stoppedEarly ? ", STOPPED at send timeout" : ""}`],
      ["accepted (201)", count(sent.accepted.size), ""],
      ["accepted TPS", formatNumber(sent.accepted.size / sendSeconds), `201s over the ${sendSeconds.toFixed(2)} s send window`],
      ["submit HTTP latency p50 / p99", `${sent.httpLatencyP50} / ${sent.httpLatencyP99} ms`, "autocannon, per request"],
      ["committed", count(committed), `${committedOk} successful, ${committed - committedOk} failed${drainTimedOut ? `; drain TIMED OUT after ${opts.commitWaitMs} ms` : ""}`],
      ...(plan === undefined
        ? []
        : [["committed by kind", [...byKind.entries()].sort().map(([k, c]) => `${k} ${c.ok}${c.failed > 0 ? ` (+${c.failed} failed)` : ""}`).join(", "), "one operation per tx"]]),
      ["committed TPS", formatNumber(committed / spanSeconds), `over ${spanSeconds.toFixed(2)} s: ledgers ${firstSeq}..${lastSeq} (${perLedger.length} with bench txs)`],
      [
        "committed TPS, full ledgers",
        formatNumber(full.tps),
        full.ledgers > 0 ? `${count(full.txs)} txs in ledgers ${firstSeq + 1}..${lastSeq - 1} over ${full.seconds.toFixed(2)} s (the first and last, partial, left out)` : "fewer than 3 ledgers with bench txs",
      ],
      ["txs per ledger in order", perLedger.map((l) => l.count).join(", "), ""],
      ["txs per ledger min / median / max", counts.length > 0 ? `${counts[0]} / ${counts[counts.length >> 1]} / ${counts[counts.length - 1]}` : "n/a", `close interval ${opts.closeIntervalMs} ms`],
      ["submit→ledger p50", ms(histogram.getValueAtPercentile(50)), `first-seen by a ${opts.pollMs} ms poll`],
      ["submit→ledger p99", ms(histogram.getValueAtPercentile(99)), `${histogram.totalCount} txs timed`],
      ["submit→ledger max", ms(histogram.maxValue), inferredLedgers > 0 ? `${inferredLedgers} ledgers closed between polls (upper bound)` : ""],
      ["node event-loop delay p99 / max", `${loop.p99Ms.toFixed(1)} / ${loop.maxMs.toFixed(1)} ms`, "main thread, from the first send until all is committed (prom-client's monitor, reset by every /metrics scrape: a side load that scrapes reads it first, up to when it stops)"],
    ];
    if (Number.isFinite(nodeCpu) && committed > 0) {
      const perTx = (nodeCpu * 1e6) / committed;
      rows.push([
        "node CPU per committed tx",
        `${perTx.toFixed(0)} µs`,
        `all node threads; ${nodeCpu.toFixed(1)} s node vs ${benchCpu.toFixed(1)} s load generator; ${os.cpus().length} cores → ${formatNumber((os.cpus().length * 1e6) / perTx)} tx/s if the node had them alone`,
      ]);
    }
    if (threadSplit.length > 0 && committed > 0) {
      rows.push([
        "node CPU per tx by thread",
        threadSplit
          .filter((g) => g.seconds > 0)
          .map((g) => `${g.name} ${((g.seconds * 1e6) / committed).toFixed(0)}`)
          .join(", "),
        "µs per committed tx by thread name (/proc, 10 ms ticks): main, verify-worker, uv-pool (LMDB writes), node-platform (V8's GC and compiler helpers)",
      ]);
    }
    if (Number.isFinite(stealShare)) {
      rows.push([
        "host CPU steal during the run",
        `${(stealShare * 100).toFixed(0)}%`,
        "share of this VM's CPU time taken by the hypervisor (/proc/stat): figures scale with what is left",
      ]);
    }
    if (Number.isFinite(nodeRss)) rows.push(["node RSS after the load", `${formatNumber(nodeRss / 2 ** 20)} MiB`, "resident memory of the node process (/proc)"]);
    if (foreign > 0) rows.push(["non-bench txs in those ledgers", String(foreign), ""]);
    if (poller.errors > 0) rows.push(["ledger poll errors", String(poller.errors), ""]);
    const header = ["end-to-end", "value", "detail"];
    const title = `End-to-end${opts.label ? ` (${opts.label})` : ""}: ${opts.payments} ${what} via POST /transactions_async`;
    let text = `\n== ${title} ==\n${textTable(header, rows)}`;
    let markdown = `### ${title} (${new Date().toISOString()})\n\n${markdownTable(header, rows)}\n`;
    text += `\n  Setup: ${phases.join("; ")}.`;
    markdown += `\nSetup: ${phases.join("; ")}.\n`;
    const samples = [...sent.errorSamples.entries()].flatMap(([status, bodies]) => bodies.map((b) => `${status}: ${b}${refusalCode(b)}`));
    const busy = sent.statusCounts.get(503) ?? 0;
    const refused = sent.statusCounts.get(400) ?? 0;
    if (busy > 0 && refused > 0) {
      const why =
        "A refused (503) tx leaves a gap in its account's sequence, so that account's later pre-signed " +
        "txs are refused as tx_bad_seq (400): the 400s follow from the 503s.";
      text += `\n  ${why}`;
      markdown += `\n${why}\n`;
    }
    if (samples.length > 0) {
      text += `\n  Sample refusals:\n${samples.map((e) => `    ${e}`).join("\n")}`;
      markdown += `\nSample refusals:\n\n${samples.map((e) => `    ${e}`).join("\n")}\n`;
    }

    if (windowReport !== undefined) {
      text += `\n\n${windowReport.text}`;
      markdown += `\n${windowReport.markdown}\n`;
    }
    const pids = node.pids;
    const how = await node.stop();
    node = undefined;
    text += `\n  Node stopped: ${how}.`;
    if (opts.cpuProf) {
      // Kept next to the profiles, by the run's node pids, for tools that cut them to the same span.
      writeFileSync(path.join(profDir, `window-${pids.join("-")}.json`), JSON.stringify(profileWindow));
      const prof = profileSummary(profDir, profileWindow, pids);
      text += `\n\n${prof.text}`;
      markdown += `\n${prof.markdown}\n`;
    }
    const figures: E2eFigures = {
      acceptedTps: sent.accepted.size / sendSeconds,
      committedTps: committed / spanSeconds,
      fullLedgerTps: full.tps,
      p50Ms: histogram.getValueAtPercentile(50) / 1000,
      p99Ms: histogram.getValueAtPercentile(99) / 1000,
      nodeCpuUsPerTx: committed > 0 ? (nodeCpu * 1e6) / committed : Number.NaN,
      nodeRssBytes: nodeRss,
      submitHttpP99Ms: sent.httpLatencyP99,
      loopP99Ms: loop.p99Ms,
    };
    return {text: `${text}\n`, markdown, figures};
  } catch (err) {
    if (err instanceof BenchError && err.meta !== undefined) {
      const log = (err.meta as {log?: unknown}).log;
      if (typeof log !== "string") (err.meta as Record<string, unknown>).log = logTail(logPath);
    }
    throw err;
  } finally {
    poller?.stop();
    if (node !== undefined) await node.stop();
    rmSync(tmp, {recursive: true, force: true});
  }
}

/**
 * The commit rate over the full ledgers of a run: `perLedger` lists the ledgers holding bench txs
 * in sequence order; the first and last are left out (the load started and stopped inside them),
 * and the rate is the txs of those between (ledgers without bench txs among them count as 0) over
 * the time from the first's close to the close of the one before the last, as `seenAt` gives the
 * closes (ms). NaN rate, 0 ledgers, when there are fewer than 3 or a close time is unknown.
 */
export function fullLedgerRate(
  perLedger: readonly {seq: number; count: number}[],
  seenAt: (seq: number) => number | undefined,
): {tps: number; txs: number; ledgers: number; seconds: number} {
  const none = {tps: Number.NaN, txs: 0, ledgers: 0, seconds: Number.NaN};
  if (perLedger.length < 3) return none;
  const first = perLedger[0]!.seq;
  const last = perLedger[perLedger.length - 1]!.seq;
  const from = seenAt(first);
  const to = seenAt(last - 1);
  if (from === undefined || to === undefined || !(to > from)) return none;
  let txs = 0;
  for (const l of perLedger) if (l.seq > first && l.seq < last) txs += l.count;
  const seconds = (to - from) / 1000;
  return {tps: txs / seconds, txs, ledgers: last - first - 1, seconds};
}

if (isEntryPoint(import.meta.url)) {
  const result = await runE2eBench(parseE2eFlags(process.argv.slice(2)));
  console.log(result.text);
  appendResults(result.markdown);
}

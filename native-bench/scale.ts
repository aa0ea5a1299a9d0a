/**
 * Figures at scale, against the real node in another process:
 * - disk per committed payment after N payments (1M by default), without and with
 *   `--history-retention`, with the data folder's size printed every chunk so a file that stops
 *   growing under retention shows as a flat column;
 * - a ledger of M accounts (1M by default) created through ledgers in bulk: the node's RSS, cold
 *   start to serving (spawn → first 200 from GET /), and committed payment TPS on that ledger as
 *   a ratio of TPS on a fresh ledger with only the 1,000 paying accounts, measured in the same run.
 *
 *   node dist/native-bench/scale.js [--disk-payments N] [--disk-chunk N] [--retention LEDGERS]
 *     [--scale-accounts M] [--scale-payments N] [--scale-runs N] [--skip-disk] [--skip-accounts]
 *     [--scale-keep DIR] [--scale-from DIR]
 *
 * Each TPS run also splits the node's CPU per committed tx by thread (threads.ts), so growth on
 * the big ledger is located: main thread, signature workers, libuv pool (LMDB write transactions).
 * `--scale-keep DIR` keeps a copy of the folder right after the accounts are created; `--scale-from
 * DIR` starts from a copy of such a folder instead of creating them, for A/B runs of two builds on
 * the same ledger (the RSS-after-creation and db stats figures are then not measured).
 */
import {execFileSync} from "node:child_process";
import {createHash} from "node:crypto";
import {cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {performance} from "node:perf_hooks";
import {parseArgs} from "node:util";
import sodium from "sodium-native";
import {Account, Operation, StrKey, TimeoutInfinite, TransactionBuilder, xdr} from "@stellar/stellar-base";
import {accountSequence, benchAccount, forEachLimited, fundAccounts, runE2eBench, sendAll, type BenchAccount, type BenchTarget, type PreSigned} from "./e2e.js";
import {BenchError, BenchErrorCode} from "./errors.js";
import {field, getJson, postForm, sleep} from "./horizon-http.js";
import {isEntryPoint, median} from "./measure.js";
import {logTail, NODE_MAIN, rssParts, startNode, stopNode, type RunningNode} from "./node-process.js";
import {defaultE2eOptions, MAX_OPS_PER_TX, type E2eOptions} from "./options.js";
import {PaymentSigner} from "./payment-signer.js";
import {appendResults, formatNumber, formatRatio, markdownTable, textTable} from "./report.js";
import {threadCpu, threadCpuDelta} from "./threads.js";

export interface ScaleOptions {
  /** Payments per disk run; 0 skips the disk figures. */
  diskPayments: number;
  /** Payments between two size readings. */
  diskChunk: number;
  /** `--history-retention` of the second disk run, in ledgers; 0 skips that run. */
  retentionLedgers: number;
  /** Accounts in the big ledger; 0 skips the accounts figures. */
  scaleAccounts: number;
  /** Payments of each TPS run of the accounts figures. */
  scalePayments: number;
  /** TPS runs on each ledger (big and small, alternating); medians are reported. */
  scaleRuns: number;
  /** Settings shared with the end-to-end run (paying accounts, connections, close interval, build). */
  e2e: E2eOptions;
  /** Copy the folder of created accounts here before the TPS runs (it must not exist yet). */
  keepDir?: string;
  /** Start from a copy of a folder kept by `keepDir` instead of creating the accounts. */
  fromDir?: string;
}

export const defaultScaleOptions: ScaleOptions = {
  /** The figure: disk per payment after 1M payments (~6 min per run at ~3k tx/s). */
  diskPayments: 1_000_000,
  /** 100k: ten readings per run, enough to see whether the file still grows. */
  diskChunk: 100_000,
  /** 100 ledgers (Horizon's HISTORY_RETENTION_COUNT counts ledgers too) keep ~300k payments at
   * ~3k tx/s and 1 s ledgers: the file should stop growing after the third reading. */
  retentionLedgers: 100,
  scaleAccounts: 1_000_000,
  /** As the end-to-end default: ~10 s of load. */
  scalePayments: 30_000,
  /** 3: the median discards one outlier run per side, as in the end-to-end figures. */
  scaleRuns: 3,
  e2e: defaultE2eOptions,
};

/** Accounts created by one bulk-funder; 100 funders hold 1M accounts in 100 txs each. */
const ACCOUNTS_PER_FUNDER = 10_000;
/** Starting balance of each bulk account: the minimum balance of an account without subentries. */
const BULK_STARTING_BALANCE = "1";
/** Back-off after the node says TRY_AGAIN_LATER (its queue holds 4 ledgers). */
const BUSY_BACKOFF_MS = 200;
/** Network failures tolerated per bulk transaction before the bench gives up. */
const SUBMIT_RETRIES = 20;

export interface ScaleResult {
  text: string;
  markdown: string;
}

/** Bytes of every file in the data folder: apparent size, and blocks actually allocated. */
function folderBytes(dir: string): {size: number; allocated: number} {
  let size = 0;
  let allocated = 0;
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const sub = folderBytes(p);
      size += sub.size;
      allocated += sub.allocated;
    } else if (e.isFile()) {
      const st = statSync(p);
      size += st.size;
      allocated += st.blocks * 512;
    }
  }
  return {size, allocated};
}

/** A counter or gauge of the node's /metrics, by its full sample name (labels included). */
async function metric(baseUrl: string, sample: string): Promise<number> {
  const {status, body} = await getJson(baseUrl, "/metrics");
  if (status !== 200 || typeof body !== "string") throw new BenchError(BenchErrorCode.NodeBadResponse, `GET /metrics answered ${status}`);
  const line = body.split("\n").find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

const SUCCESS_SAMPLE = 'diamante_ledger_txs_applied_total{result="success"}';

/** Waits until the node's queue is empty and one more ledger has closed. */
async function drained(baseUrl: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while ((await metric(baseUrl, "diamante_herder_queue_txs")) > 0) {
    if (Date.now() > deadline) throw new BenchError(BenchErrorCode.WaitTimedOut, `queue not drained within ${waitMs} ms`);
    await sleep(100);
  }
  const closed = await metric(baseUrl, "diamante_ledger_closed_total");
  while ((await metric(baseUrl, "diamante_ledger_closed_total")) <= closed) {
    if (Date.now() > deadline) throw new BenchError(BenchErrorCode.WaitTimedOut, `no ledger closed within ${waitMs} ms`);
    await sleep(50);
  }
}

const mb = (bytes: number): string => `${formatNumber(bytes / 2 ** 20)} MiB`;

/** What of a resident set is the node's own memory and what is file-backed (page cache). */
function rssSplit(p: {anon: number; file: number}): string {
  return `anonymous (heap, buffers) ${mb(p.anon)}, file-backed (LMDB map, code) ${mb(p.file)}`;
}

/** One disk run: N payments in chunks, the folder size after each, bytes per committed payment at the end. */
/** `diamante db stats` of the folder (live and free pages, bytes per record per table), where the build has it. */
function dbStatsText(nodeMain: string, dataDir: string): string {
  try {
    return execFileSync(process.execPath, [nodeMain, "db", "stats", "--data", dataDir], {encoding: "utf8", stdio: ["ignore", "pipe", "pipe"]}).trimEnd();
  } catch (err) {
    return `(db stats unavailable: ${err instanceof Error ? err.message.split("\n")[0] : String(err)})`;
  }
}

async function diskRun(opts: ScaleOptions, retention: number): Promise<{rows: string[][]; bytesPerPayment: number; note: string; stats: string}> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "diamante-bench-disk-"));
  const dataDir = path.join(tmp, "data");
  const e2e = opts.e2e;
  let node: RunningNode | undefined;
  try {
    node = await startNode({
      dataDir,
      logPath: path.join(tmp, "node.log"),
      closeIntervalMs: e2e.closeIntervalMs,
      startTimeoutMs: e2e.startTimeoutMs,
      extraArgs: [...e2e.nodeArgs, ...(retention > 0 ? ["--history-retention", String(retention)] : [])],
      nodeMain: e2e.nodeMain,
    });
    const passphrase = field(node.root, "network_passphrase", "GET /");
    const accounts = Array.from({length: e2e.accounts}, (_, i) => benchAccount(i));
    await fundAccounts(node.baseUrl, passphrase, accounts, e2e);
    const signer = new PaymentSigner(passphrase, accounts, e2e.fee);
    const before = await metric(node.baseUrl, SUCCESS_SAMPLE);
    const start = folderBytes(dataDir);
    const rows: string[][] = [["0", "0", mb(start.size), mb(start.allocated), ""]];
    let sent = 0;
    let committed = 0;
    let bytesPerPayment = Number.NaN;
    const t0 = performance.now();
    while (sent < opts.diskPayments) {
      const n = Math.min(opts.diskChunk, opts.diskPayments - sent);
      const signed: PreSigned = {bodies: [], hashes: []};
      for (let i = 0; i < n; i++) {
        const a = i % accounts.length;
        const seq = BigInt(accounts[a].sequence) + 1n;
        accounts[a].sequence = seq.toString();
        const p = signer.sign(a, seq);
        signed.bodies.push(p.body);
        signed.hashes.push(p.hashHex);
      }
      await sendAll(node.baseUrl, signed, new Float64Array(n), e2e);
      sent += n;
      await drained(node.baseUrl, e2e.commitWaitMs);
      // A refused payment leaves a gap in its account's sequence: read them back before the next chunk.
      await forEachLimited(accounts, 16, async (a) => {
        a.sequence = (await accountSequence(node!.baseUrl, a.keypair.publicKey())) ?? a.sequence;
      });
      committed = (await metric(node.baseUrl, SUCCESS_SAMPLE)) - before;
      const size = folderBytes(dataDir);
      bytesPerPayment = size.size / committed;
      rows.push([sent.toLocaleString("en-US"), committed.toLocaleString("en-US"), mb(size.size), mb(size.allocated), formatNumber(bytesPerPayment)]);
    }
    const seconds = (performance.now() - t0) / 1000;
    const note = `${formatNumber(committed / seconds)} committed payments/s over the run`;
    await stopNode(node.child);
    node = undefined;
    return {rows, bytesPerPayment, note, stats: dbStatsText(e2e.nodeMain ?? NODE_MAIN, dataDir)};
  } catch (err) {
    if (err instanceof BenchError && err.meta !== undefined) (err.meta as Record<string, unknown>).log ??= logTail(path.join(tmp, "node.log"));
    throw err;
  } finally {
    if (node !== undefined) await stopNode(node.child);
    rmSync(tmp, {recursive: true, force: true});
  }
}

export async function runDiskBench(opts: ScaleOptions, print: (s: string) => void): Promise<ScaleResult> {
  const header = ["payments sent", "committed", "data folder", "allocated", "bytes / payment"];
  let text = "";
  let markdown = "";
  const summary: string[][] = [];
  for (const retention of opts.retentionLedgers > 0 ? [0, opts.retentionLedgers] : [0]) {
    const label = retention > 0 ? `--history-retention ${retention}` : "no retention";
    let block: string;
    let md: string;
    try {
      const r = await diskRun(opts, retention);
      block = `\n== Disk per committed payment, ${label} ==\n${textTable(header, r.rows)}\n  ${r.note}\n  db stats at the end:\n${r.stats.replace(/^/gm, "    ")}`;
      md = `### Disk per committed payment, ${label} (${new Date().toISOString()})\n\n${markdownTable(header, r.rows)}\n\n${r.note}; \`diamante db stats\` at the end:\n\n\`\`\`\n${r.stats}\n\`\`\`\n`;
      summary.push([label, `${formatNumber(r.bytesPerPayment)} B`, formatRatio(r.bytesPerPayment / 1024), "goal ≤ 1 KB (1.00x)"]);
    } catch (err) {
      const msg = `${label}: failed: ${err instanceof Error ? err.message : String(err)}`;
      const log = err instanceof BenchError && err.meta !== undefined ? String((err.meta as {log?: unknown}).log ?? "") : "";
      block = `\n== Disk per committed payment, ${label} ==\n${msg}\n${log}`;
      md = `### Disk per committed payment, ${label}\n\n${msg}\n\n\`\`\`\n${log}\n\`\`\`\n`;
      summary.push([label, "n/a", "n/a", msg.slice(0, 120)]);
    }
    print(block);
    text += block;
    markdown += md;
  }
  const sh = ["disk after " + opts.diskPayments.toLocaleString("en-US") + " payments", "bytes / payment", "vs 1 KB", "note"];
  const s = `\n== Disk per committed payment, summary ==\n${textTable(sh, summary)}\n`;
  print(s);
  return {text: text + s, markdown: `${markdown}\n${markdownTable(sh, summary)}\n`};
}

/** Raw 32-byte ed25519 public key of bulk account i: any 32 bytes name an account; no secret is needed. */
function bulkAccountId(i: number): string {
  return StrKey.encodeEd25519PublicKey(createHash("sha256").update(`diamante bulk account ${i}`).digest());
}

/** Signs a stellar-base transaction with libsodium (stellar-base's pure-JS signing is too slow here). */
function signFast(tx: ReturnType<TransactionBuilder["build"]>, a: BenchAccount): string {
  const sig = Buffer.alloc(sodium.crypto_sign_BYTES);
  sodium.crypto_sign_detached(sig, tx.hash(), a.secretKey);
  tx.addDecoratedSignature(new xdr.DecoratedSignature({hint: a.keypair.signatureHint(), signature: sig}));
  return tx.toXDR();
}

/**
 * Creates `count` accounts through ledgers: root funds one funder per 10,000 accounts, and each
 * funder submits its create_account txs of 100 operations one after another, all funders at once,
 * backing off while the node's queue is full.
 */
export async function createBulkAccounts(baseUrl: string, passphrase: string, count: number, e2e: E2eOptions): Promise<void> {
  const funderCount = Math.ceil(count / ACCOUNTS_PER_FUNDER);
  const funders = Array.from({length: funderCount}, (_, i) => benchAccount(1_000_000_000 + i));
  const perFunder = Math.ceil(count / funderCount);
  await fundAccounts(baseUrl, passphrase, funders, {...e2e, startingBalance: String(perFunder + 100)});
  await Promise.all(
    funders.map(async (f, fi) => {
      const account = new Account(f.keypair.publicKey(), f.sequence);
      const first = fi * perFunder;
      const last = Math.min(count, first + perFunder);
      for (let start = first; start < last; start += MAX_OPS_PER_TX) {
        const b = new TransactionBuilder(account, {fee: String(e2e.fee), networkPassphrase: passphrase}).setTimeout(TimeoutInfinite);
        for (let i = start; i < Math.min(last, start + MAX_OPS_PER_TX); i++) {
          b.addOperation(Operation.createAccount({destination: bulkAccountId(i), startingBalance: BULK_STARTING_BALANCE}));
        }
        const envelope = signFast(b.build(), f);
        for (let failures = 0; ; ) {
          let reply: Awaited<ReturnType<typeof postForm>>;
          try {
            reply = await postForm(baseUrl, "/transactions_async", {tx: envelope});
          } catch (err) {
            // A timeout or a dropped connection on a busy box: the same signed envelope is sent
            // again (never a new one), so it is applied at most once whatever became of the first.
            if (++failures > SUBMIT_RETRIES) throw err;
            await sleep(BUSY_BACKOFF_MS);
            continue;
          }
          const {status, body} = reply;
          // 409: this very envelope is already queued or applied (an earlier try got through).
          if (status === 201 || status === 409) break;
          if (status !== 503) {
            throw new BenchError(BenchErrorCode.NodeBadResponse, `bulk create_account tx refused: ${status}`, {body: JSON.stringify(body).slice(0, 600)});
          }
          await sleep(BUSY_BACKOFF_MS);
        }
      }
    }),
  );
  await drained(baseUrl, e2e.commitWaitMs);
  // Spot-check: the first and last bulk accounts exist.
  for (const i of [0, count - 1]) {
    if ((await accountSequence(baseUrl, bulkAccountId(i))) === undefined) {
      throw new BenchError(BenchErrorCode.NodeBadResponse, `bulk account ${i} was not created`);
    }
  }
}

/** A TPS run's node CPU per committed tx by thread group (threads.ts), in µs. */
type ThreadSplit = Map<string, number>;

/**
 * The node of one TPS run (on `dataDir`, or a fresh folder in the run's temp folder), with its CPU
 * per thread sampled at the load window's ends; each run's split is pushed to `into`.
 */
function threadSplitTarget(dataDir: string | undefined, e2e: E2eOptions, into: ThreadSplit[]): (tmp: string) => Promise<BenchTarget> {
  return async (tmp) => {
    const one = await startNode({
      dataDir: dataDir ?? path.join(tmp, "data"),
      logPath: path.join(tmp, "node.log"),
      closeIntervalMs: e2e.closeIntervalMs,
      startTimeoutMs: e2e.startTimeoutMs,
      extraArgs: e2e.nodeArgs,
      nodeMain: e2e.nodeMain,
    });
    const pid = one.child.pid;
    let before = threadCpu(pid);
    return {
      baseUrl: one.baseUrl,
      root: one.root,
      pids: [pid],
      stop: () => stopNode(one.child),
      window: {
        begin: async () => {
          before = threadCpu(pid);
        },
        end: async (committed) => {
          const split: ThreadSplit = new Map();
          const rows: string[][] = [];
          for (const g of threadCpuDelta(before, threadCpu(pid))) {
            const us = (g.seconds * 1e6) / Math.max(1, committed);
            split.set(g.name, us);
            const userUs = (g.user * 1e6) / Math.max(1, committed);
            split.set(`${g.name} (user)`, userUs);
            split.set(`${g.name} (system)`, us - userUs);
            rows.push([g.name, String(g.threads), `${g.seconds.toFixed(2)} s`, `${formatNumber(us)} µs`, `${formatNumber(userUs)} µs`, `${formatNumber(us - userUs)} µs`]);
          }
          into.push(split);
          const header = ["node thread", "threads", "CPU over the load", "per committed tx", "user", "system"];
          return {text: `Node CPU by thread:\n${textTable(header, rows)}`, markdown: markdownTable(header, rows)};
        },
      },
    };
  };
}

/** Median µs per tx of each thread group on both ledgers, largest growth first. */
function threadRows(small: ThreadSplit[], big: ThreadSplit[], smallLabel: string, bigLabel: string): string[][] {
  const names = new Set<string>();
  for (const s of [...small, ...big]) for (const k of s.keys()) names.add(k);
  const med = (runs: ThreadSplit[], name: string): number => median(runs.map((s) => s.get(name) ?? 0));
  return [...names]
    .map((name) => ({name, a: med(small, name), b: med(big, name)}))
    .filter((g) => g.a >= 1 || g.b >= 1)
    .sort((x, y) => y.b - y.a - (x.b - x.a))
    .map((g) => [`node CPU per tx, thread "${g.name}"`, `${formatNumber(g.a)} → ${formatNumber(g.b)} µs`, `${smallLabel} → ${bigLabel} accounts (median of runs), ${formatRatio(g.b / Math.max(1, g.a))}`]);
}

export async function runAccountsBench(opts: ScaleOptions, print: (s: string) => void): Promise<ScaleResult> {
  const e2e: E2eOptions = {...opts.e2e, payments: opts.scalePayments};
  const tmp = mkdtempSync(path.join(os.tmpdir(), "diamante-bench-accounts-"));
  const dataDir = path.join(tmp, "data");
  const logPath = path.join(tmp, "node.log");
  const rows: string[][] = [];
  let stats = "";
  let node: RunningNode | undefined;
  try {
    let t = performance.now();
    let createSeconds = Number.NaN;
    let rssAfterCreate = {rss: Number.NaN, anon: Number.NaN, file: Number.NaN};
    if (opts.fromDir !== undefined) {
      if (!existsSync(path.join(opts.fromDir, "ledger.mdb"))) throw new BenchError(BenchErrorCode.BadFlag, `--scale-from ${opts.fromDir} holds no ledger.mdb`);
      cpSync(opts.fromDir, dataDir, {recursive: true});
      stats = `(accounts from ${opts.fromDir}: not created in this run)`;
    } else {
      node = await startNode({dataDir, logPath, closeIntervalMs: e2e.closeIntervalMs, startTimeoutMs: e2e.startTimeoutMs, extraArgs: e2e.nodeArgs, nodeMain: e2e.nodeMain});
      const passphrase = field(node.root, "network_passphrase", "GET /");
      await createBulkAccounts(node.baseUrl, passphrase, opts.scaleAccounts, e2e);
      createSeconds = (performance.now() - t) / 1000;
      rssAfterCreate = rssParts(node.child.pid);
      await stopNode(node.child);
      node = undefined;
      // Where the file's bytes go (state, history of the create txs, free pages), node stopped.
      stats = dbStatsText(e2e.nodeMain ?? NODE_MAIN, dataDir);
      if (opts.keepDir !== undefined) cpSync(dataDir, opts.keepDir, {recursive: true, errorOnExist: true, force: false});
    }

    // Cold start on that folder: from spawn to the first 200 of GET /.
    t = performance.now();
    node = await startNode({dataDir, logPath, closeIntervalMs: e2e.closeIntervalMs, startTimeoutMs: e2e.startTimeoutMs, extraArgs: e2e.nodeArgs, nodeMain: e2e.nodeMain});
    const coldStartMs = performance.now() - t;
    const rssAfterStart = rssParts(node.child.pid);
    await stopNode(node.child);
    node = undefined;

    // TPS on the big ledger and on a fresh one holding only the paying accounts (the baseline of
    // the ratio), alternating so a neighbour's burst on a shared box hits both alike. Each run on
    // the big folder pays from accounts of its own, created by that run.
    const small: number[] = [];
    const big: number[] = [];
    const smallThreads: ThreadSplit[] = [];
    const bigThreads: ThreadSplit[] = [];
    let bigRss = Number.NaN;
    for (let r = 0; r < opts.scaleRuns; r++) {
      const s = await runE2eBench({...e2e, label: `${e2e.accounts.toLocaleString("en-US")} accounts`, target: threadSplitTarget(undefined, e2e, smallThreads)});
      print(s.text);
      small.push(s.figures?.committedTps ?? Number.NaN);
      const b = await runE2eBench({
        ...e2e,
        accountOffset: r * e2e.accounts,
        label: `${opts.scaleAccounts.toLocaleString("en-US")} accounts`,
        target: threadSplitTarget(dataDir, e2e, bigThreads),
      });
      print(b.text);
      big.push(b.figures?.committedTps ?? Number.NaN);
      bigRss = b.figures?.nodeRssBytes ?? Number.NaN;
    }
    const tpsSmall = median(small);
    const tpsBig = median(big);
    const runs = (v: number[]): string => `median of ${v.length}: ${v.map((x) => formatNumber(x)).join(", ")}`;
    const n = opts.scaleAccounts.toLocaleString("en-US");
    rows.push(
      [`accounts created`, n, Number.isNaN(createSeconds) ? `copied from ${opts.fromDir ?? ""}` : `in ${createSeconds.toFixed(0)} s through ledgers, txs of ${MAX_OPS_PER_TX} create_account ops`],
      ["data folder", mb(folderBytes(dataDir).size), "after the TPS run"],
      ["node RSS after creating them", mb(rssAfterCreate.rss), `goal ≤ 1.5 GB; ${rssSplit(rssAfterCreate)}`],
      ["node RSS after a cold start", mb(rssAfterStart.rss), rssSplit(rssAfterStart)],
      ["node RSS at the end of the last TPS run", mb(bigRss), "goal ≤ 1.5 GB"],
      ["cold start to serving", `${formatNumber(coldStartMs)} ms`, "spawn → first 200 of GET / (polled every 100 ms); goal < 5 s"],
      [`committed TPS at ${e2e.accounts.toLocaleString("en-US")} accounts`, formatNumber(tpsSmall), `baseline, same run; ${runs(small)}`],
      [`committed TPS at ${n} accounts`, formatNumber(tpsBig), `${e2e.payments.toLocaleString("en-US")} payments from ${e2e.accounts.toLocaleString("en-US")} accounts; ${runs(big)}`],
      ["TPS ratio", formatRatio(tpsBig / tpsSmall), "goal ≥ 0.80x"],
      ...threadRows(smallThreads, bigThreads, e2e.accounts.toLocaleString("en-US"), n),
    );
  } catch (err) {
    if (err instanceof BenchError && err.meta !== undefined) (err.meta as Record<string, unknown>).log ??= logTail(logPath);
    throw err;
  } finally {
    if (node !== undefined) await stopNode(node.child);
    rmSync(tmp, {recursive: true, force: true});
  }
  const header = [`${opts.scaleAccounts.toLocaleString("en-US")} accounts`, "value", "detail"];
  const text = `\n== Ledger of ${opts.scaleAccounts.toLocaleString("en-US")} accounts ==\n${textTable(header, rows)}\n  db stats right after creating them:\n${stats.replace(/^/gm, "    ")}\n`;
  print(text);
  return {
    text,
    markdown: `### Ledger of ${opts.scaleAccounts.toLocaleString("en-US")} accounts (${new Date().toISOString()})\n\n${markdownTable(header, rows)}\n\n\`diamante db stats\` right after creating them:\n\n\`\`\`\n${stats}\n\`\`\`\n`,
  };
}

export function parseScaleFlags(argv: string[], e2e: E2eOptions): ScaleOptions & {skipDisk: boolean; skipAccounts: boolean} {
  const {values} = parseArgs({
    args: argv,
    options: {
      "disk-payments": {type: "string"},
      "disk-chunk": {type: "string"},
      retention: {type: "string"},
      "scale-accounts": {type: "string"},
      "scale-payments": {type: "string"},
      "scale-runs": {type: "string"},
      "skip-disk": {type: "boolean"},
      "skip-accounts": {type: "boolean"},
      "scale-keep": {type: "string"},
      "scale-from": {type: "string"},
    },
    strict: false,
    allowPositionals: true,
  });
  const int = (v: string | boolean | undefined, name: string, fallback: number, min: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== "string" || !/^\d+$/.test(v) || Number(v) < min) {
      throw new BenchError(BenchErrorCode.BadFlag, `--${name} must be a whole number ≥ ${min}, got "${String(v)}"`);
    }
    return Number(v);
  };
  const d = defaultScaleOptions;
  const diskPayments = int(values["disk-payments"], "disk-payments", d.diskPayments, 0);
  return {
    diskPayments,
    diskChunk: int(values["disk-chunk"], "disk-chunk", Math.min(d.diskChunk, Math.max(1, diskPayments)), 1),
    retentionLedgers: int(values.retention, "retention", d.retentionLedgers, 0),
    scaleAccounts: int(values["scale-accounts"], "scale-accounts", d.scaleAccounts, 0),
    scalePayments: int(values["scale-payments"], "scale-payments", d.scalePayments, 1),
    scaleRuns: int(values["scale-runs"], "scale-runs", d.scaleRuns, 1),
    e2e,
    skipDisk: values["skip-disk"] === true || diskPayments === 0,
    skipAccounts: values["skip-accounts"] === true || values["scale-accounts"] === "0",
    keepDir: typeof values["scale-keep"] === "string" ? values["scale-keep"] : undefined,
    fromDir: typeof values["scale-from"] === "string" ? values["scale-from"] : undefined,
  };
}

/** The flags parseScaleFlags reads, so the e2e parser can be handed the rest. */
export const SCALE_FLAGS = ["--disk-payments", "--disk-chunk", "--retention", "--scale-accounts", "--scale-payments", "--scale-runs", "--scale-keep", "--scale-from"];
export const SCALE_SWITCHES = ["--skip-disk", "--skip-accounts"];

/** argv without the scale flags (and their values). */
export function withoutScaleFlags(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (SCALE_FLAGS.includes(argv[i])) i++;
    else if (!SCALE_SWITCHES.includes(argv[i])) out.push(argv[i]);
  }
  return out;
}

if (isEntryPoint(import.meta.url)) {
  const {parseE2eFlags} = await import("./e2e.js");
  const argv = process.argv.slice(2);
  const opts = parseScaleFlags(argv, parseE2eFlags(withoutScaleFlags(argv)));
  const print = (s: string): void => console.log(s);
  if (!opts.skipDisk) appendResults((await runDiskBench(opts, print)).markdown);
  if (!opts.skipAccounts) appendResults((await runAccountsBench(opts, print)).markdown);
}

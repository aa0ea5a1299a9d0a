/**
 * The payment load against a network of 4 validators (threshold 3) as separate processes on
 * this box (`diamante network up`, 1 s ledgers, TCP overlay), and the same load against a single
 * node in the same run for the ratio. The load is sent to validator 0, which floods the txs to
 * the others; every validator applies every ledger. Where the time goes: CPU seconds of each
 * validator over the load window, and SCP and overlay messages per ledger.
 */
import {existsSync, mkdirSync, readFileSync, readdirSync} from "node:fs";
import {join} from "node:path";
import {freeBasePort, networkDown, networkUp, type NetworkPlan} from "../src/cli/network.js";
import {processCpuSeconds, runE2eBench, type BenchTarget, type E2eFigures} from "./e2e.js";
import {startNode, stopNode, NODE_MAIN} from "./node-process.js";
import {threadCpu, threadCpuDelta, type ThreadCpu} from "./threads.js";
import {getJson, sleep} from "./horizon-http.js";
import {formatNumber, formatRatio, markdownTable, textTable} from "./report.js";
import {profileClockUs, readCpuProfile, topSelfTime, type ProfileWindow} from "./cpu-profile.js";
import type {E2eOptions} from "./options.js";
import {BenchError, BenchErrorCode} from "./errors.js";

export interface ValidatorsBenchOptions {
  /** Validators (full mesh, threshold ⌊2n/3⌋+1). */
  nodes: number;
  /** Payments per run: the same for the single node and the network, so the ratio compares like with like. */
  payments: number;
  /** When set, the validators run under `--cpu-prof` into this folder and their top self times over the load window are reported. */
  cpuProfDir?: string;
}

export const defaultValidatorsBenchOptions: ValidatorsBenchOptions = {
  /** 4, the figure: the smallest network that survives a failure (3 of 4). */
  nodes: 4,
  /** 20,000: ~10 s at the single node's rate, long enough for a dozen 1 s ledgers on the network. */
  payments: 20_000,
};

/** Sums of Prometheus samples by metric name and label filter, from /metrics text. */
function sample(text: string, name: string, label?: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== "{" && rest[0] !== " ") continue;
    if (label !== undefined && !rest.includes(label)) continue;
    const v = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

interface NodeCounters {
  cpu: number;
  ledgers: number;
  scpEmitted: number;
  scpReceived: number;
  /** Tx bodies received from peers (pulled or pushed, duplicates included). */
  txBodiesReceived: number;
  messagesSent: number;
  /** SCP state writes (count, seconds): 0 for builds that wrote it on the main thread. */
  stateWrites: number;
  stateWriteSeconds: number;
  /** This node's proposals that externalized (count, seconds from proposal). */
  proposals: number;
  proposeToExternalizeSeconds: number;
  /** Ledger closes: apply + commit seconds. */
  closeSeconds: number;
}

async function counters(apiPort: number, pid: number | undefined): Promise<NodeCounters> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/metrics`);
  const text = await res.text();
  return {
    cpu: processCpuSeconds(pid),
    ledgers: sample(text, "diamante_ledger_closed_total"),
    scpEmitted: sample(text, "diamante_scp_envelopes_emitted_total"),
    scpReceived: sample(text, "diamante_overlay_messages_received_total", 'type="scp"'),
    // Builds before pull-mode flooding count bodies only as pushed `tx` messages.
    txBodiesReceived: text.includes("diamante_overlay_tx_bodies_total")
      ? sample(text, "diamante_overlay_tx_bodies_total", 'direction="received"')
      : sample(text, "diamante_overlay_messages_received_total", 'type="tx"'),
    messagesSent: sample(text, "diamante_overlay_messages_sent_total"),
    stateWrites: sample(text, "diamante_scp_state_write_seconds_count"),
    stateWriteSeconds: sample(text, "diamante_scp_state_write_seconds_sum"),
    proposals: sample(text, "diamante_scp_propose_to_externalize_seconds_count"),
    proposeToExternalizeSeconds: sample(text, "diamante_scp_propose_to_externalize_seconds_sum"),
    closeSeconds: sample(text, "diamante_ledger_close_seconds_sum"),
  };
}

/** CPU seconds of one process over the load window by thread group, user and system apart. */
type ThreadSplit = Array<{name: string; seconds: number; user: number; system: number}>;

/** What the window measured per thread: the single node's, then each validator's. */
interface Splits {
  committed: number;
  single?: ThreadSplit;
  validators: ThreadSplit[];
}

/** The thread groups in a fixed order (thread-names.ts), then any other name. */
const THREAD_ORDER = ["main", "verify-worker", "uv-pool", "node-platform"];

/**
 * µs per committed tx of each thread group, user + system, for the single node and each
 * validator of the same run: what a validator pays beyond the single node, and on which thread.
 */
function splitTable(single: Splits, network: Splits): {text: string; markdown: string} {
  const names = new Set<string>(THREAD_ORDER);
  for (const s of [single.single ?? [], ...network.validators]) for (const g of s) names.add(g.name);
  const cell = (split: ThreadSplit | undefined, committed: number, name: string): string => {
    const g = split?.find((x) => x.name === name);
    if (g === undefined || committed === 0) return "n/a";
    const us = (v: number) => ((v * 1e6) / committed).toFixed(0);
    return `${us(g.seconds)} (${us(g.user)} + ${us(g.system)})`;
  };
  const rows = [...names].map((name) => [
    name,
    cell(single.single, single.committed, name),
    ...network.validators.map((v) => cell(v, network.committed, name)),
  ]);
  const total = (split: ThreadSplit | undefined, committed: number) =>
    split === undefined || committed === 0 ? "n/a" : `${((split.reduce((a, g) => a + g.seconds, 0) * 1e6) / committed).toFixed(0)}`;
  rows.push(["all threads", total(single.single, single.committed), ...network.validators.map((v) => total(v, network.committed))]);
  const header = ["µs per committed tx: all (user + system)", "single node", ...network.validators.map((_, i) => `validator ${i}`)];
  const title = "CPU per committed tx by thread, single node vs each validator";
  return {text: `
== ${title} ==
${textTable(header, rows)}`, markdown: `### ${title}

${markdownTable(header, rows)}
`};
}

/** One node as the e2e bench starts it, with a window that splits its CPU by thread. */
async function startSingle(tmp: string, e2e: E2eOptions, closeIntervalMs: number, splits: Splits): Promise<BenchTarget> {
  const one = await startNode({
    dataDir: join(tmp, "data"),
    logPath: join(tmp, "node.log"),
    closeIntervalMs,
    startTimeoutMs: e2e.startTimeoutMs,
    extraArgs: e2e.nodeArgs,
    nodeMain: e2e.nodeMain ?? NODE_MAIN,
  });
  const pid = one.child.pid;
  let before: ThreadCpu = new Map();
  const {body} = await getJson(one.baseUrl, "/", 5000);
  return {
    baseUrl: one.baseUrl,
    root: body as Record<string, unknown>,
    pids: [pid],
    stop: () => stopNode(one.child),
    window: {
      begin: async () => {
        before = threadCpu(pid);
      },
      end: async (committed: number) => {
        splits.single = threadCpuDelta(before, threadCpu(pid));
        splits.committed = committed;
        return {text: "", markdown: ""};
      },
    },
  };
}

/** Starts the validators in `tmp`; the load goes to validator 0. */
async function startValidators(tmp: string, o: ValidatorsBenchOptions, closeIntervalMs: number, splits: Splits): Promise<BenchTarget> {
  const dir = join(tmp, "network");
  const base = await freeBasePort(o.nodes).catch((err: Error) => {
    throw new BenchError(BenchErrorCode.NodeStartFailed, `no free port range for the validators: ${err.message}`);
  });
  let plan: NetworkPlan;
  try {
    plan = await networkUp({dir, nodes: o.nodes, basePort: base, topology: "full", watchers: 0, closeIntervalMs, ...(o.cpuProfDir !== undefined ? {nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfDir}`]} : {})});
  } catch (err) {
    throw new BenchError(BenchErrorCode.NodeStartFailed, `network up failed: ${(err as Error).message}`);
  }
  const ports = plan.nodes.map((n) => n.apiPort);
  const pids = plan.nodes.map((n) => Number(readFileSync(join(n.dir, "pid"), "utf8").trim()));
  const window: ProfileWindow = {fromUs: 0, toUs: 0};
  const stop = async (): Promise<string> => {
    const stopped = `${await networkDown(dir)} validators stopped`;
    return o.cpuProfDir === undefined ? stopped : `${stopped}\n${await profileReport(o.cpuProfDir, pids, window)}`;
  };
  // Wait until the network closes ledgers (all validators connected and agreeing).
  const deadline = Date.now() + 60_000;
  for (;;) {
    const seqs = await Promise.all(ports.map(async (p) => Number(((await getJson(`http://127.0.0.1:${p}`, "/", 2000).catch(() => ({body: {}}))).body as {history_latest_ledger?: number}).history_latest_ledger ?? 0)));
    if (seqs.every((s) => s >= 3)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new BenchError(BenchErrorCode.NodeStartFailed, `the validators did not close 3 ledgers within 60 s (ledgers ${seqs.join(", ")})`);
    }
    await sleep(200);
  }
  const {body} = await getJson(`http://127.0.0.1:${ports[0]}`, "/", 5000);
  let before: NodeCounters[] = [];
  let threadsBefore: ThreadCpu[] = [];
  let began = 0;
  return {
    baseUrl: `http://127.0.0.1:${ports[0]}`,
    root: body as Record<string, unknown>,
    pids,
    stop,
    window: {
      begin: async () => {
        before = await Promise.all(ports.map((p, i) => counters(p, pids[i])));
        threadsBefore = pids.map((pid) => threadCpu(pid));
        began = performance.now();
        window.fromUs = profileClockUs();
      },
      end: async (committed: number) => {
        const seconds = (performance.now() - began) / 1000;
        window.toUs = profileClockUs();
        const after = await Promise.all(ports.map((p, i) => counters(p, pids[i])));
        splits.validators = pids.map((pid, i) => threadCpuDelta(threadsBefore[i] ?? new Map(), threadCpu(pid)));
        splits.committed = committed;
        const rows = after.map((a, i) => {
          const b = before[i]!;
          const ledgers = Math.max(1, a.ledgers - b.ledgers);
          const cpu = a.cpu - b.cpu;
          return [
            `validator ${i}${i === 0 ? " (receives the load)" : ""}`,
            `${cpu.toFixed(1)} s (${((100 * cpu) / seconds).toFixed(0)}% of a core)`,
            committed > 0 ? `${((cpu * 1e6) / committed).toFixed(0)} µs` : "n/a",
            String(a.ledgers - b.ledgers),
            ((a.scpEmitted - b.scpEmitted) / ledgers).toFixed(1),
            ((a.scpReceived - b.scpReceived) / ledgers).toFixed(1),
            formatNumber(a.txBodiesReceived - b.txBodiesReceived),
            i === 0 || committed === 0 ? "n/a" : ((a.txBodiesReceived - b.txBodiesReceived) / committed).toFixed(2),
            formatNumber((a.messagesSent - b.messagesSent) / ledgers),
            a.proposals > b.proposals ? `${(((a.proposeToExternalizeSeconds - b.proposeToExternalizeSeconds) * 1000) / (a.proposals - b.proposals)).toFixed(0)} ms` : "n/a",
            `${(((a.closeSeconds - b.closeSeconds) * 1000) / ledgers).toFixed(0)} ms`,
            a.stateWrites > b.stateWrites ? `${(((a.stateWriteSeconds - b.stateWriteSeconds) * 1000) / (a.stateWrites - b.stateWrites)).toFixed(1)} ms × ${((a.stateWrites - b.stateWrites) / ledgers).toFixed(1)}` : "n/a",
          ];
        });
        const header = ["where the time goes", "CPU over the load window", "CPU per committed tx", "ledgers closed", "SCP envelopes sent / ledger", "SCP envelopes received / ledger", "tx bodies received from peers", "bodies received / committed tx", "overlay messages sent / ledger", "proposal → externalize, mean", "ledger close (apply + commit), mean", "SCP state write: mean × writes / ledger"];
        const title = `Validators: per node over the ${seconds.toFixed(1)} s load window`;
        return {text: `== ${title} ==\n${textTable(header, rows)}`, markdown: `#### ${title}\n\n${markdownTable(header, rows)}\n`};
      },
    },
  };
}

/**
 * Where each validator's main thread spent the load window: top self times from the profiles the
 * processes write as they exit (file names carry the pid; thread 0 is the main thread).
 */
async function profileReport(dir: string, pids: number[], window: ProfileWindow): Promise<string> {
  const lines: string[] = [];
  for (const [i, pid] of pids.entries()) {
    let file: string | undefined;
    const deadline = Date.now() + 10_000;
    while (file === undefined && Date.now() < deadline) {
      file = existsSync(dir) ? readdirSync(dir).find((f) => f.includes(`.${pid}.0.`) && f.endsWith(".cpuprofile")) : undefined;
      if (file === undefined) await sleep(200);
    }
    if (file === undefined) {
      lines.push(`validator ${i}: no profile written (pid ${pid})`);
      continue;
    }
    const top = topSelfTime(readCpuProfile(join(dir, file)), 20, window);
    lines.push(`validator ${i} main thread, top self time over the load window (${join(dir, file)}):`);
    for (const t of top) lines.push(`  ${t.selfMs.toFixed(0).padStart(7)} ms ${(100 * t.share).toFixed(1).padStart(5)}%  ${t.frame}`);
  }
  return lines.join("\n");
}

export async function runValidatorsBench(e2e: E2eOptions, o: ValidatorsBenchOptions, print: (s: string) => void): Promise<{text: string; markdown: string; figures: {single?: E2eFigures; network?: E2eFigures}}> {
  const closeIntervalMs = 1000;
  if (o.cpuProfDir !== undefined) mkdirSync(o.cpuProfDir, {recursive: true});
  const base = {...e2e, payments: o.payments, closeIntervalMs};
  const singleSplits: Splits = {committed: 0, validators: []};
  const networkSplits: Splits = {committed: 0, validators: []};
  const single = await runE2eBench({
    ...base,
    label: `single node, the baseline of the ${o.nodes}-validator ratio`,
    // Started here rather than by the e2e bench so that its window can split its CPU by thread.
    ...(e2e.cpuProf ? {} : {target: (tmp: string) => startSingle(tmp, e2e, closeIntervalMs, singleSplits)}),
  });
  print(single.text);
  let markdown = single.markdown;
  const network = await runE2eBench({...base, label: `${o.nodes} validators as processes, threshold ${Math.floor((2 * o.nodes) / 3) + 1}, 1 s ledgers`, target: (tmp) => startValidators(tmp, o, closeIntervalMs, networkSplits)});
  print(network.text);
  markdown += network.markdown;
  const s = single.figures;
  const n = network.figures;
  const rows: string[][] = [];
  if (s !== undefined && n !== undefined) {
    rows.push(
      ["committed TPS, single node", formatNumber(s.committedTps), `${o.payments.toLocaleString("en-US")} payments, 1 s ledgers`],
      [`committed TPS, ${o.nodes} validators`, formatNumber(n.committedTps), "goal ≥ 3,500 (Stellar's best published: 3,437 on 7 nodes of 16 vCPU)"],
      [`${o.nodes} validators / single node`, formatRatio(n.committedTps / s.committedTps), "same load, same run"],
      ["submit→confirm p99, single / validators", `${s.p99Ms.toFixed(0)} / ${n.p99Ms.toFixed(0)} ms`, "as seen on the node that received the load"],
      ["CPU per committed tx, single / all validators", `${s.nodeCpuUsPerTx.toFixed(0)} / ${n.nodeCpuUsPerTx.toFixed(0)} µs`, `every validator applies every tx: ≥ ${o.nodes}× the work on the same cores`],
    );
  }
  const header = ["validators vs single node", "value", "detail"];
  let text = `\n== Validators vs single node ==\n${textTable(header, rows)}`;
  markdown += `### Validators vs single node\n\n${markdownTable(header, rows)}\n`;
  if (networkSplits.validators.length > 0) {
    const t = splitTable(singleSplits, networkSplits);
    text += `\n${t.text}`;
    markdown += `\n${t.markdown}`;
  }
  return {text, markdown, figures: {single: s, network: n}};
}

/**
 * `npm run bench`: micro benchmarks, the end-to-end run (optionally alternating with a baseline
 * build), disk per committed payment with and without history retention, a ledger of 1M accounts
 * and the kill -9 soak. Prints tables and rewrites RESULTS.md. Flags after `--`:
 *   --micro-only | --e2e-only          one part only
 *   --skip-micro --skip-e2e --skip-mixed --skip-validators --skip-paths --skip-quorum --skip-streams --skip-disk --skip-accounts --skip-soak
 *   --validators-payments N   payments per run of the validators part (default 20,000)
 *   --validators-cpu-prof DIR validators run under --cpu-prof into DIR; top self times per validator printed
 *   --mixed-runs N (3)                 mixed-load runs, each alternating with a payment-only run
 *   --paths-offers N (10,000) --paths-assets N (50) --paths-payments N (20,000)
 *   --e2e-runs N (3)                   end-to-end repeats; medians reported (one run varies ±15%)
 *   --baseline-dist DIR                also run the node of another build's dist/, alternating
 *   --disk-payments N (1,000,000) --disk-chunk N (100,000) --retention LEDGERS (100)
 *   --scale-accounts M (1,000,000) --scale-payments N (30,000) --scale-runs N (3)
 *   --soak-kills N (20)
 * and the end-to-end flags of e2e.ts (e.g. `--payments 5000 --cpu-prof`).
 */
import {performance} from "node:perf_hooks";
import {runE2eBench, parseE2eFlags, type E2eFigures} from "./e2e.js";
import {median, relativeSpread} from "./measure.js";
import {machineInfo, machineMarkdown} from "./machine.js";
import {runMicroBenches} from "./micro/index.js";
import {nodeMainOf} from "./node-process.js";
import {appendResults, formatNumber, formatRatio, markdownTable, RESULTS_PATH, sectionMarkdown, sectionText, startResults, textTable} from "./report.js";
import {parseScaleFlags, runAccountsBench, runDiskBench, withoutScaleFlags} from "./scale.js";
import {defaultPathBenchOptions, runPathBench} from "./paths.js";
import {runQuorumBench} from "./quorum.js";
import {defaultSoakOptions, runSoak} from "./soak.js";
import {runStreamsBench} from "./streams.js";
import {defaultValidatorsBenchOptions, runValidatorsBench} from "./validators.js";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const has = (flag: string): boolean => args.includes(flag);
  const valueOf = (flag: string): string | undefined => {
    const at = args.indexOf(flag);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const microOnly = has("--micro-only");
  const e2eOnly = has("--e2e-only");
  const e2eRuns = Number(valueOf("--e2e-runs") ?? 3);
  if (!Number.isInteger(e2eRuns) || e2eRuns < 1) throw new Error("--e2e-runs takes a whole number ≥ 1");
  const soakKills = Number(valueOf("--soak-kills") ?? defaultSoakOptions.kills);
  if (!Number.isInteger(soakKills) || soakKills < 0) throw new Error("--soak-kills takes a whole number ≥ 0");
  const baselineDist = valueOf("--baseline-dist");
  const baselineMain = baselineDist === undefined ? undefined : nodeMainOf(baselineDist);
  const mixedRuns = Number(valueOf("--mixed-runs") ?? 3);
  if (!Number.isInteger(mixedRuns) || mixedRuns < 1) throw new Error("--mixed-runs takes a whole number ≥ 1");
  const own = new Set(["--micro-only", "--e2e-only", "--skip-micro", "--skip-e2e", "--skip-soak", "--skip-paths", "--skip-quorum", "--skip-streams", "--skip-mixed", "--skip-validators"]);
  const ownWithValue = new Set(["--validators-payments", "--validators-cpu-prof", "--e2e-runs", "--mixed-runs", "--soak-kills", "--baseline-dist", "--paths-offers", "--paths-assets", "--paths-payments"]);
  const rest = withoutScaleFlags(args).filter((a, i, all) => !own.has(a) && !ownWithValue.has(a) && !ownWithValue.has(all[i - 1]));
  const e2eOptions = parseE2eFlags(rest);
  const scale = parseScaleFlags(args, e2eOptions);
  const only = microOnly || e2eOnly;
  const runMicro = !e2eOnly && !has("--skip-micro");
  const runE2e = !microOnly && !has("--skip-e2e");
  const runPaths = !only && !has("--skip-paths");
  const runQuorum = !only && !has("--skip-quorum");
  const runStreams = !only && !has("--skip-streams");
  const runMixed = !only && !has("--skip-mixed");
  const runValidators = !only && !has("--skip-validators");
  const runDisk = !only && !scale.skipDisk;
  const runAccounts = !only && !scale.skipAccounts;
  const runSoakPart = !only && !has("--skip-soak") && soakKills > 0;
  const started = performance.now();
  const print = (s: string): void => console.log(s);

  console.log(`Diamante Net benchmarks\n${machineMarkdown(machineInfo())}`);
  startResults("Diamante Net benchmark results");

  if (runMicro) {
    appendResults("## Micro benchmarks");
    await runMicroBenches((section) => {
      console.log(sectionText(section));
      appendResults(sectionMarkdown(section));
    });
  }

  /** A failed part is reported in the results and the exit code; the other parts still run. */
  const part = async (title: string, body: () => Promise<void>): Promise<void> => {
    appendResults(`## ${title}`);
    try {
      await body();
    } catch (err) {
      const meta = err instanceof Error && "meta" in err ? JSON.stringify((err as {meta: unknown}).meta, null, 2) : "";
      // fetch() reports only "fetch failed"; the socket error is its cause.
      const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : "";
      const msg = `${title} failed: ${err instanceof Error ? err.message : String(err)}${cause}`;
      console.error(`\n${msg}\n${meta}`);
      appendResults(`${msg}\n\n\`\`\`\n${meta}\n\`\`\``);
      process.exitCode = 1;
    }
  };

  if (runE2e) {
    await part("End-to-end", async () => {
      const builds: {label: string; nodeMain?: string}[] = baselineMain
        ? [{label: "baseline", nodeMain: baselineMain}, {label: "current"}]
        : [{label: ""}];
      const figures = new Map<string, E2eFigures[]>(builds.map((b) => [b.label, []]));
      for (let r = 0; r < e2eRuns; r++) {
        // Builds alternate run by run, so a neighbour's burst on the shared box hits both alike.
        for (const b of builds) {
          const e2e = await runE2eBench({...e2eOptions, label: b.label ? `${b.label} build` : undefined, nodeMain: b.nodeMain});
          console.log(e2e.text);
          appendResults(e2e.markdown);
          if (e2e.skipped) return;
          if (e2e.figures) figures.get(b.label)!.push(e2e.figures);
        }
      }
      for (const b of builds) {
        const f = figures.get(b.label)!;
        if (f.length < 2 && !baselineMain) continue;
        const summary = e2eSummary(f);
        const title = `End-to-end${b.label ? ` (${b.label} build)` : ""}, median of ${f.length} runs`;
        console.log(`\n== ${title} ==\n${textTable(summary.header, summary.rows)}`);
        appendResults(`### ${title}\n\n${markdownTable(summary.header, summary.rows)}\n`);
      }
      if (baselineMain) {
        const tps = (label: string): number => median(figures.get(label)!.map((f) => f.committedTps));
        const cpu = (label: string): number => median(figures.get(label)!.map((f) => f.nodeCpuUsPerTx));
        const rows = [
          ["committed TPS, baseline build", formatNumber(tps("baseline")), baselineMain],
          ["committed TPS, current build", formatNumber(tps("current")), "this checkout"],
          ["current / baseline", formatRatio(tps("current") / tps("baseline")), `medians of ${e2eRuns} alternating runs each`],
          ["node CPU per tx, current / baseline", formatRatio(cpu("current") / cpu("baseline")), "below 1: cheaper per payment"],
        ];
        const header = ["before and after", "value", "detail"];
        console.log(`\n== Payment TPS, baseline vs current ==\n${textTable(header, rows)}`);
        appendResults(`### Payment TPS, baseline vs current\n\n${markdownTable(header, rows)}\n`);
      }
    });
  }

  if (runMixed) {
    await part("Mixed load (issue 6)", async () => {
      const figures = {payments: [] as E2eFigures[], mixed: [] as E2eFigures[]};
      // The mixed load plans its txs as one market and has no warm-up: neither run of a pair gets one.
      const {warmupPayments: _notForMixed, ...unwarmed} = e2eOptions;
      for (let r = 0; r < mixedRuns; r++) {
        // Payment-only and mixed runs alternate, so a neighbour's burst on the shared box hits both alike.
        for (const load of ["payments", "mixed"] as const) {
          const e2e = await runE2eBench({...unwarmed, load, label: load === "mixed" ? "mixed load" : "payment-only, for the mixed ratio"});
          console.log(e2e.text);
          appendResults(e2e.markdown);
          if (e2e.skipped) return;
          if (e2e.figures) figures[load].push(e2e.figures);
        }
      }
      const tps = (f: E2eFigures[]): number => median(f.map((x) => x.committedTps));
      const cpu = (f: E2eFigures[]): number => median(f.map((x) => x.nodeCpuUsPerTx));
      const mixedTps = tps(figures.mixed);
      const paymentTps = tps(figures.payments);
      const runs = (f: E2eFigures[]): string => f.map((x) => x.committedTps.toFixed(0)).join(", ");
      const rows = [
        ["payment-only committed TPS", formatNumber(paymentTps), `median of ${figures.payments.length}: ${runs(figures.payments)}`],
        ["mixed committed TPS", formatNumber(mixedTps), `median of ${figures.mixed.length}: ${runs(figures.mixed)}; goal ≥ 3,000`],
        ["mixed / payment-only", formatRatio(mixedTps / paymentTps), "goal ≥ 0.6"],
        ["node CPU per tx, payment-only", `${cpu(figures.payments).toFixed(0)} µs`, "all node threads, medians"],
        ["node CPU per tx, mixed", `${cpu(figures.mixed).toFixed(0)} µs`, "the steadier figure on a loaded box"],
        ["CPU per tx, mixed / payment-only", formatRatio(cpu(figures.mixed) / cpu(figures.payments)), ""],
        ["submit HTTP p99, payment-only / mixed", `${median(figures.payments.map((x) => x.submitHttpP99Ms)).toFixed(0)} / ${median(figures.mixed.map((x) => x.submitHttpP99Ms)).toFixed(0)} ms`, "medians"],
        ["node event-loop delay p99, payment-only / mixed", `${median(figures.payments.map((x) => x.loopP99Ms)).toFixed(1)} / ${median(figures.mixed.map((x) => x.loopP99Ms)).toFixed(1)} ms`, "main thread, medians"],
      ];
      const header = ["mixed load (50% payments, 30% offers, 20% path payments)", "value", "detail"];
      console.log(`\n== Mixed load vs payment-only ==\n${textTable(header, rows)}`);
      appendResults(`### Mixed load vs payment-only\n\n${markdownTable(header, rows)}\n`);
    });
  }

  if (runValidators) {
    await part("Validators (issue 7)", async () => {
      const payments = Number(valueOf("--validators-payments") ?? defaultValidatorsBenchOptions.payments);
      if (!Number.isInteger(payments) || payments < 1) throw new Error("--validators-payments takes a whole number ≥ 1");
      const cpuProfDir = valueOf("--validators-cpu-prof");
      const r = await runValidatorsBench(e2eOptions, {...defaultValidatorsBenchOptions, payments, ...(cpuProfDir !== undefined ? {cpuProfDir} : {})}, print);
      console.log(r.text);
      appendResults(r.markdown);
    });
  }

  if (runPaths) {
    await part("Path finding", async () => {
      const num = (flag: string, d: number): number => Number(valueOf(flag) ?? d);
      const r = await runPathBench(
        {
          ...defaultPathBenchOptions,
          offers: num("--paths-offers", defaultPathBenchOptions.offers),
          assets: num("--paths-assets", defaultPathBenchOptions.assets),
          payments: num("--paths-payments", defaultPathBenchOptions.payments),
        },
        e2eOptions,
      );
      console.log(r.text);
      appendResults(r.markdown);
    });
  }
  if (runQuorum) {
    await part("Quorum analysis", async () => {
      const r = await runQuorumBench(print);
      console.log(r.text);
      appendResults(r.markdown);
    });
  }
  if (runStreams) {
    await part("Streams", async () => {
      const r = await runStreamsBench(e2eOptions);
      console.log(r.text);
      appendResults(r.markdown);
    });
  }
  if (runDisk) await part("Disk per committed payment", async () => appendResults((await runDiskBench(scale, print)).markdown));
  if (runAccounts) await part("Ledger of many accounts", async () => appendResults((await runAccountsBench(scale, print)).markdown));
  if (runSoakPart) {
    await part("kill -9 soak", async () => {
      const report = await runSoak({...defaultSoakOptions, kills: soakKills}, print);
      console.log(report.text);
      appendResults(report.markdown);
      if (!report.ok) throw new Error("an acknowledged tx was missing, a header chain broke or ledgers stopped closing after a restart");
    });
  }

  console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(0)} s. Results written to ${RESULTS_PATH}`);
}

/** Medians of the headline figures over the e2e runs, with their spread and the 3,000 tx/s target. */
function e2eSummary(figures: E2eFigures[]): {header: string[]; rows: string[][]} {
  const row = (name: string, pick: (f: E2eFigures) => number, unit: string, digits = 0): string[] => {
    const values = figures.map(pick).filter(Number.isFinite);
    if (values.length === 0) return [name, "n/a", ""];
    const m = median(values);
    return [name, `${m.toFixed(digits)} ${unit}`, `±${(relativeSpread(values) * 100).toFixed(1)}%; runs: ${values.map((v) => v.toFixed(digits)).join(", ")}`];
  };
  const committed = median(figures.map((f) => f.committedTps));
  return {
    header: ["end-to-end (median)", "value", "spread and runs"],
    rows: [
      row("accepted TPS", (f) => f.acceptedTps, "tx/s"),
      row("committed TPS", (f) => f.committedTps, "tx/s"),
      ["committed vs 3,000 tx/s target", `${(committed / 3000).toFixed(2)}x`, "target from the whitepaper's 4-core figure"],
      row("submit→ledger p50", (f) => f.p50Ms, "ms"),
      row("submit→ledger p99", (f) => f.p99Ms, "ms"),
      row("node CPU per committed tx", (f) => f.nodeCpuUsPerTx, "µs"),
      row("submit HTTP p99", (f) => f.submitHttpP99Ms, "ms"),
      row("node event-loop delay p99", (f) => f.loopP99Ms, "ms", 1),
    ],
  };
}

await main();

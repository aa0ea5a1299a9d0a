/**
 * `npm run bench`: micro benchmarks, then the end-to-end run against the node (skipped with a
 * message when dist/src/cli/main.js is not built). Prints tables and rewrites RESULTS.md.
 * Flags after `--` go to the e2e run (e.g. `npm run bench -- --payments 5000 --cpu-prof`);
 * `--micro-only` / `--e2e-only` pick one half; `--e2e-runs N` (default 3) repeats the end-to-end
 * run and reports medians, since one run on a shared 2-core box varies by ±15%.
 */
import {performance} from "node:perf_hooks";
import {runE2eBench, parseE2eFlags, type E2eFigures} from "./e2e.js";
import {median, relativeSpread} from "./measure.js";
import {machineInfo, machineMarkdown} from "./machine.js";
import {runMicroBenches} from "./micro/index.js";
import {appendResults, markdownTable, RESULTS_PATH, sectionMarkdown, sectionText, startResults, textTable} from "./report.js";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const microOnly = args.includes("--micro-only");
  const e2eOnly = args.includes("--e2e-only");
  const runsAt = args.indexOf("--e2e-runs");
  const e2eRuns = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
  if (!Number.isInteger(e2eRuns) || e2eRuns < 1) throw new Error("--e2e-runs takes a whole number ≥ 1");
  const rest = args.filter((a, i) => a !== "--micro-only" && a !== "--e2e-only" && i !== runsAt && i !== runsAt + 1);
  const e2eOptions = parseE2eFlags(rest);
  const started = performance.now();

  console.log(`Diamante Net benchmarks\n${machineMarkdown(machineInfo())}`);
  startResults("Diamante Net benchmark results");

  if (!e2eOnly) {
    appendResults("## Micro benchmarks");
    await runMicroBenches((section) => {
      console.log(sectionText(section));
      appendResults(sectionMarkdown(section));
    });
  }

  if (!microOnly) {
    appendResults("## End-to-end");
    try {
      const figures: E2eFigures[] = [];
      for (let r = 0; r < e2eRuns; r++) {
        const e2e = await runE2eBench(e2eOptions);
        console.log(e2e.text);
        appendResults(e2e.markdown);
        if (e2e.figures) figures.push(e2e.figures);
        if (e2e.skipped) break;
      }
      if (figures.length > 1) {
        const summary = e2eSummary(figures);
        console.log(`\n== End-to-end, median of ${figures.length} runs ==\n${textTable(summary.header, summary.rows)}`);
        appendResults(`### End-to-end, median of ${figures.length} runs\n\n${markdownTable(summary.header, summary.rows)}\n`);
      }
    } catch (err) {
      // Keep the micro figures: report the e2e failure in the results instead of losing the run.
      const meta = err instanceof Error && "meta" in err ? JSON.stringify((err as {meta: unknown}).meta, null, 2) : "";
      const msg = `e2e failed: ${err instanceof Error ? err.message : String(err)}`;
      console.error(`\n${msg}\n${meta}`);
      appendResults(`${msg}\n\n\`\`\`\n${meta}\n\`\`\``);
      process.exitCode = 1;
    }
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
    ],
  };
}

await main();

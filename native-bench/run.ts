/**
 * `npm run bench`: micro benchmarks, then the end-to-end run against the node (skipped with a
 * message when dist/src/cli/main.js is not built). Prints tables and rewrites RESULTS.md.
 * Flags after `--` go to the e2e run (e.g. `npm run bench -- --payments 5000 --cpu-prof`);
 * `--micro-only` / `--e2e-only` pick one half.
 */
import {performance} from "node:perf_hooks";
import {runE2eBench, parseE2eFlags} from "./e2e.js";
import {machineInfo, machineMarkdown} from "./machine.js";
import {runMicroBenches} from "./micro/index.js";
import {appendResults, RESULTS_PATH, sectionMarkdown, sectionText, startResults} from "./report.js";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const microOnly = args.includes("--micro-only");
  const e2eOnly = args.includes("--e2e-only");
  const e2eOptions = parseE2eFlags(args.filter((a) => a !== "--micro-only" && a !== "--e2e-only"));
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
      const e2e = await runE2eBench(e2eOptions);
      console.log(e2e.text);
      appendResults(e2e.markdown);
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

await main();

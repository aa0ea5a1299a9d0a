/**
 * Quorum analysis time on the real-network crawls (`diamante quorum check` and GET /quorum run
 * `analyzeFbas`): wall and CPU time per crawl, median of a few runs, with the figures it finds.
 * The goal from issue 7 is under 10 s per crawl on the 2-core box.
 */
import {readFileSync, readdirSync} from "node:fs";
import {join, resolve} from "node:path";
import {performance} from "node:perf_hooks";
import {analyzeFbas} from "../src/scp/analysis.js";
import {parseStellarbeatNodes, type StellarbeatNode} from "../src/scp/stellarbeat.js";
import {median} from "./measure.js";
import {markdownTable, textTable} from "./report.js";

/** Read relative to the repository root, which `npm run bench` runs in. */
const SNAPSHOTS = "../shared/fbas-snapshots";
/** Three runs: the first pays for JIT warm-up, the median hides one disturbed run on a shared box. */
const RUNS = 3;

export async function runQuorumBench(print: (s: string) => void): Promise<{text: string; markdown: string}> {
  const dir = resolve(SNAPSHOTS);
  const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  const header = ["crawl", "validators", "intersection", "top tier", "minimal quorums", "minimal blocking sets", "wall ms (median)", "CPU ms (median)"];
  const rows: string[][] = [];
  for (const f of files) {
    const fbas = parseStellarbeatNodes(JSON.parse(readFileSync(join(dir, f), "utf8")) as StellarbeatNode[]);
    const walls: number[] = [];
    const cpus: number[] = [];
    let a = analyzeFbas(fbas);
    for (let i = 0; i < RUNS; i++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      a = analyzeFbas(fbas);
      walls.push(performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      cpus.push((cpu.user + cpu.system) / 1000);
    }
    rows.push([
      f.replace(/\.json$/, ""),
      String(fbas.size),
      a.intersection ? "yes" : "no",
      String(a.topTier.length),
      String(a.minimalQuorums.length),
      String(a.minimalBlockingSets.length),
      median(walls).toFixed(0),
      median(cpus).toFixed(0),
    ]);
    print(`quorum analysis ${f}: ${median(walls).toFixed(0)} ms`);
  }
  const note = `Each crawl analysed once to warm up, then ${RUNS} times; goal: under 10,000 ms each.`;
  return {
    text: `\n== Quorum analysis ==\n${textTable(header, rows)}\n  ${note}\n`,
    markdown: `### Quorum analysis\n\n${markdownTable(header, rows)}\n\n- ${note}\n`,
  };
}

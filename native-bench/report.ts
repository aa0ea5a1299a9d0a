/**
 * Printing and RESULTS.md. The console gets aligned text tables; RESULTS.md gets the same figures
 * as Markdown, plus the machine they were measured on.
 */
import {appendFileSync, existsSync, writeFileSync} from "node:fs";
import {fileURLToPath} from "node:url";
import {machineInfo, machineMarkdown} from "./machine.js";
import {baselineOf, ratioToBaseline, relativeSpread, type Section} from "./measure.js";

/** native-bench/RESULTS.md in the source tree (this file runs from dist/native-bench/). */
export const RESULTS_PATH = fileURLToPath(new URL("../../native-bench/RESULTS.md", import.meta.url));

/** Three significant digits with thousands separators: 1234567 → "1,230,000", 0.01234 → "0.0123". */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  if (value === 0) return "0";
  const digits = Math.floor(Math.log10(Math.abs(value))) + 1;
  const rounded = Number(value.toPrecision(3));
  return rounded.toLocaleString("en-US", {maximumFractionDigits: Math.max(0, 3 - digits)});
}

export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  if (value >= 10) return `${value.toFixed(0)}x`;
  // Below 0.01 two decimals would print 0.00x; keep two significant digits instead.
  return value >= 0.01 ? `${value.toFixed(2)}x` : `${Number(value.toPrecision(2))}x`;
}

interface Row {
  cells: string[];
}

function sectionRows(section: Section): {header: string[]; rows: Row[]} {
  const header = ["benchmark", "ops/s (median)", "ratio", "vs baseline", "spread", "note"];
  const rows = section.figures.map((f) => ({
    cells: [
      f.name,
      formatNumber(f.opsPerSec),
      formatRatio(ratioToBaseline(section, f)),
      baselineOf(section, f),
      `±${(relativeSpread(f.runs) * 50).toFixed(1)}%`,
      f.note ?? "",
    ],
  }));
  return {header, rows};
}

/** Numbers, ratios and percentages are right-aligned; names left-aligned. */
function isNumeric(cell: string): boolean {
  return /^[±~]?[\d,.]+(x|%| ms| µs)?$/.test(cell) || cell === "n/a";
}

/** Aligned plain-text table of any rows, for the console. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (isNumeric(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function markdownTable(header: string[], rows: string[][]): string {
  const esc = (c: string): string => c.replace(/\|/g, "\\|");
  return [
    `| ${header.map(esc).join(" | ")} |`,
    `|${header.map(() => " --- ").join("|")}|`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

export function sectionText(section: Section): string {
  const {header, rows} = sectionRows(section);
  const notes = section.notes.map((n) => `  ${n}`).join("\n");
  return `\n== ${section.title} ==\n${textTable(header, rows.map((r) => r.cells))}${notes ? `\n${notes}` : ""}\n`;
}

export function sectionMarkdown(section: Section): string {
  const {header, rows} = sectionRows(section);
  const notes = section.notes.map((n) => `- ${n}`).join("\n");
  return `### ${section.title}\n\n${markdownTable(header, rows.map((r) => r.cells))}\n${notes ? `\n${notes}\n` : ""}`;
}

/** Starts RESULTS.md afresh with the machine description (one file per full `npm run bench`). */
export function startResults(title: string, path = RESULTS_PATH): void {
  const text = [
    `# ${title}`,
    "",
    "Written by `npm run bench` (native-bench/run.ts). Figures are medians of several runs in one",
    "process; ratios compare against a baseline measured in the same run. Spread is ±half of",
    "(max − min)/median over the runs. Nothing here is asserted: these are measurements.",
    "",
    "## Machine",
    "",
    machineMarkdown(machineInfo()),
    "",
  ].join("\n");
  writeFileSync(path, text);
}

/** Appends a block to RESULTS.md, first writing the machine header if the file is new. */
export function appendResults(markdown: string, path = RESULTS_PATH): void {
  if (!existsSync(path)) startResults("Benchmark results", path);
  appendFileSync(path, `\n${markdown.trimEnd()}\n`);
}

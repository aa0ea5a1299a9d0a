/**
 * Reads a V8 .cpuprofile (written by `node --cpu-prof`) and ranks functions by self time, the
 * time spent in the function's own code: "where the time goes".
 */
import {readFileSync} from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  /** "functionName file:line" (1-based line), or a V8 pseudo-frame such as "(garbage collector)". */
  frame: string;
  selfMs: number;
  /** Share of all sampled time, 0..1. */
  share: number;
}

function frameLabel(cf: CallFrame): string {
  const name = cf.functionName === "" ? "(anonymous)" : cf.functionName;
  if (cf.url === "") return name;
  const file = cf.url.replace(/^file:\/\//, "").replace(/^.*\/node_modules\//, "node_modules/");
  const short = file.startsWith("node_modules/") ? file : file.replace(/^.*\/dist\//, "dist/");
  return `${name} ${short}:${cf.lineNumber + 1}`;
}

/**
 * A span of a profile in V8's clock (microseconds of the monotonic clock, the one
 * `process.hrtime` reads on Linux), so a profile can be cut to the part a benchmark measured.
 */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** Now, in the clock of `ProfileWindow`. */
export function profileClockUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Self time per function, summed over every node with the same frame (one function appears in
 * many call paths). Sample timing comes from `samples`/`timeDeltas` when present (exact
 * per-sample intervals); otherwise hit counts are scaled to the profile's duration. With `window`,
 * only samples taken inside it count (per-sample timing only).
 */
export function topSelfTime(profile: CpuProfile, count: number, window?: ProfileWindow): SelfTime[] {
  const microsById = new Map<number, number>();
  if (profile.samples !== undefined && profile.timeDeltas !== undefined && profile.samples.length > 0) {
    // timeDeltas[i] is the gap before sample i; the time until the next sample belongs to sample i.
    let at = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      at += profile.timeDeltas[i] ?? 0;
      if (window !== undefined && (at < window.fromUs || at > window.toUs)) continue;
      const gap = profile.timeDeltas[i + 1] ?? 0;
      microsById.set(profile.samples[i], (microsById.get(profile.samples[i]) ?? 0) + Math.max(0, gap));
    }
  } else {
    const hits = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
    const perHit = hits > 0 ? (profile.endTime - profile.startTime) / hits : 0;
    for (const n of profile.nodes) microsById.set(n.id, (n.hitCount ?? 0) * perHit);
  }
  const byFrame = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const micros = microsById.get(n.id) ?? 0;
    if (micros === 0) continue;
    const label = frameLabel(n.callFrame);
    byFrame.set(label, (byFrame.get(label) ?? 0) + micros);
    total += micros;
  }
  return [...byFrame.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, micros]) => ({frame, selfMs: micros / 1000, share: total > 0 ? micros / total : 0}));
}

export function readCpuProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
}

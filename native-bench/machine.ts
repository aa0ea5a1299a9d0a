/** What the figures were measured on: without it a figure cannot be compared with another. */
import {readFileSync} from "node:fs";
import os from "node:os";

export interface MachineInfo {
  cpuModel: string;
  /** Logical cores the OS reports. */
  cores: number;
  node: string;
  platform: string;
  /** Total memory, GiB. */
  memoryGiB: number;
  /** ISO date-time of the run. */
  date: string;
  /** 1-minute load average when the run started: above ~0.5 on 2 cores, figures are depressed. */
  loadAverage1m: number;
}

/** CPU model from /proc/cpuinfo (Linux), falling back to `os.cpus()` elsewhere. */
function cpuModelName(): string {
  try {
    const text = readFileSync("/proc/cpuinfo", "utf8");
    const line = text.split("\n").find((l) => l.startsWith("model name"));
    if (line !== undefined) return line.slice(line.indexOf(":") + 1).trim();
  } catch {
    // Not Linux: os.cpus() below still names the model on macOS and Windows.
  }
  return os.cpus()[0]?.model ?? "unknown";
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpuModelName(),
    cores: os.availableParallelism(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    date: new Date().toISOString(),
    loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

export function machineMarkdown(info: MachineInfo): string {
  return [
    `- CPU: ${info.cpuModel}`,
    `- Cores: ${info.cores}`,
    `- Node: ${info.node}`,
    `- OS: ${info.platform}, ${info.memoryGiB} GiB RAM`,
    `- Date: ${info.date}`,
    `- Load average (1 min) at start: ${info.loadAverage1m}`,
  ].join("\n");
}

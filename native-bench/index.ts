/** The benchmark harness by name, for tools (e.g. tuning sweeps) that drive it programmatically. */
export {BenchError, BenchErrorCode} from "./errors.js";
export {defaultE2eOptions, defaultMicroOptions, MAX_OPS_PER_TX, type E2eOptions, type MicroOptions} from "./options.js";
export {
  baselineOf,
  isEntryPoint,
  measureAsync,
  measureSelfTimed,
  measureSync,
  median,
  ratioToBaseline,
  relativeSpread,
  type Figure,
  type Section,
  type TimedRun,
} from "./measure.js";
export {machineInfo, machineMarkdown, type MachineInfo} from "./machine.js";
export {appendResults, RESULTS_PATH, sectionMarkdown, sectionText, startResults} from "./report.js";
export {readCpuProfile, topSelfTime, type SelfTime} from "./cpu-profile.js";
export {parseE2eFlags, runE2eBench, type E2eResult} from "./e2e.js";
export {runMicroBenches} from "./micro/index.js";

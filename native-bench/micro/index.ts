/** All micro benchmarks, in the order run.ts prints them. Each module also runs alone. */
import type {Section} from "../measure.js";
import {defaultMicroOptions, type MicroOptions} from "../options.js";
import {runEd25519Bench} from "./ed25519-verify.js";
import {runLmdbBench} from "./lmdb-store.js";
import {runMsgpackBench} from "./msgpack-json.js";
import {runOfferCrossingBench} from "./offer-crossing.js";
import {runPiscinaBench} from "./piscina-verify.js";
import {runXdrBench} from "./xdr-decode.js";

export {runEd25519Bench, runLmdbBench, runMsgpackBench, runOfferCrossingBench, runPiscinaBench, runXdrBench};

/** Runs every micro benchmark in sequence, handing each finished section to `onSection`. */
export async function runMicroBenches(
  onSection: (section: Section) => void,
  opts: MicroOptions = defaultMicroOptions,
): Promise<Section[]> {
  const sections: Section[] = [];
  const benches: (() => Promise<Section> | Section)[] = [
    () => runEd25519Bench(opts),
    () => runMsgpackBench(opts),
    () => runXdrBench(opts),
    () => runLmdbBench(opts),
    () => runPiscinaBench(opts),
    () => runOfferCrossingBench(opts),
  ];
  for (const bench of benches) {
    const section = await bench();
    sections.push(section);
    onSection(section);
  }
  return sections;
}

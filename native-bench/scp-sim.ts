/**
 * Soak of the seeded SCP simulation: the CI test runs seeds 1..N per scenario (see
 * test/unit/scp/simulation-seeded.test.ts); this runs many more, longer (more slots), and
 * prints any failing seed, which replays exactly.
 *
 *   node dist/native-bench/scp-sim.js [seedsPerScenario=2000] [slots=4] [firstSeed=1000]
 */
import {runSeed, scenarios} from "../test/unit/scp/sim-topologies.js";

const seeds = Number(process.argv[2] ?? 2000);
const slots = Number(process.argv[3] ?? 4);
const first = Number(process.argv[4] ?? 1000);
let failures = 0;
for (const sc of scenarios) {
  const start = Date.now();
  for (let seed = first; seed < first + seeds; seed++) {
    const problems = runSeed(sc, seed, {slots});
    for (const p of problems) console.log(p);
    if (problems.length > 0) failures++;
  }
  console.log(`${sc.name}: ${seeds} seeds x ${slots} slots in ${((Date.now() - start) / 1000).toFixed(1)} s`);
}
console.log(failures === 0 ? "no divergence, every intact node externalized every slot" : `${failures} failing seeds`);
process.exitCode = failures === 0 ? 0 : 1;

import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Simulation, defaultSimOptions} from "./sim.js";
import {nodesOf, runSeed, scenarios, symmetricTopology} from "./sim-topologies.js";

/**
 * Seeded simulations (≥ 500 seeds in all): each seed picks the fault pattern, the message
 * delays, drops (until loss stops at 4 s), duplicates and whether envelopes are re-flooded.
 * Asserted for every seed: no two intact nodes externalize different values for a slot, and
 * every intact node externalizes every slot. A failing seed is printed and replays exactly.
 */

describe("SCP seeded simulation", () => {
  for (const sc of scenarios) {
    it(`${sc.name}: ${sc.seeds} seeds agree and all intact nodes externalize`, () => {
      const problems: string[] = [];
      for (let seed = 1; seed <= sc.seeds; seed++) problems.push(...runSeed(sc, seed));
      assert.deepEqual(problems, []);
    });
  }

  it("an equivocator really sends different votes to different peers (the scenario is not vacuous)", () => {
    const sc = scenarios[0]!;
    const sim = new Simulation(nodesOf(sc.qsets(), {0: "equivocator"}), {...defaultSimOptions, seed: 7, dropRate: 0});
    const seen = sim.observeStatementsOf(0);
    sim.run(sim.intactNodes());
    const values = new Set([...seen].map((v) => v));
    assert.ok(values.size >= 2, `peers saw ${values.size} distinct nominations from the equivocator`);
  });

  it("without a quorum of intact nodes nobody externalizes, and nobody diverges", () => {
    // 4 nodes threshold 3 with two crashed: no quorum is left.
    const sim = new Simulation(nodesOf(symmetricTopology(4, 3), {2: "crashed", 3: "crashed"}), {...defaultSimOptions, seed: 3, maxTimeMs: 120_000});
    const r = sim.run(sim.intactNodes().length > 0 ? sim.intactNodes() : [...sim.honestExternalized().keys()]);
    for (const m of r.externalized.values()) assert.equal(m.size, 0);
  });
});

import type {Keypair} from "@stellar/stellar-base";
import type {QuorumSet} from "../../../src/scp/index.js";
import {testKeypair} from "./harness.js";
import {Simulation, checkRun, defaultSimOptions, type Behaviour, type SimNode, type SimOptions} from "./sim.js";

/** Node keys of the simulations: index i is always the same key. */
export const simKeys: Keypair[] = Array.from({length: 10}, (_, i) => testKeypair(200 + i));
const id = (i: number): string => simKeys[i]!.publicKey();

/** n nodes, each with the quorum set {threshold: all n}. */
export function symmetricTopology(n: number, threshold: number): QuorumSet[] {
  const qset: QuorumSet = {threshold, validators: Array.from({length: n}, (_, i) => id(i)), innerSets: []};
  return Array.from({length: n}, () => qset);
}

/**
 * Whitepaper Figure 3 (tiered): top tier v1..v4 (indexes 0..3) any 3 of 4; middle tier v5..v8
 * (4..7) itself plus 2 of the top tier; leaf tier v9, v10 (8, 9) itself plus 2 of the middle.
 */
export function fig3Topology(): QuorumSet[] {
  const top = [0, 1, 2, 3].map(id);
  const middle = [4, 5, 6, 7].map(id);
  const qsets: QuorumSet[] = [];
  for (let i = 0; i < 4; i++) qsets.push({threshold: 3, validators: top, innerSets: []});
  for (let i = 4; i < 8; i++) qsets.push({threshold: 2, validators: [id(i)], innerSets: [{threshold: 2, validators: top, innerSets: []}]});
  for (let i = 8; i < 10; i++) qsets.push({threshold: 2, validators: [id(i)], innerSets: [{threshold: 2, validators: middle, innerSets: []}]});
  return qsets;
}

export function nodesOf(qsets: QuorumSet[], behaviours: Record<number, Behaviour> = {}): SimNode[] {
  return qsets.map((qset, i) => ({kp: simKeys[i]!, qset, behaviour: behaviours[i] ?? "honest"}));
}

export interface Scenario {
  name: string;
  qsets: () => QuorumSet[];
  seeds: number;
  /** Fault patterns cycled through by seed: node index → behaviour. */
  faults: Array<Record<number, Behaviour>>;
}

export const scenarios: Scenario[] = [
  {
    name: "4 nodes, threshold 3",
    qsets: () => symmetricTopology(4, 3),
    seeds: 250,
    faults: [{}, {3: "crashed"}, {0: "equivocator"}, {2: "equivocator"}],
  },
  {
    name: "whitepaper Fig. 3 tiered system",
    qsets: fig3Topology,
    seeds: 100,
    faults: [{}, {0: "equivocator"}, {5: "crashed"}, {3: "equivocator", 7: "crashed"}, {8: "equivocator"}],
  },
  {
    name: "7 nodes, threshold 5",
    qsets: () => symmetricTopology(7, 5),
    seeds: 150,
    faults: [{}, {1: "crashed", 4: "crashed"}, {0: "equivocator"}, {2: "equivocator", 6: "crashed"}, {3: "equivocator", 5: "equivocator"}],
  },
];

/** Intact nodes per scenario and fault pattern (the D-set enumeration is the costly part). */
const intactCache = new Map<string, string[]>();

/** Runs one seed and returns what went wrong (empty when all is well). */
export function runSeed(sc: Scenario, seed: number, overrides: Partial<SimOptions> = {}): string[] {
  const faultIndex = seed % sc.faults.length;
  const faults = sc.faults[faultIndex]!;
  // Re-flooding multiplies messages by the node count: every fourth seed, to keep CI quick.
  const opts: SimOptions = {...defaultSimOptions, seed, relay: seed % 4 === 1, ...overrides};
  const sim = new Simulation(nodesOf(sc.qsets(), faults), opts);
  const key = `${sc.name}/${faultIndex}`;
  const intact = intactCache.get(key) ?? sim.intactNodes();
  intactCache.set(key, intact);
  const result = sim.run(intact);
  return checkRun(result, opts.slots).map((p) => `${sc.name} seed ${seed} faults ${JSON.stringify(faults)}: ${p}`);
}


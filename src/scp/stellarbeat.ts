import type {Fbas} from "./quorum.js";
import type {NodeId, QuorumSet} from "./types.js";

/** One node of a stellarbeat.io crawl (only the fields quorum analysis needs). */
export interface StellarbeatNode {
  publicKey: string;
  name?: string;
  isValidator?: boolean;
  quorumSet?: StellarbeatQuorumSet | null;
}

interface StellarbeatQuorumSet {
  threshold: number;
  validators?: string[];
  innerQuorumSets?: StellarbeatQuorumSet[];
}

function toQuorumSet(q: StellarbeatQuorumSet): QuorumSet {
  return {
    threshold: q.threshold,
    validators: [...(q.validators ?? [])],
    innerSets: (q.innerQuorumSets ?? []).map(toQuorumSet),
  };
}

/**
 * Builds the FBAS of a stellarbeat node list, keeping validators only. Older crawls lack
 * `isValidator`; there a node counts as a validator when it publishes a quorum set whose
 * threshold can be met. Crawlers record non-validators with an unmeetable placeholder set
 * (threshold 2^53 − 1, no members), which is dropped as well.
 */
export function parseStellarbeatNodes(nodes: StellarbeatNode[]): Fbas {
  const fbas: Fbas = new Map<NodeId, QuorumSet>();
  for (const n of nodes) {
    const q = n.quorumSet;
    if (!q || n.isValidator === false) continue;
    const members = (q.validators?.length ?? 0) + (q.innerQuorumSets?.length ?? 0);
    if (!(q.threshold >= 1 && q.threshold <= members)) continue;
    fbas.set(n.publicKey, toQuorumSet(q));
  }
  return fbas;
}

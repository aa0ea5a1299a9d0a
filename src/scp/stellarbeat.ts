import {ScpError, ScpErrorCode} from "./errors.js";
import {checkQuorumSetSanity, type Fbas} from "./quorum.js";
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

/** An FBAS read from a file, with what a report needs to name its nodes. */
export interface LoadedFbas {
  fbas: Fbas;
  /** Display names where the input gives them (stellarbeat `name`). */
  names: Map<NodeId, string>;
  /** Nodes whose quorum set the input does not give and that were assumed to share the config's. */
  assumed: NodeId[];
  kind: "stellarbeat" | "config";
}

function invalid(message: string, meta?: Record<string, unknown>): ScpError {
  return new ScpError(ScpErrorCode.InvalidArgument, message, meta);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A quorum set in either spelling: ours (`innerSets`) or stellarbeat's (`innerQuorumSets`);
 * validators are node ids. Checked for shape here and for sanity by the caller.
 */
function readQuorumSet(v: unknown, where: string): QuorumSet {
  if (!isObject(v)) throw invalid(`${where}: quorum set must be an object`);
  const {threshold} = v;
  if (typeof threshold !== "number" || !Number.isInteger(threshold)) throw invalid(`${where}: threshold must be an integer`);
  const validators = v.validators ?? [];
  if (!Array.isArray(validators) || !validators.every((x) => typeof x === "string" && x.length > 0)) {
    throw invalid(`${where}: validators must be a list of node ids`);
  }
  const inner = v.innerSets ?? v.innerQuorumSets ?? [];
  if (!Array.isArray(inner)) throw invalid(`${where}: inner sets must be a list`);
  return {threshold, validators: [...(validators as string[])], innerSets: inner.map((s, i) => readQuorumSet(s, `${where}.inner[${i}]`))};
}

function saneQuorumSet(v: unknown, where: string): QuorumSet {
  const q = readQuorumSet(v, where);
  const r = checkQuorumSetSanity(q);
  if (!r.ok) throw new ScpError(ScpErrorCode.InvalidQuorumSet, `${where}: ${r.reason}`, {where});
  return q;
}

/**
 * Reads the JSON of a quorum analysis input:
 * - a stellarbeat node list (an array of nodes with `publicKey` and nested `quorumSet`);
 * - a node config (an object with `quorumSet`, optionally the node's own `publicKey` and a
 *   `validators` list of `{publicKey, quorumSet}` for other nodes whose sets are known).
 *   A config names the validators it trusts but usually not their quorum sets; those are
 *   assumed to use the config's own set (a network whose validators share one configuration)
 *   and are reported as assumed.
 */
export function loadFbasJson(value: unknown): LoadedFbas {
  if (Array.isArray(value)) {
    value.forEach((n, i) => {
      if (!isObject(n) || typeof n.publicKey !== "string" || n.publicKey.length === 0) throw invalid(`node ${i}: publicKey missing`);
      if (n.quorumSet !== undefined && n.quorumSet !== null) readQuorumSet(n.quorumSet, `node ${n.publicKey}`);
    });
    const nodes = value as StellarbeatNode[];
    const fbas = parseStellarbeatNodes(nodes);
    for (const [id, q] of fbas) {
      const r = checkQuorumSetSanity(q);
      if (!r.ok) throw new ScpError(ScpErrorCode.InvalidQuorumSet, `node ${id}: ${r.reason}`, {node: id});
    }
    if (fbas.size === 0) throw invalid("the node list has no validator with a usable quorum set");
    const names = new Map<NodeId, string>();
    for (const n of nodes) if (typeof n.name === "string" && n.name.length > 0) names.set(n.publicKey, n.name);
    return {fbas, names, assumed: [], kind: "stellarbeat"};
  }
  if (!isObject(value)) throw invalid("expected a stellarbeat node list (JSON array) or a node config (JSON object)");
  const own = value.quorumSet ?? value.quorum_set;
  if (own === undefined) throw invalid("node config: quorumSet missing");
  const qset = saneQuorumSet(own, "quorumSet");
  const fbas: Fbas = new Map<NodeId, QuorumSet>();
  const self = value.publicKey ?? value.nodeId;
  if (self !== undefined) {
    if (typeof self !== "string" || self.length === 0) throw invalid("node config: publicKey must be a node id");
    fbas.set(self, qset);
  }
  const known = value.validators ?? [];
  if (!Array.isArray(known)) throw invalid("node config: validators must be a list of {publicKey, quorumSet}");
  known.forEach((n, i) => {
    if (!isObject(n) || typeof n.publicKey !== "string" || n.publicKey.length === 0) throw invalid(`validators[${i}]: publicKey missing`);
    fbas.set(n.publicKey, saneQuorumSet(n.quorumSet, `validators[${i}] ${n.publicKey}`));
  });
  const assumed: NodeId[] = [];
  const pending = [qset, ...fbas.values()];
  while (pending.length > 0) {
    const q = pending.pop()!;
    for (const v of quorumSetIds(q)) {
      if (fbas.has(v)) continue;
      fbas.set(v, qset);
      assumed.push(v);
    }
  }
  return {fbas, names: new Map(), assumed: assumed.sort(), kind: "config"};
}

function quorumSetIds(q: QuorumSet, into: NodeId[] = []): NodeId[] {
  into.push(...q.validators);
  for (const s of q.innerSets) quorumSetIds(s, into);
  return into;
}

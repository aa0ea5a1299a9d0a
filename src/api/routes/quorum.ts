import {createHash} from "node:crypto";
import {analyzeFbas, quorumReport, type AnalysisLimits} from "../../scp/analysis.js";
import {ScpError, ScpErrorCode} from "../../scp/errors.js";
import type {Fbas} from "../../scp/quorum.js";
import type {QuorumSet} from "../../scp/types.js";
import {ApiError, ApiErrorCode} from "../errors.js";
import type {QuorumSource} from "../interface.js";
import {JSON_CONTENT_TYPE, jsonReply, type GetRoute, type Reply} from "./context.js";

/**
 * Bounds for a network learned from peers, whose quorum sets the node does not choose: the real
 * network's crawls need at most 4,294 minimal quorums and 480 blocking sets (about a second), so
 * 100,000 of either leaves room for growth while a hostile set of quorum sets cannot keep the
 * API thread busy for minutes.
 */
const LIMITS: AnalysisLimits = {maxMinimalQuorums: 100_000, maxBlockingSets: 100_000};

/** A quorum set as text that does not depend on the order members are listed in. */
function canonical(q: QuorumSet): string {
  const inner = q.innerSets.map(canonical).sort();
  return `${q.threshold}(${[...q.validators].sort().join(",")}|${inner.join(",")})`;
}

/** Hash of the whole known network: the cache key, and reported so clients can tell changes apart. */
export function fbasHash(fbas: Fbas): string {
  const h = createHash("sha256");
  for (const id of [...fbas.keys()].sort()) h.update(`${id}=${canonical(fbas.get(id)!)};`);
  return h.digest("hex");
}

/**
 * Analyses cached per source and network hash: the known network changes when a peer's quorum
 * set first arrives, requests come far more often, and the analysis of a crawl-sized network
 * costs about a second of CPU, so it runs once per network rather than once per request.
 */
const cache = new WeakMap<QuorumSource, {hash: string; reply: Reply | ApiError}>();

function analyse(source: QuorumSource): Reply {
  const fbas = source.fbas();
  const hash = fbasHash(fbas);
  const hit = cache.get(source);
  if (hit && hit.hash === hash) {
    if (hit.reply instanceof ApiError) throw hit.reply;
    return hit.reply;
  }
  let reply: Reply | ApiError;
  try {
    reply = jsonReply(200, {node: source.self, fbas_hash: hash, ...quorumReport(analyzeFbas(fbas, LIMITS), fbas.size)}, JSON_CONTENT_TYPE);
  } catch (err) {
    if (!(err instanceof ScpError && err.code === ScpErrorCode.AnalysisTooLarge)) throw err;
    reply = new ApiError(ApiErrorCode.SERVICE_UNAVAILABLE, `The known network is too large to analyse: ${err.message}.`);
  }
  cache.set(source, {hash, reply});
  if (reply instanceof ApiError) throw reply;
  return reply;
}

export const quorumRoutes: GetRoute[] = [
  {
    method: "get",
    pattern: "/quorum",
    // Depends on the known network, not on ledger state: cached above, not in the per-close cache.
    cacheable: false,
    handle(ctx) {
      const source = ctx.modules.quorum;
      if (!source) throw new ApiError(ApiErrorCode.SERVICE_UNAVAILABLE, "This node does not report the quorum structure of its network.");
      return analyse(source);
    },
  },
];

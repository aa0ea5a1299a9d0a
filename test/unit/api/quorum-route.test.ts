/**
 * GET /quorum's handler on a fake known network: the agreed report, one analysis per network
 * (the cached reply is reused until a quorum set changes), and 503 without a source.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {quorumRoutes, fbasHash} from "../../../src/api/routes/quorum.js";
import type {RouteContext} from "../../../src/api/routes/context.js";
import type {ApiModules, QuorumSource} from "../../../src/api/interface.js";
import type {Fbas, QuorumSet} from "../../../src/scp/index.js";

const q = (threshold: number, validators: string[], innerSets: QuorumSet[] = []): QuorumSet => ({threshold, validators, innerSets});
const route = quorumRoutes[0]!;

function ctx(quorum?: QuorumSource): RouteContext {
  return {modules: {quorum} as unknown as ApiModules, opts: {} as RouteContext["opts"], base: "http://x", params: [], query: new URLSearchParams(), path: "/quorum", accept: ""};
}

async function get(source?: QuorumSource) {
  const reply = await route.handle(ctx(source));
  return {reply, body: JSON.parse(String(reply.body)) as Record<string, unknown>};
}

describe("GET /quorum", () => {
  it("reports the analysis of the known network and follows it as peers' quorum sets arrive", async () => {
    // Four validators, 3 of 4, as a node knows them once every peer's set has arrived.
    const ids = ["a", "b", "c", "d"];
    const fbas: Fbas = new Map(ids.map((id) => [id, q(3, ids)]));
    const source: QuorumSource = {self: "a", fbas: () => new Map(fbas)};
    const first = await get(source);
    assert.equal(first.reply.status, 200);
    assert.equal(first.body.node, "a");
    assert.equal(first.body.intersection, true);
    assert.equal(first.body.disjoint_quorums, null);
    assert.deepEqual(first.body.top_tier, ids);
    assert.equal((first.body.minimal_blocking_sets as string[][]).length, 6);
    assert.equal((first.body.smallest_blocking_set as string[]).length, 2);
    assert.equal(first.body.fbas_hash, fbasHash(fbas));

    // Same network listed in another order: the cached reply is served as it is.
    const again = await get({...source, fbas: () => new Map([...fbas].reverse().map(([k, v]) => [k, q(v.threshold, [...v.validators].reverse())]))});
    assert.equal((again.body as {fbas_hash: string}).fbas_hash, first.body.fbas_hash);
    const same = await route.handle(ctx(source));
    assert.equal(same, first.reply, "one analysis per network");

    // Both pairs come to trust only each other: the network splits in two.
    for (const pair of [["a", "b"], ["c", "d"]]) for (const id of pair) fbas.set(id, q(2, pair));
    const split = await get(source);
    assert.notEqual(split.body.fbas_hash, first.body.fbas_hash);
    assert.equal(split.body.intersection, false);
    assert.deepEqual((split.body.disjoint_quorums as string[][]).map((s) => s.join()).sort(), ["a,b", "c,d"]);
  });

  it("answers 503 when the node does not report its network", async () => {
    await assert.rejects(async () => route.handle(ctx(undefined)), {code: "service_unavailable"});
  });
});

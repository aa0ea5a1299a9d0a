/** GET /quorum on a running standalone node: the node alone is its whole known network. */
import {describe, it, after, before} from "node:test";
import assert from "node:assert/strict";
import {StrKey} from "@stellar/stellar-base";
import {startNode, type RunningNode} from "../helpers/node.js";

describe("GET /quorum on a standalone node", () => {
  let n: RunningNode;
  before(async () => {
    n = await startNode();
  });
  after(async () => {
    await n.stop();
  });

  it("reports a one-node network: intersection, the node as top tier and as the only blocking set", async () => {
    const res = await fetch(`${n.url}/quorum`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    const self = body.node as string;
    assert.ok(StrKey.isValidEd25519PublicKey(self), self);
    assert.equal(body.intersection, true);
    assert.equal(body.disjoint_quorums, null);
    assert.deepEqual(body.top_tier, [self]);
    assert.deepEqual(body.minimal_blocking_sets, [[self]]);
    assert.deepEqual(body.smallest_blocking_set, [self]);
    assert.equal(body.nodes, 1);
    assert.match(body.fbas_hash as string, /^[0-9a-f]{64}$/);
  });
});

/**
 * The bench's SSE load: streams held against a node receive events in order, reconnect after
 * each goodbye with Last-Event-ID, and report fan-out lag, so the subscribers bench can count on
 * its figures.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {startNode, waitFor} from "../../helpers/node.js";
import {startSseLoad} from "../../../native-bench/sse-load.js";

describe("bench SSE load", () => {
  it("holds streams open across goodbyes with every event in order", async () => {
    const n = await startNode();
    try {
      // limit=3: each /ledgers stream says goodbye every 3 ledgers and reconnects from its last id.
      const load = startSseLoad({baseUrl: n.url, streams: 12, paths: ["/ledgers?cursor=now&limit=3", "/transactions?cursor=now"]});
      const from = n.node.store.latestHeader().seq;
      await waitFor(() => (n.node.store.latestHeader().seq >= from + 8 ? true : undefined), 20_000, "eight ledgers");
      const r = load.stop();
      assert.equal(r.errors, 0);
      assert.equal(r.outOfOrder, 0);
      assert.ok(r.events >= 6 * 5, `events ${r.events}`);
      assert.ok(r.reconnects >= 6, `reconnects ${r.reconnects}`);
      assert.ok(r.lagP99Ms >= r.lagP50Ms && r.lagMaxMs >= r.lagP99Ms);
    } finally {
      await n.stop();
    }
  });
});

/** Content negotiation for streams (as Horizon's goautoneg over its four types) and paging token order. */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {compareTokens, wantsEventStream} from "../../../src/api/stream/sse.js";

describe("stream negotiation and token order", () => {
  it("streams only when text/event-stream is the best acceptable type", () => {
    assert.equal(wantsEventStream("text/event-stream"), true);
    assert.equal(wantsEventStream("text/event-stream, */*"), true);
    assert.equal(wantsEventStream("*/*, text/event-stream"), true);
    assert.equal(wantsEventStream("Text/Event-Stream; charset=utf-8"), true);
    assert.equal(wantsEventStream(""), false);
    assert.equal(wantsEventStream("*/*"), false);
    assert.equal(wantsEventStream("application/json"), false);
    assert.equal(wantsEventStream("application/hal+json, text/event-stream;q=0.5"), false);
    assert.equal(wantsEventStream("text/event-stream;q=0"), false);
    assert.equal(wantsEventStream("text/html,application/xhtml+xml,*/*;q=0.8"), false);
  });

  it("orders TOIDs and operation-scoped tokens as the history does", () => {
    assert.equal(compareTokens("10", "10"), 0);
    assert.equal(compareTokens("9", "10"), -1);
    assert.equal(compareTokens("10-1", "10-2"), -1);
    assert.equal(compareTokens("10", "10-0"), -1, "a bare operation id is before its first trade");
    assert.equal(compareTokens("10-0", "10"), 1);
    assert.equal(compareTokens("11-0", "10-99"), 1);
    // Beyond 2^53: compared exactly.
    assert.equal(compareTokens("9007199254740993", "9007199254740992"), 1);
  });

  it("orders plain TOIDs by value whatever their digits' length, leading zeros (a client's Last-Event-ID) included", () => {
    const values = [0n, 1n, 9n, 10n, 99n, 4294967296n, 30064771073n, 30064775168n, 9007199254740993n, (1n << 63n) - 1n];
    for (const x of values) {
      for (const y of values) {
        const want = x === y ? 0 : x < y ? -1 : 1;
        assert.equal(compareTokens(x.toString(), y.toString()), want, `${x} vs ${y}`);
        assert.equal(compareTokens(`00${x}`, y.toString()), want, `00${x} vs ${y}`);
        assert.equal(compareTokens(x.toString(), `0${y}`), want, `${x} vs 0${y}`);
      }
    }
    assert.equal(compareTokens("30064771073", "30064771072-5"), 1);
    assert.equal(compareTokens("030064771072", "30064771072-5"), -1);
  });
});

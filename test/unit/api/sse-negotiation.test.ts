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
});

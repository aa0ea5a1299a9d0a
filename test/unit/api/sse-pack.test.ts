/**
 * A list's SSE events packed into one buffer straight from the records' texts: the same bytes,
 * and the same event boundaries, as each record's own `eventFrame` encoded and concatenated,
 * whatever the text holds (multi-byte UTF-8 in a memo, escapes, operation-scoped tokens).
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {packEvents} from "../../../src/api/stream/sse.js";
import {eventFrame} from "../../../src/api/stream/connection.js";

function item(token: string, record: object): {token: string; json: string; frame(): Buffer} {
  const json = JSON.stringify(record);
  return {token, json, frame: () => Buffer.from(eventFrame(token, json))};
}

describe("packEvents", () => {
  const items = [
    item("4294971393", {paging_token: "4294971393", memo: "plain"}),
    item("4294971394", {paging_token: "4294971394", memo: "café ☕ 𝄞 — naïve"}),
    item("4294971395-2", {paging_token: "4294971395-2", note: 'quote " backslash \\ newline \n tab \t'}),
    item("4294975489", {paging_token: "4294975489", amount: "100.0000000", list: [1, 2, 3]}),
  ];

  it("writes every event's bytes as eventFrame encodes them, back to back", () => {
    const packed = packEvents(items);
    const expected = Buffer.concat(items.map((i) => i.frame()));
    assert.ok(packed.bytes.equals(expected));
    assert.equal(packed.offsets.length, items.length + 1);
  });

  it("offsets bound each record's event (multi-byte text measured in bytes, not characters)", () => {
    const packed = packEvents(items);
    items.forEach((it, i) => {
      assert.ok(packed.bytes.subarray(packed.offsets[i], packed.offsets[i + 1]).equals(it.frame()), `event ${i}`);
    });
    assert.equal(packed.offsets[items.length], packed.bytes.length);
  });

  it("packs an empty list into an empty buffer", () => {
    const packed = packEvents([]);
    assert.equal(packed.bytes.length, 0);
    assert.deepEqual(packed.offsets, [0]);
  });
});

/**
 * A /ws records frame written straight into bytes is the UTF-8 of the frame as text, whatever
 * the records hold (multi-byte memo text, escapes, operation-scoped tokens), for one record or
 * many, a ledger or a replay (null), and after a larger frame has grown the shared buffer.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {recordsFrame, recordsFrameBytes, type StreamItem} from "../../../src/api/ws/streams.js";
import type {Subscription} from "../../../src/api/ws/protocol.js";

function item(token: string, record: object): StreamItem {
  return {token, json: JSON.stringify({paging_token: token, ...record})};
}

const account = "GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H";
const sub: Subscription = {id: "p", topic: "payments", channel: `payments:account:${account}`, account};
const items = [
  item("4294971393", {memo: "plain"}),
  item("4294971394", {memo: "café ☕ 𝄞 — naïve"}),
  item("4294971395-2", {note: 'quote " backslash \\ newline \n tab \t'}),
  item("4294975489", {amount: "100.0000000", list: [1, 2, 3]}),
];

describe("recordsFrameBytes", () => {
  it("is the UTF-8 of recordsFrame for many records, one record, and a replay frame", () => {
    assert.ok(recordsFrameBytes(sub, 7, items).equals(Buffer.from(recordsFrame(sub, 7, items), "utf8")));
    assert.ok(recordsFrameBytes(sub, 7, items.slice(1, 2)).equals(Buffer.from(recordsFrame(sub, 7, items.slice(1, 2)), "utf8")));
    assert.ok(recordsFrameBytes(sub, null, items).equals(Buffer.from(recordsFrame(sub, null, items), "utf8")));
    const parsed = JSON.parse(recordsFrameBytes(sub, 7, items).toString("utf8")) as {cursor: string; records: {paging_token: string}[]};
    assert.equal(parsed.cursor, "4294975489");
    assert.deepEqual(
      parsed.records.map((r) => r.paging_token),
      items.map((i) => i.token),
    );
  });

  it("gives the right bytes after a frame larger than its buffer, and for a smaller one after it", () => {
    const big = Array.from({length: 400}, (_, i) => item(String(4294971393 + i), {memo: "ü".repeat(200), i}));
    const bytes = recordsFrameBytes({id: "f", topic: "payments", channel: "payments"}, 9, big);
    assert.ok(bytes.length > 64 * 1024);
    assert.ok(bytes.equals(Buffer.from(recordsFrame({id: "f", topic: "payments", channel: "payments"}, 9, big), "utf8")));
    const small = recordsFrameBytes(sub, 10, items.slice(0, 1));
    assert.equal(small.toString("utf8"), recordsFrame(sub, 10, items.slice(0, 1)));
  });
});

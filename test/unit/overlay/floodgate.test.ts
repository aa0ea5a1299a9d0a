/** Flood records: bounded by count and by age, and still answering for the recent ones. */
import {test} from "node:test";
import assert from "node:assert/strict";
import {Floodgate} from "../../../src/overlay/floodgate.js";

test("flood records stay within their count bound and keep the newest; past the age limit a message is no longer held", () => {
  let now = 0;
  const gate = new Floodgate(100, 1000, () => now);
  for (let i = 0; i < 1000; i++) {
    assert.equal(gate.received(`k${i}`, "A"), true, "a new message is fresh");
    assert.ok(gate.size <= 100, `size ${gate.size} within the bound`);
  }
  // The last half of the bound is still known: a second copy is a duplicate, and not sent back to A.
  for (let i = 950; i < 1000; i++) {
    assert.equal(gate.received(`k${i}`, "B"), false);
    assert.deepEqual(gate.sendTo(`k${i}`, ["A", "B", "C"]), ["C"]);
  }
  assert.equal(gate.has("k999"), true);
  now = 1001;
  assert.equal(gate.has("k999"), false, "forgotten past the age limit");
  assert.equal(gate.received("k999", "A"), true);
  // Advertised without the body: peers are recorded, the node does not hold it.
  gate.peerHas("x", "A");
  assert.equal(gate.has("x"), false);
  assert.deepEqual(gate.sendTo("x", ["A", "B"]), ["B"]);
  assert.equal(gate.has("x"), true);
});

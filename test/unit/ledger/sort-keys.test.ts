import {test} from "node:test";
import assert from "node:assert/strict";
import {prng} from "../../helpers/prng.js";
import {sortKeys} from "../../../src/ledger/meta.js";

test("sortKeys orders keys exactly as the built-in sort, short lists and long, with duplicates and shared prefixes", () => {
  const rnd = prng(11);
  const alphabet = ["a:", "o:", "t:", "G", "A", "1", "z", "~", "é", ""];
  for (let round = 0; round < 2000; round++) {
    const n = Math.floor(rnd() * 24);
    const keys = Array.from({length: n}, () => Array.from({length: 1 + Math.floor(rnd() * 4)}, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(""));
    const want = keys.slice().sort();
    const got = keys.slice();
    assert.equal(sortKeys(got), got, "sorted in place");
    assert.deepEqual(got, want, JSON.stringify(keys));
  }
});

import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {TwoGenerationMap} from "../../../src/util/two-generation-map.js";

describe("TwoGenerationMap", () => {
  it("stays within its bound and keeps at least the latest half of it, on a seeded mix of sets and replaces", () => {
    for (const max of [1, 2, 3, 7, 64]) {
      const m = new TwoGenerationMap<number, number>(max);
      const recent: number[] = [];
      let x = 12345;
      for (let i = 0; i < 2_000; i++) {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        const key = x % (max * 3);
        if (x % 5 === 0) {
          const held = m.has(key);
          assert.equal(m.replace(key, -i), held, "replace answers whether the key was held");
          if (held) assert.equal(m.get(key), -i);
          continue;
        }
        m.set(key, i);
        const at = recent.indexOf(key);
        if (at >= 0) recent.splice(at, 1);
        recent.push(key);
        assert.ok(m.size <= max, `size ${m.size} within ${max}`);
        assert.equal(m.get(key), i, "a key just set is held with its value");
        for (const k of recent.slice(-Math.ceil(max / 2))) assert.ok(m.has(k), `recently set key ${k} held (max ${max})`);
      }
    }
  });

  it("counts what it drops, keeps falsy values, and forgets everything on clear", () => {
    const m = new TwoGenerationMap<string, number | null>(4);
    m.set("zero", 0);
    m.set("none", null);
    assert.equal(m.get("zero"), 0);
    assert.equal(m.get("none"), null);
    assert.equal(m.get("other"), undefined);
    for (let i = 0; i < 10; i++) m.set(`k${i}`, i);
    assert.equal(m.size + m.dropped, 12);
    assert.equal(m.get("zero"), undefined, "the oldest went first");
    assert.equal(m.replace("zero", 1), false, "a dropped key is not brought back by replace");
    m.clear();
    assert.equal(m.size, 0);
    assert.equal(m.get("k9"), undefined);
  });
});

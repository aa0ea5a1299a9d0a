import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {readFileSync, readdirSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {
  checkQuorumSetSanity,
  findDisjointQuorums,
  isQuorumInFbas,
  greatestQuorumWithin,
  hasQuorumIntersection,
  minimalQuorums,
  parseStellarbeatNodes,
  type Fbas,
  type StellarbeatNode,
} from "../../../src/scp/index.js";

/**
 * CI checks the shared folder out beside the repository, so the snapshots are at
 * `../shared/fbas-snapshots` from the repository root. This file runs as
 * dist/test/unit/scp/snapshots.test.js, four levels below the root.
 */
const DIR = fileURLToPath(new URL("../../../../../shared/fbas-snapshots/", import.meta.url));
const load = (name: string): Fbas => parseStellarbeatNodes(JSON.parse(readFileSync(join(DIR, name), "utf8")) as StellarbeatNode[]);
const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();

describe("stellarbeat snapshots", () => {
  it("finds the snapshot files (an empty folder would leave the checks below with nothing to check)", () => {
    for (const f of ["stellar_2018-05-10.json", "stellar_2018-06-01.json", "stellar_2019-09-17.json", "stellar_2020-01-16_edited.json"]) {
      assert.ok(files.includes(f), `${f} in ${DIR}`);
    }
  });

  for (const f of files) {
    it(`${f}: validators parse, quorum sets are sane, a non-empty greatest quorum exists`, () => {
      const fbas = load(f);
      assert.ok(fbas.size >= 20, `${f}: ${fbas.size} validators`);
      for (const [node, qs] of fbas) {
        const r = checkQuorumSetSanity(qs);
        assert.ok(r.ok, `${f} ${node}: ${r.ok ? "" : r.reason}`);
      }
      const greatest = greatestQuorumWithin(fbas.keys(), (n) => fbas.get(n));
      assert.ok(greatest.size > 0, `${f}: no quorum at all`);
      // Fixpoint property: every member of the greatest quorum has a slice inside it.
      const again = greatestQuorumWithin(greatest, (n) => fbas.get(n));
      assert.equal(again.size, greatest.size);
    });
  }

  // Exact analysis (all minimal quorums) takes milliseconds on the 2018 crawls. On the 2019 and
  // 2020 crawls it is too slow for a unit test (the 2020 crawl needed ~100 s just for its first
  // 200 minimal quorums), so those get the fast, incomplete disjoint-quorum search instead.
  it("stellar_2018-05-10: exact analysis: three 2-node minimal quorums, all intersecting", () => {
    const fbas = load("stellar_2018-05-10.json");
    const mq = minimalQuorums(fbas);
    assert.ok(mq.complete);
    assert.equal(mq.quorums.length, 3);
    for (const a of mq.quorums) for (const b of mq.quorums) assert.ok([...a].some((n) => b.has(n)));
    assert.equal(hasQuorumIntersection(fbas).intersects, true);
    assert.equal(findDisjointQuorums(fbas), undefined);
  });

  it("stellar_2018-06-01: exact analysis finds two disjoint 2-node quorums", () => {
    const fbas = load("stellar_2018-06-01.json");
    const mq = minimalQuorums(fbas);
    assert.ok(mq.complete);
    assert.equal(mq.quorums.length, 4);
    const res = hasQuorumIntersection(fbas);
    assert.equal(res.intersects, false);
    const [a, b] = res.witness!;
    assert.ok(isQuorumInFbas(fbas, a) && isQuorumInFbas(fbas, b), "both sides are quorums");
    assert.ok([...a].every((n) => !b.has(n)), "and they are disjoint");
  });

  it("stellar_2020-01-16_edited: the hand edit broke quorum intersection (two disjoint quorums)", () => {
    const fbas = load("stellar_2020-01-16_edited.json");
    const pair = findDisjointQuorums(fbas);
    assert.ok(pair, "expected a witness");
    const [a, b] = pair;
    assert.ok(isQuorumInFbas(fbas, a) && isQuorumInFbas(fbas, b), "both sides are quorums");
    assert.ok([...a].every((n) => !b.has(n)), "and they are disjoint");
  });

  it("stellar_2019-09-17: the fast search finds no disjoint quorums", () => {
    assert.equal(findDisjointQuorums(load("stellar_2019-09-17.json")), undefined);
  });
});

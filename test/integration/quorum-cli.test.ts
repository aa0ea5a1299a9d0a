/**
 * `diamante quorum check` as a user runs it: JSON shape, the optional D Set and intact
 * answers, node configs, a real crawl, and clear errors (exit 1 for bad files, 2 for bad flags).
 */
import {describe, it, after} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {rmSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {tempDir} from "../helpers/node.js";

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const SNAPSHOTS = fileURLToPath(new URL("../../../../shared/fbas-snapshots/", import.meta.url));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, "quorum", ...args], {encoding: "utf8", timeout: 60_000});
  return {code: r.status, out: r.stdout, err: r.stderr};
}

const node = (publicKey: string, threshold: number, validators: string[], innerQuorumSets: object[] = []) => ({
  publicKey,
  name: `node ${publicKey}`,
  quorumSet: {threshold, validators, innerQuorumSets},
});

/** Whitepaper Figure 6 and Figure 3 as stellarbeat node lists. */
const fig6 = [1, 2, 3].map((n) => node(`v${n}`, 3, ["v1", "v2", "v3"])).concat([4, 5, 6].map((n) => node(`v${n}`, 3, ["v4", "v5", "v6"])));
const top = {threshold: 2, validators: ["v1", "v2", "v3", "v4"]};
const middle = {threshold: 2, validators: ["v5", "v6", "v7", "v8"]};
const fig3 = [
  ...[1, 2, 3, 4].map((n) => node(`v${n}`, 3, ["v1", "v2", "v3", "v4"])),
  ...[5, 6, 7, 8].map((n) => node(`v${n}`, 2, [`v${n}`], [top])),
  ...[9, 10].map((n) => node(`v${n}`, 2, [`v${n}`], [middle])),
];

describe("diamante quorum check", () => {
  const dir = tempDir("diamante-quorum-");
  after(() => rmSync(dir, {recursive: true, force: true}));
  const file = (name: string, content: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
    return p;
  };

  it("--json on Figure 6: exactly the agreed keys, no intersection, the two triangles as witness", () => {
    const r = run("check", file("fig6.json", fig6), "--json");
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    for (const k of ["intersection", "disjoint_quorums", "smallest_blocking_set", "minimal_blocking_sets", "top_tier"]) assert.ok(k in j, k);
    assert.equal(j.intersection, false);
    const w = (j.disjoint_quorums as string[][]).map((s) => s.join()).sort();
    assert.deepEqual(w, ["v1,v2,v3", "v4,v5,v6"]);
    assert.deepEqual(j.top_tier, ["v1", "v2", "v3", "v4", "v5", "v6"]);
    // Halting everything takes one node of each triangle.
    assert.equal((j.minimal_blocking_sets as string[][]).length, 9);
    assert.equal((j.smallest_blocking_set as string[]).length, 2);
  });

  it("--dset and --ill on Figure 3: {v5,v6} is no D Set and befouls v9 and v10; names work as well as keys", () => {
    const p = file("fig3.json", fig3);
    const r = run("check", p, "--json", "--dset", "v5,v6", "--ill", "v5,node v6");
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as {intersection: boolean; top_tier: string[]; dset: {is_dset: boolean}; ill: {befouled: string[]; intact: string[]}};
    assert.equal(j.intersection, true);
    assert.deepEqual(j.top_tier, ["v1", "v2", "v3", "v4"]);
    assert.equal(j.dset.is_dset, false);
    assert.deepEqual(j.ill.befouled, ["v10", "v5", "v6", "v9"]);
    assert.deepEqual(j.ill.intact, ["v1", "v2", "v3", "v4", "v7", "v8"]);
    const d = JSON.parse(run("check", p, "--json", "--dset", "v6,v7,v8,v9,v10").out) as {dset: {is_dset: boolean}};
    assert.equal(d.dset.is_dset, true);
    const text = run("check", p, "--ill", "v1");
    assert.equal(text.code, 0);
    assert.match(text.out, /quorum intersection: yes/);
    assert.match(text.out, /top tier \(4\)/);
  });

  it("a node config: validators it names without a known quorum set are assumed to share its set", () => {
    const keys = ["GA", "GB", "GC", "GD"].map((k) => k.padEnd(6, "X"));
    const r = run("check", file("node.json", {publicKey: keys[0], quorumSet: {threshold: 3, validators: keys}}), "--json");
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as {intersection: boolean; top_tier: string[]; minimal_blocking_sets: string[][]; assumed: string[]};
    assert.equal(j.intersection, true);
    assert.deepEqual(j.top_tier, [...keys].sort());
    assert.deepEqual(j.assumed, keys.slice(1).sort());
    // 3 of 4: any two nodes halt the network.
    assert.equal(j.minimal_blocking_sets.length, 6);
    for (const b of j.minimal_blocking_sets) assert.equal(b.length, 2);
  });

  it("a real crawl: stellar_2019-09-17 intersects, 17-node top tier", () => {
    const r = run("check", join(SNAPSHOTS, "stellar_2019-09-17.json"), "--json");
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as {intersection: boolean; top_tier: string[]; smallest_blocking_set: string[]; disjoint_quorums: null};
    assert.equal(j.intersection, true);
    assert.equal(j.disjoint_quorums, null);
    assert.equal(j.top_tier.length, 17);
    assert.equal(j.smallest_blocking_set.length, 4);
  });

  it("bad files exit 1 with one clear line; bad flags and unknown nodes exit 2", () => {
    const cases: Array<[string[], number, RegExp]> = [
      [["check", join(dir, "missing.json")], 1, /cannot read .*missing\.json: ENOENT/],
      [["check", file("bad.json", "{not json")], 1, /is not JSON/],
      [["check", file("zero.json", [node("v1", 0, ["v1"])])], 1, /scp_invalid_quorum_set|no validator/],
      [["check", file("dup.json", {quorumSet: {threshold: 1, validators: ["a", "a"]}})], 1, /duplicate node a \(scp_invalid_quorum_set\)/],
      [["check", file("shape.json", {quorumSet: {threshold: "2", validators: []}})], 1, /threshold must be an integer/],
      [["check", file("num.json", 42)], 1, /expected a stellarbeat node list/],
      [["check", file("f6.json", fig6), "--bogus"], 2, /bogus/],
      [["check", file("f6b.json", fig6), "--ill", "v99"], 2, /unknown validator "v99"/],
      [["check"], 2, /usage/],
      [["frob", "x"], 2, /usage/],
    ];
    for (const [args, code, msg] of cases) {
      const r = run(...args);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.err}`);
      assert.match(r.err, msg, args.join(" "));
      assert.equal(r.err.trim().split("\n").length, 1, "one line");
      assert.equal(r.out, "");
    }
  });
});

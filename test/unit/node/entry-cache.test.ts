/**
 * The node's entry cache: its bound comes from the options (--entry-cache, entryCacheEntries in
 * the config file), and /metrics reports its size and its evictions after each close.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {Keypair} from "@stellar/stellar-base";
import {startNode, waitFor} from "../../helpers/node.js";
import {loadNodeConfig} from "../../../src/node/config.js";
import {HerderError} from "../../../src/herder/errors.js";

function sample(metrics: string, name: string): number | undefined {
  const line = metrics.split("\n").find((l) => l.startsWith(name + " "));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

test("the entry cache holds at most --entry-cache entries, and /metrics says how many and how many it dropped", async () => {
  const n = await startNode({entryCacheEntries: 3});
  try {
    // Each unknown account read is cached as known absent: 8 reads into 3 places.
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${n.url}/accounts/${Keypair.random().publicKey()}`);
      assert.equal(res.status, 404);
    }
    assert.ok(n.node.store.cache.size <= 3);
    const seen = await waitFor(
      async () => {
        const text = await (await fetch(`${n.url}/metrics`)).text();
        const evicted = sample(text, "diamante_store_entry_cache_evictions_total");
        return evicted !== undefined && evicted >= 5 ? text : undefined;
      },
      30_000,
      "a close reporting the evictions",
    );
    const size = sample(seen, "diamante_store_entry_cache_entries");
    assert.ok(size !== undefined && size >= 1 && size <= 3, `gauge ${size}`);
  } finally {
    await n.stop();
  }
});

test("entryCacheEntries in the config file: a whole number from 0, anything else refused by name", () => {
  const dir = mkdtempSync(join(tmpdir(), "diamante-config-"));
  try {
    const file = join(dir, "config.json");
    const quorumSet = {threshold: 1, validators: [Keypair.random().publicKey()], innerSets: []};
    writeFileSync(file, JSON.stringify({quorumSet, entryCacheEntries: 5000}));
    assert.equal(loadNodeConfig(file).entryCacheEntries, 5000);
    for (const bad of [-1, 1.5, "many"]) {
      writeFileSync(file, JSON.stringify({quorumSet, entryCacheEntries: bad}));
      assert.throws(() => loadNodeConfig(file), (e: unknown) => e instanceof HerderError && /entryCacheEntries/.test(e.message));
    }
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

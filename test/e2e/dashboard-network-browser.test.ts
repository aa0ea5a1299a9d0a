/**
 * The network dashboard with several nodes, in headless Chromium: three validators (2 of 3) in
 * one process over the in-memory overlay; node 1's page shows a panel per validator with its
 * ledger, SCP phase and quorum health; once a validator is cut off, its panel says it is
 * unreachable and node 1's says the network is one failure away from halting.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {existsSync, mkdirSync, rmSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {randomBytes} from "node:crypto";
import {StrKey} from "@stellar/stellar-base";
import {chromium} from "playwright-core";
import {Node} from "../../src/node/node.js";
import {NodeKey} from "../../src/util/node-key.js";
import {MemoryNetwork} from "../helpers/memory-overlay.js";
import {tempDir, waitFor} from "../helpers/node.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"];

test("the network dashboard shows every validator's ledger, phase and quorum health, and a validator going down", {timeout: 180_000}, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
  mkdirSync(ARTIFACTS, {recursive: true});
  const net = new MemoryNetwork();
  const seeds = Array.from({length: 3}, () => randomBytes(32));
  const ids = seeds.map((s) => new NodeKey(s).publicKey);
  const quorumSet = {threshold: 2, validators: ids, innerSets: []};
  const dirs: string[] = [];
  const nodes: Node[] = [];
  const profile = tempDir("diamante-chromium-");
  const problems: string[] = [];
  const context = await chromium.launchPersistentContext(profile, {executablePath: CHROMIUM, headless: true, args: FLAGS});
  try {
    for (let i = 0; i < 3; i++) {
      const dir = tempDir("diamante-dash-net-");
      dirs.push(dir);
      writeFileSync(join(dir, "node.key"), StrKey.encodeEd25519SecretSeed(seeds[i]!) + "\n");
      const node = new Node(
        {
          dataDir: dir,
          port: 0,
          host: "127.0.0.1",
          closeIntervalMs: 300,
          verifyThreads: 0,
          pathThreads: 0,
          logLevel: "warn",
          network: {validator: true, quorumSet, peerHost: "127.0.0.1", peerPort: 0, peers: []},
        },
        {overlay: (key) => net.overlay(key.publicKey)},
      );
      nodes.push(node);
    }
    for (const n of nodes) await n.start();
    await waitFor(() => (nodes.every((n) => n.store.latestHeader().seq >= 4) ? true : undefined), 60_000, "4 ledgers on every node");

    const page = await context.newPage();
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`page: ${err.message}`));
    await page.goto(`http://127.0.0.1:${nodes[0]!.port}/dashboard`);
    // Browser-side predicates are strings: this project compiles without the DOM library.
    await page.waitForFunction(`document.querySelectorAll("#nodes .node").length === 3`, undefined, {timeout: 30_000});
    const shown = (await page.locator("#nodes .node").evaluateAll((els) => els.map((e) => (e as unknown as {dataset: {node: string}}).dataset.node))) as string[];
    assert.deepEqual([...shown].sort(), [...ids].sort());
    // Every panel's ledger moves with the network.
    const first = Number(await page.textContent(`#nodes .node[data-node="${ids[2]}"] [data-ledger]`));
    await page.waitForFunction(`Number(document.querySelector('#nodes .node[data-node="${ids[2]}"] [data-ledger]').textContent) > ${first}`, undefined, {timeout: 30_000});
    const healthy = await page.locator("#nodes [data-health]").allTextContents();
    assert.deepEqual(healthy, ["can lose 1 validator and keep closing", "can lose 1 validator and keep closing", "can lose 1 validator and keep closing"]);
    await page.screenshot({path: join(ARTIFACTS, "dashboard-network-3-nodes.png"), fullPage: true});

    // Validator 3 cut off: after the liveness window its panel is unreachable and this node is one failure away from halting.
    net.cut.add(ids[2]!);
    await page.waitForFunction(`document.querySelector('#nodes .node[data-node="${ids[2]}"] [data-phase]').textContent === "unreachable"`, undefined, {timeout: 60_000});
    await page.waitForFunction(`document.querySelector('#nodes .node[data-node="${ids[0]}"] [data-health]').textContent === "one failure away from halting"`, undefined, {timeout: 30_000});
    await page.screenshot({path: join(ARTIFACTS, "dashboard-network-one-down.png"), fullPage: true});
    await page.close();
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    for (const n of nodes) await n.stop().catch(() => undefined);
    for (const d of [...dirs, profile]) rmSync(d, {recursive: true, force: true});
  }
});

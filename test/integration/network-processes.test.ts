/**
 * The validator network as real processes on loopback (`diamante network up`): 4 validators,
 * threshold 3, over TCP. They close ledgers with identical header hashes; a tx sent to one node
 * is included once everywhere; with one stopped the rest keep closing; with two stopped nothing
 * closes and nothing diverges; restarted, they catch up and continue on the same chain; a node
 * started on an empty data folder catches up from its peers. Children are always killed.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {mkdirSync, rmSync, writeFileSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {randomBytes} from "node:crypto";
import {Account, Keypair, Operation, StrKey, TransactionBuilder} from "@stellar/stellar-base";
import {tempDir, waitFor, sleep} from "../helpers/node.js";
import {PEER_PORT_OFFSET, freeBasePort, readPlan, startNetworkNode, networkDown, type NetworkPlan} from "../../src/cli/network.js";
import {rootKeypair} from "../../src/ledger/genesis.js";
import {DEFAULT_PASSPHRASE} from "../../src/ledger/options.js";
import {NodeKey} from "../../src/util/node-key.js";
import type {NodeConfigFile} from "../../src/node/config.js";

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

interface Ledger {
  sequence: number;
  hash: string;
}

async function ledgers(apiPort: number): Promise<Ledger[]> {
  const out: Ledger[] = [];
  let url = `http://127.0.0.1:${apiPort}/ledgers?order=asc&limit=200`;
  for (;;) {
    const body = (await (await fetch(url)).json()) as {_embedded: {records: Ledger[]}; _links: {next: {href: string}}};
    const recs = body._embedded.records;
    out.push(...recs.map((r) => ({sequence: r.sequence, hash: r.hash})));
    if (recs.length < 200) return out;
    url = body._links.next.href;
  }
}

async function latest(apiPort: number): Promise<number | undefined> {
  try {
    const body = (await (await fetch(`http://127.0.0.1:${apiPort}/ledgers?order=desc&limit=1`)).json()) as {_embedded: {records: Ledger[]}};
    return body._embedded.records[0]?.sequence;
  } catch {
    return undefined;
  }
}

/** Every ledger the nodes have in common has one hash (a node loaded from an archive lacks the early ones). */
async function assertOneChain(ports: number[]): Promise<number> {
  const chains = await Promise.all(ports.map(async (p) => new Map((await ledgers(p)).map((l) => [l.sequence, l.hash]))));
  let common = 0;
  for (const [seq, hash] of chains[0]!) {
    if (!chains.every((c) => c.has(seq))) continue;
    common++;
    for (const c of chains) assert.equal(c.get(seq), hash, `ledger ${seq} has one hash on every node`);
  }
  return common;
}

function pidOf(dir: string): number {
  return Number(readFileSync(join(dir, "pid"), "utf8").trim());
}

function kill(dir: string): void {
  try {
    process.kill(pidOf(dir), "SIGKILL");
  } catch {
    // already gone
  }
}

test("four validator processes (threshold 3) over TCP: one chain, a tx included once, one down, two down, restart, a node from an empty folder", {timeout: 300_000}, async () => {
  const dir = tempDir("diamante-network-");
  const base = await freeBasePort(6);
  let plan: NetworkPlan | undefined;
  const extraDir = join(dir, "node-new");
  const archiveDir = join(dir, "node-archive");
  let passed = false;
  try {
    const up = spawnSync(process.execPath, [CLI, "network", "up", "--nodes", "4", "--base-port", String(base), "--data", dir, "--close-interval", "250"], {encoding: "utf8", timeout: 120_000});
    assert.equal(up.status, 0, up.stderr);
    plan = readPlan(dir);
    const ports = plan.nodes.map((n) => n.apiPort);
    const config = JSON.parse(readFileSync(join(plan.nodes[0]!.dir, "config.json"), "utf8")) as NodeConfigFile;
    assert.equal(config.quorumSet.threshold, 3);
    assert.deepEqual(config.quorumSet.validators, plan.nodes.map((n) => n.key));

    // ≥ 50 ledgers on every node, one chain.
    await waitFor(async () => ((await Promise.all(ports.map(latest))).every((s) => (s ?? 0) >= 51) ? true : undefined), 120_000, "50 ledgers on every node");
    assert.ok((await assertOneChain(ports)) >= 51);

    // A payment sent to node 2 is included once, in the same ledger, on every node.
    const root = rootKeypair(DEFAULT_PASSPHRASE);
    const acct = (await (await fetch(`http://127.0.0.1:${ports[2]}/accounts/${root.publicKey()}`)).json()) as {sequence: string};
    const dest = Keypair.random();
    const tx = new TransactionBuilder(new Account(root.publicKey(), acct.sequence), {fee: "100", networkPassphrase: DEFAULT_PASSPHRASE})
      .addOperation(Operation.createAccount({destination: dest.publicKey(), startingBalance: "10"}))
      .setTimeout(0)
      .build();
    tx.sign(root);
    const res = await fetch(`http://127.0.0.1:${ports[2]}/transactions`, {method: "POST", headers: {"content-type": "application/x-www-form-urlencoded"}, body: "tx=" + encodeURIComponent(tx.toEnvelope().toXDR("base64"))});
    const sub = (await res.json()) as {hash: string; ledger: number};
    assert.equal(res.status, 200, JSON.stringify(sub));
    const txLedgers = await waitFor(
      async () => {
        const got = await Promise.all(ports.map(async (p) => (await fetch(`http://127.0.0.1:${p}/transactions/${sub.hash}`)).json() as Promise<{ledger?: number}>));
        return got.every((g) => g.ledger !== undefined) ? got.map((g) => g.ledger) : undefined;
      },
      30_000,
      "the tx on every node",
    );
    assert.deepEqual(new Set(txLedgers), new Set([sub.ledger]));
    for (const p of ports) {
      const page = (await (await fetch(`http://127.0.0.1:${p}/accounts/${dest.publicKey()}/transactions`)).json()) as {_embedded: {records: unknown[]}};
      assert.equal(page._embedded.records.length, 1, "included once");
    }

    // One validator stopped: the other three keep closing.
    kill(plan.nodes[3]!.dir);
    const at = (await latest(ports[0]!))!;
    await waitFor(async () => (((await latest(ports[0]!)) ?? 0) >= at + 8 ? true : undefined), 60_000, "8 more ledgers without node 3");

    // Two stopped: no quorum; nothing closes and nothing diverges.
    kill(plan.nodes[2]!.dir);
    await sleep(1500);
    const frozen = await Promise.all(ports.slice(0, 2).map(latest));
    await sleep(3000);
    assert.deepEqual(await Promise.all(ports.slice(0, 2).map(latest)), frozen, "no ledger closes without a quorum");
    await assertOneChain(ports.slice(0, 2));

    // Both restarted: they catch up and the four continue on one chain.
    await Promise.all([startNetworkNode(plan.nodes[2]!.dir), startNetworkNode(plan.nodes[3]!.dir)]);
    const target = Math.max(...(frozen as number[])) + 8;
    await waitFor(async () => ((await Promise.all(ports.map(latest))).every((s) => (s ?? 0) >= target) ? true : undefined), 90_000, "every node past the stall");
    await assertOneChain(ports);

    // A watcher started on an empty data folder catches up from its peers and follows.
    mkdirSync(extraDir, {recursive: true});
    const seed = randomBytes(32);
    writeFileSync(join(extraDir, "node.key"), StrKey.encodeEd25519SecretSeed(seed) + "\n");
    const {history: _published, ...common} = config;
    const watcher: NodeConfigFile = {
      ...common,
      validator: false,
      http: {host: "127.0.0.1", port: base + 4},
      peer: {host: "127.0.0.1", port: base + PEER_PORT_OFFSET + 4},
      peers: plan.nodes.map((n) => `${n.key}@127.0.0.1:${n.peerPort}`),
    };
    writeFileSync(join(extraDir, "config.json"), JSON.stringify(watcher));
    assert.notEqual(new NodeKey(seed).publicKey, plan.nodes[0]!.key);
    await startNetworkNode(extraDir);
    const now = (await latest(ports[0]!))!;
    await waitFor(async () => (((await latest(base + 4)) ?? 0) >= now + 3 ? true : undefined), 90_000, "the new node past the network's ledger");
    await assertOneChain([...ports, base + 4]);

    // Another, on an empty folder with the archive validator 0 publishes: it loads the archive's
    // latest checkpoint first, then follows the network from its peers.
    const archived = JSON.parse(readFileSync(join(dir, "archive", ".well-known", "stellar-history.json"), "utf8")) as {currentLedger: number};
    assert.ok(archived.currentLedger >= 63, "validator 0 published a checkpoint");
    mkdirSync(archiveDir, {recursive: true});
    writeFileSync(join(archiveDir, "node.key"), StrKey.encodeEd25519SecretSeed(randomBytes(32)) + "\n");
    const fromArchive: NodeConfigFile = {
      ...watcher,
      http: {host: "127.0.0.1", port: base + 5},
      peer: {host: "127.0.0.1", port: base + PEER_PORT_OFFSET + 5},
      history: {folder: join(dir, "archive")},
    };
    writeFileSync(join(archiveDir, "config.json"), JSON.stringify(fromArchive));
    await startNetworkNode(archiveDir);
    // Its history starts at a checkpoint's snapshot (a node caught up from peers holds ledger 1 on).
    const rootDoc = (await (await fetch(`http://127.0.0.1:${base + 5}/`)).json()) as {history_elder_ledger: number};
    assert.ok(rootDoc.history_elder_ledger >= archived.currentLedger && (rootDoc.history_elder_ledger + 1) % 64 === 0, `loaded from checkpoint ${rootDoc.history_elder_ledger}`);
    const now2 = (await latest(ports[0]!))!;
    await waitFor(async () => (((await latest(base + 5)) ?? 0) >= now2 + 3 ? true : undefined), 90_000, "the archive node past the network's ledger");
    const hashes = await Promise.all([ports[0]!, base + 5].map(async (p) => ((await (await fetch(`http://127.0.0.1:${p}/ledgers/${now2 + 2}`)).json()) as Ledger).hash));
    assert.equal(hashes[0], hashes[1], "the archive node is on the network's chain");
    passed = true;
  } finally {
    kill(extraDir);
    kill(archiveDir);
    if (plan) {
      await networkDown(dir);
      for (const n of plan.nodes) kill(n.dir);
    }
    // Logs of a failed run are kept for reading; a passing run leaves nothing behind.
    if (!passed) process.stderr.write(`network test failed; node folders kept in ${dir}\n`);
    else rmSync(dir, {recursive: true, force: true});
  }
});

/**
 * Four validators (threshold 3) in one process over the in-memory overlay: consensus through
 * flooded SCP envelopes, tx sets fetched by hash, transactions flooded once and included once,
 * a node cut off and brought back catches up from its peers.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {writeFileSync, rmSync} from "node:fs";
import {join} from "node:path";
import {randomBytes} from "node:crypto";
import {StrKey, Account, Operation, TransactionBuilder, Keypair} from "@stellar/stellar-base";
import {Node} from "../../src/node/node.js";
import {NodeKey} from "../../src/util/node-key.js";
import {rootKeypair} from "../../src/ledger/genesis.js";
import {MemoryNetwork} from "../helpers/memory-overlay.js";
import {tempDir, waitFor} from "../helpers/node.js";

interface Member {
  node: Node;
  id: string;
  dir: string;
}

async function startNetwork(n: number, threshold: number): Promise<{net: MemoryNetwork; members: Member[]}> {
  const net = new MemoryNetwork();
  const seeds = Array.from({length: n}, () => randomBytes(32));
  const ids = seeds.map((s) => new NodeKey(s).publicKey);
  const quorumSet = {threshold, validators: ids, innerSets: []};
  const members: Member[] = [];
  for (let i = 0; i < n; i++) {
    const dir = tempDir("diamante-net-");
    writeFileSync(join(dir, "node.key"), StrKey.encodeEd25519SecretSeed(seeds[i]!) + "\n");
    const node = new Node(
      {
        dataDir: dir,
        port: 0,
        host: "127.0.0.1",
        closeIntervalMs: 250,
        verifyThreads: 0,
        pathThreads: 0,
        logLevel: "warn",
        checkInvariants: true,
        network: {validator: true, quorumSet, peerHost: "127.0.0.1", peerPort: 0, peers: []},
      },
      {overlay: (key) => net.overlay(key.publicKey)},
    );
    members.push({node, id: ids[i]!, dir});
  }
  for (const m of members) await m.node.start();
  return {net, members};
}

async function stopAll(members: Member[]): Promise<void> {
  for (const m of members) {
    await m.node.stop().catch(() => undefined);
    rmSync(m.dir, {recursive: true, force: true});
  }
}

const lcl = (m: Member) => m.node.store.latestHeader().seq;

function assertSameChain(members: Member[], upTo: number): void {
  for (let seq = 1; seq <= upTo; seq++) {
    const hashes = new Set(members.map((m) => m.node.store.header(seq)?.hash));
    assert.equal(hashes.size, 1, `ledger ${seq} has one hash on every node: ${[...hashes].join(", ")}`);
  }
}

test("four validators with threshold 3 agree over the in-memory overlay; a tx sent to one is included once everywhere; a cut-off node catches up", async () => {
  const {net, members} = await startNetwork(4, 3);
  try {
    await waitFor(() => (members.every((m) => lcl(m) >= 8) ? true : undefined), 30_000, "8 ledgers on every node");
    assertSameChain(members, Math.min(...members.map(lcl)));

    // GET /quorum analyses the network as learnt from the peers' SCP envelopes, not this node alone.
    const q = (await (await fetch(`http://127.0.0.1:${members[0]!.node.port}/quorum`)).json()) as {nodes: number; intersection: boolean; smallest_blocking_set: string[]; top_tier: string[]};
    assert.equal(q.nodes, 4);
    assert.equal(q.intersection, true);
    assert.equal(q.smallest_blocking_set.length, 2);
    assert.deepEqual([...q.top_tier].sort(), members.map((m) => m.id).sort());
    // The dashboard's panels: every validator, each with its ledger and quorum health.
    // Peers report their status once a second: wait for reports sent after ledger 7 closed.
    const panels = await waitFor(() => {
      const ps = members[0]!.node.nodePanels(members[0]!.node.consensus.localQuorumSet);
      return ps.length === members.length && ps.every((p) => p.ledger >= 7) ? ps : undefined;
    }, 30_000, "every validator's panel at ledger 7 or later");
    assert.deepEqual(panels.map((p) => p.id).sort(), members.map((m) => m.id).sort());
    assert.ok(panels.every((p) => p.quorum?.toleratedFailures === 1), JSON.stringify(panels));

    // A payment submitted to node 2 only: flooded, included once, the same result on all.
    const root = rootKeypair(members[0]!.node.config.passphrase);
    const dest = Keypair.random();
    const rootSeq = members[1]!.node.store.account(root.publicKey())!.seqNum;
    const tx = new TransactionBuilder(new Account(root.publicKey(), rootSeq.toString()), {fee: "100", networkPassphrase: members[0]!.node.config.passphrase})
      .addOperation(Operation.createAccount({destination: dest.publicKey(), startingBalance: "10"}))
      .setTimeout(0)
      .build();
    tx.sign(root);
    const out = await members[1]!.node.herder.submit(tx.toEnvelope().toXDR("base64"), true);
    assert.equal(out.status, "SUCCESS", JSON.stringify(out));
    await waitFor(() => (members.every((m) => m.node.store.tx(out.hash)) ? true : undefined), 10_000, "the tx on every node");
    const ledgers = new Set(members.map((m) => m.node.store.tx(out.hash)!.ledger));
    assert.equal(ledgers.size, 1);
    for (const m of members) assert.equal(m.node.store.account(dest.publicKey())?.balance, 100_000_000n);
    // A late copy from a peer after its ledger closed: dropped by its raw bytes, never verified or checked again.
    const knownCopies = async () => (await members[0]!.node.metrics.overlayFloodDuplicates.get()).values.find((v) => v.labels.type === "tx_known")?.value ?? 0;
    const knownBefore = await knownCopies();
    net.deliver(members[1]!.id, members[0]!.id, {type: "tx", envelope: tx.toEnvelope().toXDR()});
    await waitFor(async () => ((await knownCopies()) === knownBefore + 1 ? true : undefined), 10_000, "the late copy counted as known");

    // One validator cut off: the other three keep closing.
    net.cut.add(members[3]!.id);
    const before = lcl(members[0]!);
    await waitFor(() => (lcl(members[0]!) >= before + 5 ? true : undefined), 30_000, "5 ledgers without node 4");
    const stuckAt = lcl(members[3]!);
    assert.ok(stuckAt < lcl(members[0]!));
    // Once node 4 has been silent for the liveness window, node 1's panels say so.
    await waitFor(
      () => {
        const ps = members[0]!.node.nodePanels(members[0]!.node.consensus.localQuorumSet);
        return ps.find((p) => p.id === members[3]!.id)?.phase === "unreachable" && ps[0]!.quorum?.oneFailureFromHalt === true ? ps : undefined;
      },
      30_000,
      "node 4 shown down and node 1 one failure from halting",
    );

    // A second one cut off: two of four are not a quorum; nothing closes, nothing diverges.
    net.cut.add(members[2]!.id);
    await new Promise((r) => setTimeout(r, 800));
    const frozen = members.map(lcl);
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(members.map(lcl), frozen, "no ledger closes without a quorum");

    // Both back: they catch up from peers and the four continue with one chain.
    net.cut.clear();
    const target = Math.max(...members.map(lcl)) + 5;
    await waitFor(() => (members.every((m) => lcl(m) >= target) ? true : undefined), 40_000, "every node past the stall");
    assertSameChain(members, Math.min(...members.map(lcl)));
    assert.equal(members[3]!.node.store.tx(out.hash)?.ledger, [...ledgers][0]);
  } finally {
    await stopAll(members);
  }
});

/**
 * Effects, joined transactions and transaction meta on a running node, read through the public
 * @stellar/stellar-sdk as a wallet or an indexer would.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, StrKey, TransactionBuilder, xdr} from "@stellar/stellar-sdk";
import {startNode, type RunningNode} from "../helpers/node.js";

describe("effects, join and meta through @stellar/stellar-sdk", () => {
  let n: RunningNode;
  let passphrase: string;
  const alice = Keypair.random();
  const bob = Keypair.random();
  let paymentHash = "";

  before(async () => {
    n = await startNode();
    passphrase = ((await (await fetch(n.url + "/")).json()) as {network_passphrase: string}).network_passphrase;
    await n.server.friendbot(alice.publicKey()).call();
    await n.server.friendbot(bob.publicKey()).call();
    const src = await n.server.loadAccount(alice.publicKey());
    const tx = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase})
      .addOperation(Operation.payment({destination: bob.publicKey(), asset: Asset.native(), amount: "3.5"}))
      .setTimeout(60)
      .build();
    tx.sign(alice);
    paymentHash = (await n.server.submitTransaction(tx)).hash;
  });
  after(async () => {
    await n.stop();
  });

  it("serves record.effects() of an operation and of an account", async () => {
    const ops = await n.server.operations().forTransaction(paymentHash).call();
    const effects = await ops.records[0]!.effects();
    assert.deepEqual(
      effects.records.map((e) => [e.type, e.account]),
      [
        ["account_credited", bob.publicKey()],
        ["account_debited", alice.publicKey()],
      ],
    );
    const mine = await n.server.effects().forAccount(alice.publicKey()).call();
    // Friendbot's create_account: alice created, root debited (not hers), her signer created.
    assert.deepEqual(mine.records.map((e) => e.type).slice(0, 2), ["account_created", "signer_created"]);
    const back = await mine.next();
    assert.ok(back.records.every((e) => e.account === alice.publicKey()));
  });

  it("embeds the transaction with join=transactions (transaction_attr)", async () => {
    const page = await n.server.payments().forAccount(bob.publicKey()).join("transactions").order("desc").limit(1).call();
    const rec = page.records[0] as unknown as {transaction_hash: string; transaction_attr: {hash: string; successful: boolean}};
    assert.equal(rec.transaction_hash, paymentHash);
    assert.equal(rec.transaction_attr.hash, paymentHash);
    assert.equal(rec.transaction_attr.successful, true);
  });

  it("returns result_meta_xdr, fee_meta_xdr and header_xdr the SDK's xdr types decode", async () => {
    const tx = await n.server.transactions().transaction(paymentHash).call();
    const meta = xdr.TransactionMeta.fromXDR(tx.result_meta_xdr, "base64");
    const changes = meta.v3().operations()[0]!.changes();
    const updated = changes.filter((c) => c.switch().name === "ledgerEntryUpdated").map((c) => StrKey.encodeEd25519PublicKey(c.updated().data().account().accountId().ed25519()));
    assert.deepEqual(updated.sort(), [alice.publicKey(), bob.publicKey()].sort());
    const fee = xdr.LedgerEntryChanges.fromXDR(tx.fee_meta_xdr, "base64");
    const [pre, post] = [fee[0]!.state(), fee[1]!.updated()];
    assert.equal(BigInt(pre.data().account().balance().toString()) - BigInt(post.data().account().balance().toString()), BigInt(tx.fee_charged));
    const ledger = await n.server.ledgers().ledger(tx.ledger_attr).call();
    const header = xdr.LedgerHeader.fromXDR((ledger as unknown as {header_xdr: string}).header_xdr, "base64");
    assert.equal(header.ledgerSeq(), tx.ledger_attr);
    assert.equal(header.previousLedgerHash().toString("hex"), (ledger as unknown as {prev_hash: string}).prev_hash);
  });
});

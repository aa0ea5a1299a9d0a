/**
 * Horizon's shapes that clients depend on, each checked against the API over a real store: result
 * codes, async submission errors, ledger counts, account fields, cursors, joins, headers, routes.
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {Horizon, TransactionBuilder as SdkTransactionBuilder, xdr} from "@stellar/stellar-sdk";
import {ApiServer} from "../../../src/api/server.js";
import type {ApiModules, SubmitOutcome} from "../../../src/api/interface.js";
import {BASE_FEE, buildTx, Keypair, PASSPHRASE, SdkAsset, SdkOperation, StoreLedger} from "./store-ledger.js";

interface Loose {
  readonly [key: string]: Loose;
}

const alice = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 21));
const bob = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 22));
const carol = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 23));

const REJECTED_RESULT_XDR = new xdr.TransactionResult({
  feeCharged: new xdr.Int64(100),
  result: xdr.TransactionResultResult.txBadSeq(),
  ext: new xdr.TransactionResultExt(0),
}).toXDR("base64");

describe("Horizon shapes over a real store", () => {
  const ledger = StoreLedger.create();
  const root = ledger.root;
  let server: ApiServer;
  let base = "";
  let sdk: Horizon.Server;
  /** What the next submission answers; null: close a ledger with it. */
  let nextOutcome: ((hash: string) => SubmitOutcome) | null = null;
  let mixedLedger = 0;
  let feeBumpHash = "";
  let synced = true;

  before(async () => {
    await ledger.close([
      buildTx(root, ledger.source(root), [
        SdkOperation.createAccount({destination: alice.publicKey(), startingBalance: "100"}),
        SdkOperation.createAccount({destination: bob.publicKey(), startingBalance: "100"}),
        SdkOperation.createAccount({destination: carol.publicKey(), startingBalance: "100"}),
      ]),
    ]);
    // One ledger with a successful 2-operation tx and a failed 1-operation tx.
    const mixed = await ledger.close([
      buildTx(alice, ledger.source(alice), [
        SdkOperation.payment({destination: bob.publicKey(), asset: SdkAsset.native(), amount: "1"}),
        SdkOperation.payment({destination: bob.publicKey(), asset: SdkAsset.native(), amount: "2"}),
      ]),
      buildTx(bob, ledger.source(bob), [SdkOperation.payment({destination: alice.publicKey(), asset: SdkAsset.native(), amount: "5000"})]),
    ]);
    mixedLedger = mixed.header.seq;
    // Carol hands signing to alice and sets her master key's weight to 0.
    await ledger.close([
      buildTx(carol, ledger.source(carol), [SdkOperation.setOptions({signer: {ed25519PublicKey: alice.publicKey(), weight: 1}, masterWeight: 0})]),
    ]);
    // A fee-bump paid by alice whose inner payment (from bob) cannot be afforded.
    const inner = buildTx(bob, ledger.source(bob), [SdkOperation.payment({destination: alice.publicKey(), asset: SdkAsset.native(), amount: "9000"})]);
    const bump = SdkTransactionBuilder.buildFeeBumpTransaction(alice, String(BASE_FEE * 2), inner, PASSPHRASE);
    bump.sign(alice);
    feeBumpHash = bump.hash().toString("hex");
    const closed = await ledger.close([bump]);
    assert.equal(closed.applied[0]!.successful, false);

    const modules: ApiModules = {
      reader: ledger.store,
      submitter: {
        async submit(envelope: string, wait: boolean): Promise<SubmitOutcome> {
          const tx = SdkTransactionBuilder.fromXDR(envelope, PASSPHRASE);
          const hash = tx.hash().toString("hex");
          if (nextOutcome !== null) return nextOutcome(hash);
          if (!wait) return {status: "PENDING", hash};
          const r = await ledger.close([tx]);
          server.ledgerClosed();
          return {status: r.applied[0]!.successful ? "SUCCESS" : "FAILED", hash, ledger: r.header.seq};
        },
      },
      friendbot: null,
      feeStats: {recentFees: () => []},
      health: {coreUp: () => true, coreSynced: () => synced},
      info: {networkPassphrase: PASSPHRASE, coreVersion: "core test", horizonVersion: "api test", protocolVersion: ledger.config.protocolVersion},
      metricsText: async () => "",
    };
    server = new ApiServer({host: "127.0.0.1", port: 0}, modules);
    base = `http://127.0.0.1:${await server.start()}`;
    sdk = new Horizon.Server(base, {allowHttp: true});
  });

  after(async () => {
    await server.stop();
    await ledger.dispose();
  });

  async function getJson(path: string, headers: Record<string, string> = {}): Promise<{status: number; headers: Headers; body: Loose}> {
    const r = await fetch(base + path, {headers});
    return {status: r.status, headers: r.headers, body: (await r.json()) as Loose};
  }

  async function post(path: string, envelope: string): Promise<{status: number; body: Loose}> {
    const r = await fetch(base + path, {
      method: "POST",
      headers: {"content-type": "application/x-www-form-urlencoded"},
      body: "tx=" + encodeURIComponent(envelope),
    });
    return {status: r.status, body: (await r.json()) as Loose};
  }

  it("reports a failed fee-bump's codes flat and snake_case", async () => {
    const stored = ledger.store.tx(feeBumpHash)!;
    nextOutcome = (hash) => ({status: "FAILED", hash});
    try {
      const r = await post("/transactions", stored.envelopeXdr);
      assert.equal(r.status, 400);
      assert.deepEqual(r.body.extras.result_codes, {
        transaction: "tx_fee_bump_inner_failed",
        inner_transaction: "tx_failed",
        operations: ["op_underfunded"],
      });
      assert.equal(r.body.extras.result_xdr, stored.resultXdr);
    } finally {
      nextOutcome = null;
    }
  });

  it("answers an async admission error with errorResultXdr (and error_result_xdr)", async () => {
    const tx = buildTx(alice, ledger.source(alice, 5), [SdkOperation.bumpSequence({bumpTo: "1"})]);
    nextOutcome = (hash) => ({status: "ERROR", hash, resultXdr: REJECTED_RESULT_XDR, resultCodes: {transaction: "tx_bad_seq"}});
    try {
      const r = await post("/transactions_async", tx.toEnvelope().toXDR("base64"));
      assert.equal(r.status, 400);
      assert.equal(r.body.tx_status, "ERROR");
      assert.equal(r.body.errorResultXdr, REJECTED_RESULT_XDR);
      assert.equal(r.body.error_result_xdr, REJECTED_RESULT_XDR);
    } finally {
      nextOutcome = null;
    }
  });

  it("answers a sync submission that timed out with transaction_submission_timeout", async () => {
    const tx = buildTx(alice, ledger.source(alice), [SdkOperation.bumpSequence({bumpTo: "1"})]);
    const envelope = tx.toEnvelope().toXDR("base64");
    nextOutcome = (hash) => ({status: "PENDING", hash});
    try {
      const r = await post("/transactions", envelope);
      assert.equal(r.status, 504);
      assert.equal(r.body.type, "https://stellar.org/horizon-errors/transaction_submission_timeout");
      assert.deepEqual(r.body.extras, {hash: tx.hash().toString("hex"), envelope_xdr: envelope});
    } finally {
      nextOutcome = null;
    }
  });

  it("serves result_meta_xdr and fee_meta_xdr as the XDR stellar-core emits", async () => {
    const txs = await sdk.transactions().forLedger(mixedLedger).includeFailed(true).call();
    const ok = txs.records.find((t) => t.successful)!;
    const meta = xdr.TransactionMeta.fromXDR(ok.result_meta_xdr, "base64");
    assert.equal(meta.switch(), 3);
    const v3 = meta.v3();
    // Before the operations: alice's sequence number consumed.
    const before = v3.txChangesBefore();
    assert.deepEqual(before.map((c) => c.switch().name), ["ledgerEntryState", "ledgerEntryUpdated"]);
    const seqBefore = BigInt(before[0]!.state().data().account().seqNum().toString());
    const seqAfter = BigInt(before[1]!.updated().data().account().seqNum().toString());
    assert.equal(seqAfter, seqBefore + 1n);
    assert.equal(before[1]!.updated().lastModifiedLedgerSeq(), mixedLedger);
    // CAP-21: the updated account carries seqLedger in AccountEntryExtensionV3.
    assert.equal(before[1]!.updated().data().account().ext().v1().ext().v2().ext().v3().seqLedger(), mixedLedger);
    // Each payment moved 1 and 2 DIAM from alice to bob.
    const ops = v3.operations();
    assert.equal(ops.length, 2);
    const balanceDelta = (changes: xdr.LedgerEntryChange[], id: string): bigint => {
      const of = (e: xdr.LedgerEntry) => (e.data().account().accountId().ed25519().equals(Keypair.fromPublicKey(id).rawPublicKey()) ? e : null);
      const pre = changes.map((c) => (c.switch().name === "ledgerEntryState" ? of(c.state()) : null)).find((e) => e !== null)!;
      const post = changes.map((c) => (c.switch().name === "ledgerEntryUpdated" ? of(c.updated()) : null)).find((e) => e !== null)!;
      return BigInt(post.data().account().balance().toString()) - BigInt(pre.data().account().balance().toString());
    };
    assert.equal(balanceDelta(ops[0]!.changes(), bob.publicKey()), 10_000_000n);
    assert.equal(balanceDelta(ops[0]!.changes(), alice.publicKey()), -10_000_000n);
    assert.equal(balanceDelta(ops[1]!.changes(), bob.publicKey()), 20_000_000n);
    assert.deepEqual(v3.txChangesAfter(), []);
    // The fee phase: alice charged 200 stroops.
    const fee = xdr.LedgerEntryChanges.fromXDR(ok.fee_meta_xdr, "base64");
    assert.equal(balanceDelta(fee, alice.publicKey()), -200n);
    // A failed transaction's operations left nothing, so it has no operation meta.
    const failed = txs.records.find((t) => !t.successful)!;
    assert.equal(xdr.TransactionMeta.fromXDR(failed.result_meta_xdr, "base64").v3().operations().length, 0);
    assert.equal(balanceDelta(xdr.LedgerEntryChanges.fromXDR(failed.fee_meta_xdr, "base64"), bob.publicKey()), -100n);
  });

  it("serves effects with Horizon's types, order and opid-n paging tokens", async () => {
    type Eff = {type: string; account: string; paging_token: string; id: string; amount?: string; starting_balance?: string; public_key?: string; weight?: number; name?: string; value?: string; new_seq?: string};
    const list = (b: Loose) => b._embedded.records as unknown as Eff[];
    // Ledger 2: three create_account operations, three effects each.
    const created = await getJson("/ledgers/2/effects?limit=200");
    assert.equal(created.status, 200);
    const c = list(created.body);
    assert.deepEqual(c.slice(0, 3).map((e) => [e.type, e.account]), [
      ["account_created", alice.publicKey()],
      ["account_debited", root.publicKey()],
      ["signer_created", alice.publicKey()],
    ]);
    assert.equal(c.length, 9);
    assert.equal(c[0]!.starting_balance, "100.0000000");
    const opId = (await sdk.operations().forLedger(2).call()).records[0]!.id;
    assert.equal(c[0]!.paging_token, `${opId}-1`);
    assert.equal(c[2]!.id, `${opId.padStart(19, "0")}-0000000003`);
    // Paging by token, both ways, over the real store.
    const first = await getJson("/effects?limit=2");
    const next = await getJson(String(first.body._links.next.href).slice(base.length));
    assert.deepEqual(list(next.body).map((e) => e.paging_token), c.slice(2, 4).map((e) => e.paging_token));
    const back = await getJson(`/effects?order=desc&limit=2&cursor=${c[4]!.paging_token}`);
    assert.deepEqual(list(back.body).map((e) => e.paging_token), [c[3]!.paging_token, c[2]!.paging_token]);
    // The SDK's record.effects(): a payment credits the destination, then debits the source.
    const pay = (await sdk.operations().forLedger(mixedLedger).call()).records[0]!;
    const pe = await pay.effects();
    assert.deepEqual(pe.records.map((e) => [e.type, e.account, (e as unknown as Eff).amount]), [
      ["account_credited", bob.publicKey(), "1.0000000"],
      ["account_debited", alice.publicKey(), "1.0000000"],
    ]);
    // set_options from meta: carol's master key (weight 1 → 0) removed, alice added.
    const carolEff = list((await getJson(`/accounts/${carol.publicKey()}/effects?order=desc&limit=2`)).body);
    assert.deepEqual(carolEff.map((e) => [e.type, e.public_key, e.weight]), [
      ["signer_created", alice.publicKey(), 1],
      ["signer_removed", carol.publicKey(), undefined],
    ]);
    // Failed transactions (the fee-bump too) have none.
    const failedTx = (await sdk.transactions().forLedger(mixedLedger).includeFailed(true).call()).records.find((t) => !t.successful)!;
    assert.equal((await failedTx.effects()).records.length, 0);
    assert.equal(list((await getJson(`/transactions/${feeBumpHash}/effects`)).body).length, 0);
    // manage_data and bump_sequence, read from the meta.
    const bumpTo = (ledger.account(bob.publicKey())!.seqNum + 10n).toString();
    const r = await ledger.close([
      buildTx(bob, ledger.source(bob), [
        SdkOperation.manageData({name: "k", value: "v1"}),
        SdkOperation.manageData({name: "k", value: "v2"}),
        SdkOperation.manageData({name: "k", value: null}),
        SdkOperation.bumpSequence({bumpTo}),
        SdkOperation.bumpSequence({bumpTo: "1"}),
      ]),
    ]);
    server.ledgerClosed();
    const txEff = list((await getJson(`/transactions/${r.frames[0]!.hashHex}/effects`)).body);
    assert.deepEqual(txEff.map((e) => [e.type, e.name, e.value, e.new_seq]), [
      ["data_created", "k", Buffer.from("v1").toString("base64"), undefined],
      ["data_updated", "k", Buffer.from("v2").toString("base64"), undefined],
      ["data_removed", "k", undefined, undefined],
      ["sequence_bumped", undefined, undefined, bumpTo],
    ]);
    const ops = await sdk.operations().forTransaction(r.frames[0]!.hashHex).call();
    const one = list((await getJson(`/operations/${ops.records[1]!.id}/effects`)).body);
    assert.deepEqual(one.map((e) => e.type), ["data_updated"]);
  });

  it("lists the accounts a signer can sign for, and requires exactly one filter", async () => {
    const all = await sdk.accounts().forSigner(alice.publicKey()).call();
    assert.deepEqual(all.records.map((a) => a.id), [alice.publicKey(), carol.publicKey()].sort());
    const first = await getJson(`/accounts?signer=${alice.publicKey()}&limit=1`);
    const firstIds = (first.body._embedded.records as unknown as {id: string}[]).map((a) => a.id);
    const second = await getJson(String(first.body._links.next.href).slice(base.length));
    const secondIds = (second.body._embedded.records as unknown as {id: string}[]).map((a) => a.id);
    assert.deepEqual([...firstIds, ...secondIds], all.records.map((a) => a.id));
    // Carol's master key has weight 0: she no longer signs for herself.
    assert.equal((await sdk.accounts().forSigner(carol.publicKey()).call()).records.length, 0);
    assert.equal((await getJson("/accounts")).status, 400);
    assert.equal((await getJson(`/accounts?signer=${alice.publicKey()}&sponsor=${bob.publicKey()}`)).status, 400);
    const byAsset = await sdk.accounts().forAsset(new SdkAsset("USD", bob.publicKey())).call();
    assert.equal(byAsset.records.length, 0);
    assert.equal((await getJson("/accounts?asset=native")).status, 400);
  });

  it("answers /health with the database, core and sync state", async () => {
    const ok = await getJson("/health");
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, {database_connected: true, core_up: true, core_synced: true} as unknown as Loose);
    synced = false;
    try {
      const lagging = await getJson("/health");
      assert.equal(lagging.status, 503);
      assert.deepEqual(lagging.body, {database_connected: true, core_up: true, core_synced: false} as unknown as Loose);
    } finally {
      synced = true;
    }
  });

  it("counts only successful transactions' operations in operation_count", async () => {
    const l = await getJson(`/ledgers/${mixedLedger}`);
    assert.equal(l.body.successful_transaction_count, 1);
    assert.equal(l.body.failed_transaction_count, 1);
    assert.equal(l.body.operation_count, 2);
    assert.equal(l.body.tx_set_operation_count, 3);
  });

  it("leaves a weight-0 master key out of signers and omits zero sequence_ledger/time", async () => {
    const c = await getJson(`/accounts/${carol.publicKey()}`);
    assert.deepEqual(c.body.signers, [{weight: 1, key: alice.publicKey(), type: "ed25519_public_key"}] as unknown as Loose);
    assert.equal(c.body.sequence_ledger, ledger.account(carol.publicKey())!.seqLedger);
    // Created by root and never the source of a tx: its sequence never moved.
    const fresh = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 24));
    await ledger.close([buildTx(root, ledger.source(root), [SdkOperation.createAccount({destination: fresh.publicKey(), startingBalance: "10"})])]);
    server.ledgerClosed();
    const f = await getJson(`/accounts/${fresh.publicKey()}`);
    assert.equal(f.status, 200);
    assert.ok(!("sequence_ledger" in f.body), "sequence_ledger is omitted when 0");
    assert.ok(!("sequence_time" in f.body), "sequence_time is omitted when 0");
    assert.equal((f.body.signers as unknown as unknown[]).length, 1);
  });

  it("treats cursor=now as after the latest ledger, so the next ledger is not skipped", async () => {
    const now = await getJson("/ledgers?cursor=now");
    assert.equal((now.body._embedded.records as unknown as unknown[]).length, 0);
    const next = String(now.body._links.next.href);
    await ledger.close([]);
    server.ledgerClosed();
    const after = await getJson(next.slice(base.length));
    const seqs = (after.body._embedded.records as unknown as {sequence: number}[]).map((r) => r.sequence);
    assert.deepEqual(seqs, [ledger.store.latestHeader().seq]);
  });

  it("embeds the transaction with join=transactions and refuses other joins", async () => {
    const page = await sdk.operations().forLedger(mixedLedger).join("transactions").call();
    assert.equal(page.records.length, 2);
    const attr = (page.records[0] as unknown as {transaction_attr: {hash: string; ledger_attr: number}}).transaction_attr;
    assert.equal(attr.hash, page.records[0].transaction_hash);
    assert.equal(attr.ledger_attr, mixedLedger);
    const payments = await getJson(`/accounts/${alice.publicKey()}/payments?join=transactions`);
    const first = (payments.body._embedded.records as unknown as {transaction: {hash: string}; transaction_hash: string}[])[0]!;
    assert.equal(first.transaction.hash, first.transaction_hash);
    const one = await getJson(`/operations/${page.records[1].id}?join=transactions`);
    assert.equal(one.body.transaction.hash, page.records[1].transaction_hash);
    const plain = await getJson(`/operations/${page.records[1].id}`);
    assert.ok(!("transaction" in plain.body));
    const bad = await getJson("/operations?join=accounts");
    assert.equal(bad.status, 400);
    assert.equal(bad.body.extras.invalid_field, "join");
  });

  it("sends Horizon's headers: Latest-Ledger, no-store caching, exposed headers, HAL type", async () => {
    const latest = String(ledger.store.latestHeader().seq);
    for (const path of [`/accounts/${alice.publicKey()}`, "/fee_stats", "/ledgers", "/"]) {
      const r = await getJson(path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get("latest-ledger"), latest, path);
      assert.equal(r.headers.get("cache-control"), "no-cache, no-store, max-age=0", path);
      assert.equal(r.headers.get("access-control-expose-headers"), "Date, Latest-Ledger", path);
      assert.equal(r.headers.get("content-type"), "application/hal+json; charset=utf-8", path);
    }
    const missing = await getJson("/nowhere");
    assert.equal(missing.headers.get("cache-control"), "no-cache, no-store, max-age=0");
    nextOutcome = (hash) => ({status: "PENDING", hash});
    try {
      const r = await fetch(base + "/transactions_async", {
        method: "POST",
        headers: {"content-type": "application/x-www-form-urlencoded"},
        body: "tx=" + encodeURIComponent(buildTx(alice, ledger.source(alice), [SdkOperation.bumpSequence({bumpTo: "1"})]).toEnvelope().toXDR("base64")),
      });
      assert.equal(r.headers.get("content-type"), "application/hal+json; charset=utf-8");
    } finally {
      nextOutcome = null;
    }
  });

  it("gzips a large page for a client that accepts it, and only then", async () => {
    const zipped = await fetch(base + "/operations?limit=200", {headers: {"accept-encoding": "gzip"}});
    assert.equal(zipped.headers.get("content-encoding"), "gzip");
    const body = (await zipped.json()) as Loose;
    const plain = await fetch(base + "/operations?limit=200", {headers: {"accept-encoding": "identity"}});
    assert.equal(plain.headers.get("content-encoding"), null);
    assert.deepEqual(await plain.json(), body);
    const small = await fetch(base + "/operations?limit=1&order=desc&cursor=1", {headers: {"accept-encoding": "gzip"}});
    assert.equal(small.headers.get("content-encoding"), null, "a tiny body is sent as is");
  });

  it("answers HEAD as GET, with its status and headers and no body", async () => {
    for (const path of ["/ledgers?limit=2", `/accounts/${alice.publicKey()}`, "/accounts/GNOTANACCOUNT"]) {
      const get = await fetch(base + path, {headers: {"accept-encoding": "identity"}});
      const getBody = Buffer.from(await get.arrayBuffer());
      const head = await fetch(base + path, {method: "HEAD", headers: {"accept-encoding": "identity"}});
      assert.equal(head.status, get.status, path);
      assert.equal(head.headers.get("content-type"), get.headers.get("content-type"), path);
      assert.equal(head.headers.get("latest-ledger"), get.headers.get("latest-ledger"), path);
      assert.equal(head.headers.get("content-length"), String(getBody.length), path);
      assert.equal((await head.arrayBuffer()).byteLength, 0, path);
    }
    assert.equal((await fetch(base + "/no/such/route", {method: "HEAD"})).status, 404);
  });

  it("serves a path with a trailing slash as the same route", async () => {
    const a = await getJson("/ledgers/?limit=2");
    const b = await getJson("/ledgers?limit=2");
    assert.equal(a.status, 200);
    assert.deepEqual(a.body._embedded, b.body._embedded);
    assert.equal((await getJson(`/accounts/${alice.publicKey()}/`)).body.id, alice.publicKey());
  });

  it("accepts include_failed=1, refuses uppercase hashes, and carries every parameter into page links", async () => {
    const failed = await getJson(`/accounts/${bob.publicKey()}/transactions?include_failed=1&limit=200`);
    assert.equal(failed.status, 200);
    assert.ok((failed.body._embedded.records as unknown as {successful: boolean}[]).some((t) => !t.successful));
    const upper = await getJson(`/transactions/${feeBumpHash.toUpperCase()}`);
    assert.equal(upper.status, 400);
    assert.equal(upper.body.extras.invalid_field, "tx_id");
    const ops = await getJson(`/accounts/${bob.publicKey()}/operations?include_failed=1&join=transactions&limit=2`);
    const next = new URL(String(ops.body._links.next.href));
    assert.equal(next.searchParams.get("include_failed"), "1");
    assert.equal(next.searchParams.get("join"), "transactions");
    assert.equal(next.searchParams.get("limit"), "2");
    const prev = new URL(String(ops.body._links.prev.href));
    assert.equal(prev.searchParams.get("join"), "transactions");
  });
});

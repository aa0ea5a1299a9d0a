import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {Horizon, NotFoundError, AccountRequiresMemoError, xdr} from "@stellar/stellar-sdk";
import {ApiServer} from "../../../src/api/server.js";
import {createMetrics} from "../../../src/metrics/metrics.js";
import type {ApiModules, Friendbot, SubmitOutcome, TxSubmitter} from "../../../src/api/interface.js";
import {buildTx, Keypair, Memo, PASSPHRASE, SdkAsset, SdkOperation, StoreLedger, TransactionBuilder} from "./store-ledger.js";

/** Parsed JSON navigated by key; leaves are compared with assert, arrays are cast where iterated. */
interface Loose {
  readonly [key: string]: Loose;
}

function records(page: Loose): {hash: string; successful: boolean; transaction_successful: boolean}[] {
  return page._embedded.records as unknown as {hash: string; successful: boolean; transaction_successful: boolean}[];
}

/** What an admission rejection carries: a tx_failed result with one op_underfunded. */
const FAILED_RESULT_XDR = new xdr.TransactionResult({
  feeCharged: new xdr.Int64(100),
  result: xdr.TransactionResultResult.txFailed([xdr.OperationResult.opInner(xdr.OperationResultTr.payment(xdr.PaymentResult.paymentUnderfunded()))]),
  ext: new xdr.TransactionResultExt(0),
}).toXDR("base64");

const alice = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 2));
const bob = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 3));
const carol = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 4));

/** Submitter that applies (through a real ledger close), rejects or holds submissions on demand. */
class FakeSubmitter implements TxSubmitter {
  mode: "apply" | "reject" | "hold" = "apply";
  calls = 0;
  held: ((o: SubmitOutcome) => void) | null = null;

  constructor(
    private readonly ledger: StoreLedger,
    private readonly closed: () => void,
  ) {}

  async submit(envelope: string, wait: boolean): Promise<SubmitOutcome> {
    this.calls++;
    let tx;
    try {
      tx = TransactionBuilder.fromXDR(envelope, PASSPHRASE);
    } catch (err) {
      return {status: "ERROR", hash: "", error: (err as Error).message};
    }
    const hash = tx.hash().toString("hex");
    if (this.mode === "reject") {
      return {
        status: "ERROR",
        hash,
        envelopeXdr: envelope,
        resultXdr: FAILED_RESULT_XDR,
        resultCodes: {transaction: "tx_failed", operations: ["op_underfunded"]},
      };
    }
    if (this.mode === "hold") return new Promise((resolve) => (this.held = resolve));
    if (!wait) return {status: "PENDING", hash};
    const r = await this.ledger.close([tx]);
    this.closed();
    return {status: r.applied[0]!.successful ? "SUCCESS" : "FAILED", hash, ledger: r.header.seq};
  }
}

describe("ApiServer against the SDK and fetch, over a real store", () => {
  const ledger = StoreLedger.create();
  const root = ledger.root;
  const logged: unknown[] = [];
  let server: ApiServer;
  let submitter: FakeSubmitter;
  let base = "";
  /** A real registry: /metrics must serve its current values, never a cached page. */
  const metrics = createMetrics();
  let sdk: Horizon.Server;
  let funded = 0;
  let paymentHashes: string[] = [];
  let failedHash = "";

  before(async () => {
    // Ledger 2: root creates alice, bob and carol.
    await ledger.close([
      buildTx(root, ledger.source(root), [
        SdkOperation.createAccount({destination: alice.publicKey(), startingBalance: "1000"}),
        SdkOperation.createAccount({destination: bob.publicKey(), startingBalance: "500"}),
        SdkOperation.createAccount({destination: carol.publicKey(), startingBalance: "10"}),
      ]),
    ]);
    // Ledger 3: twelve payments alice → bob.
    const aliceAcc = ledger.source(alice);
    const payments = Array.from({length: 12}, (_, i) =>
      buildTx(alice, aliceAcc, [SdkOperation.payment({destination: bob.publicKey(), asset: SdkAsset.native(), amount: String(i + 1)})], {
        memo: Memo.text(`pay ${i + 1}`),
      }),
    );
    paymentHashes = payments.map((t) => t.hash().toString("hex"));
    await ledger.close(payments);
    // Ledger 4: a payment alice cannot afford (charged, failed).
    const failing = buildTx(alice, ledger.source(alice), [SdkOperation.payment({destination: bob.publicKey(), asset: SdkAsset.native(), amount: "99999"})]);
    failedHash = failing.hash().toString("hex");
    const l4 = await ledger.close([failing]);
    assert.equal(l4.applied[0]!.successful, false);
    // Ledger 5: alice's options and data; carol requires memos.
    await ledger.close([
      buildTx(alice, ledger.source(alice), [
        SdkOperation.setOptions({
          masterWeight: 5,
          lowThreshold: 1,
          medThreshold: 2,
          highThreshold: 3,
          signer: {ed25519PublicKey: carol.publicKey(), weight: 1},
          setFlags: 0b1010 as never,
          homeDomain: "alice.example",
        }),
        SdkOperation.manageData({name: "hello", value: "world"}),
      ]),
      buildTx(carol, ledger.source(carol), [SdkOperation.manageData({name: "config.memo_required", value: "1"})]),
    ]);

    const friendbot: Friendbot = {
      async fund(address: string): Promise<SubmitOutcome> {
        funded++;
        const tx = buildTx(root, ledger.source(root), [SdkOperation.createAccount({destination: address, startingBalance: "10000"})]);
        return submitter.submit(tx.toEnvelope().toXDR("base64"), true);
      },
    };
    const modules: ApiModules = {
      reader: ledger.store,
      submitter: {submit: (e, w) => submitter.submit(e, w)},
      friendbot,
      feeStats: {
        recentFees: () => [
          {ledger: 3, baseFee: 100n, feesPerOp: Array.from({length: 12}, () => 100n), capacityUsage: 0.012},
          {ledger: 4, baseFee: 100n, feesPerOp: [100n, 250n], capacityUsage: 0.002},
        ],
      },
      info: {networkPassphrase: PASSPHRASE, coreVersion: "diamante-core test", horizonVersion: "aurora test", protocolVersion: ledger.config.protocolVersion},
      metricsText: () => metrics.registry.metrics(),
    };
    server = new ApiServer({host: "127.0.0.1", port: 0, logger: {error: (...a: unknown[]) => logged.push(a), warn: () => {}}}, modules);
    submitter = new FakeSubmitter(ledger, () => server.ledgerClosed());
    const port = await server.start();
    assert.ok(port > 0);
    base = `http://127.0.0.1:${port}`;
    sdk = new Horizon.Server(base, {allowHttp: true});
  });

  after(async () => {
    await server.stop();
    await ledger.dispose();
  });

  async function getJson(path: string): Promise<{status: number; type: string | null; body: Loose}> {
    const r = await fetch(base + path);
    return {status: r.status, type: r.headers.get("content-type"), body: (await r.json()) as Loose};
  }

  it("serves the root with network, versions and ledger range", async () => {
    const {status, body} = await getJson("/");
    assert.equal(status, 200);
    assert.equal(body.network_passphrase, PASSPHRASE);
    assert.equal(body.history_latest_ledger, ledger.store.latestHeader().seq);
    assert.equal(body.history_elder_ledger, 1);
    assert.equal(body.current_protocol_version, ledger.config.protocolVersion);
    assert.match(String(body.history_latest_ledger_closed_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(body._links.account.templated, true);
  });

  it("loadAccount returns balance, sequence, signers and data", async () => {
    const acc = await sdk.loadAccount(alice.publicKey());
    const entry = ledger.account(alice.publicKey())!;
    assert.equal(acc.sequenceNumber(), entry.seqNum.toString());
    const native = acc.balances.find((b) => b.asset_type === "native");
    // 1000 - (1 + … + 12) paid, 12 + 1 + 2 operations' fees of 100 stroops.
    assert.equal(native?.balance, "921.9998500");
    assert.equal(entry.balance, 9_219_998_500n);
    assert.equal(acc.thresholds.high_threshold, 3);
    assert.deepEqual(acc.flags, {auth_required: false, auth_revocable: true, auth_immutable: false, auth_clawback_enabled: true});
    assert.deepEqual(
      acc.signers.map((s) => [s.key, s.weight, s.type]),
      [
        [carol.publicKey(), 1, "ed25519_public_key"],
        [alice.publicKey(), 5, "ed25519_public_key"],
      ],
    );
    assert.equal(acc.home_domain, "alice.example");
    assert.equal(acc.last_modified_time, new Date((ledger.store.header(entry.lastModifiedLedger)!.closeTime) * 1000).toISOString().replace(".000Z", "Z"));
    // The SDK keeps the `data` field as data_attr because `_links.data` exists.
    assert.equal(acc.data_attr.hello, Buffer.from("world").toString("base64"));
    const value = await acc.data({key: "hello"} as unknown as {value: string});
    assert.equal(value.value, Buffer.from("world").toString("base64"));
  });

  it("serves a data value as JSON or raw bytes and 404s a missing key", async () => {
    const raw = await fetch(`${base}/accounts/${alice.publicKey()}/data/hello`, {headers: {accept: "application/octet-stream"}});
    assert.equal(raw.status, 200);
    assert.equal(Buffer.from(await raw.arrayBuffer()).toString(), "world");
    const json = await getJson(`/accounts/${alice.publicKey()}/data/hello`);
    assert.equal(json.body.value, Buffer.from("world").toString("base64"));
    const missing = await getJson(`/accounts/${alice.publicKey()}/data/nope`);
    assert.equal(missing.status, 404);
  });

  it("pages payments with next() and order=desc", async () => {
    const page1 = await sdk.payments().forAccount(alice.publicKey()).limit(5).call();
    assert.equal(page1.records.length, 5);
    // Account payments: alice's creation, then her successful payments; the failed one is hidden.
    assert.equal(page1.records[0].type, "create_account");
    const page2 = await page1.next();
    assert.equal(page2.records.length, 5);
    assert.ok(BigInt(page2.records[0].paging_token) > BigInt(page1.records[4].paging_token));
    const page3 = await page2.next();
    assert.equal(page3.records.length, 3);
    const empty = await page3.next();
    assert.equal(empty.records.length, 0);
    const all = [...page1.records, ...page2.records, ...page3.records];
    const amounts = all.filter((r) => r.type === "payment").map((r) => (r as {amount: string}).amount);
    assert.deepEqual(amounts, Array.from({length: 12}, (_, i) => `${i + 1}.0000000`));

    const desc = await sdk.payments().forAccount(alice.publicKey()).order("desc").limit(2).call();
    assert.equal(desc.records[0].paging_token, all[all.length - 1].paging_token);
    assert.equal(desc.records[1].paging_token, all[all.length - 2].paging_token);
    const back = await desc.prev();
    assert.equal(back.records.length, 0, "nothing after the newest payment");
  });

  it("hides failed transactions unless include_failed=true", async () => {
    const hidden = await getJson(`/accounts/${alice.publicKey()}/transactions?limit=200`);
    assert.ok(!records(hidden.body).some((r) => r.hash === failedHash));
    const shown = await getJson(`/accounts/${alice.publicKey()}/transactions?limit=200&include_failed=true`);
    const failed = records(shown.body).find((r) => r.hash === failedHash);
    assert.equal(failed?.successful, false);
    assert.match(String(shown.body._links.next.href), /include_failed=true/);
    const ops = await getJson(`/transactions/${failedHash}/operations`);
    assert.equal(records(ops.body).length, 1, "a transaction's own operations are listed even when it failed");
    assert.equal(records(ops.body)[0].transaction_successful, false);
  });

  it("serves transactions with Horizon's fields and links", async () => {
    const tx = await sdk.transactions().transaction(paymentHashes[2]).call();
    assert.equal(tx.id, paymentHashes[2]);
    assert.equal(tx.hash, paymentHashes[2]);
    assert.equal(tx.ledger_attr, 3);
    assert.equal(tx.memo_type, "text");
    assert.equal(tx.memo, "pay 3");
    assert.equal(tx.fee_charged, "100");
    assert.equal(tx.max_fee, "100");
    assert.equal(tx.source_account, alice.publicKey());
    assert.equal(tx.successful, true);
    assert.equal((tx as unknown as {valid_after: string}).valid_after, "1970-01-01T00:00:00Z");
    const ops = await tx.operations();
    assert.equal(ops.records.length, 1);
    assert.equal(ops.records[0].type, "payment");
    assert.equal((ops.records[0] as {to: string}).to, bob.publicKey());
    const led = await tx.ledger();
    assert.equal(led.sequence, 3);
  });

  it("serves ledgers and operations collections", async () => {
    const page = await sdk.ledgers().order("desc").limit(2).call();
    assert.deepEqual(page.records.map((l) => l.sequence), [ledger.store.latestHeader().seq, ledger.store.latestHeader().seq - 1]);
    const l3 = await sdk.ledgers().ledger(3).call();
    assert.equal((l3 as unknown as {successful_transaction_count: number}).successful_transaction_count, 12);
    assert.equal((l3 as unknown as {total_coins: string}).total_coins, "100000000.0000000");
    const ops = await sdk.operations().forLedger(2).call();
    assert.deepEqual(ops.records.map((o) => o.type), ["create_account", "create_account", "create_account"]);
    assert.equal((ops.records[0] as {starting_balance: string}).starting_balance, "1000.0000000");
    const one = await sdk.operations().operation(ops.records[1].id).call();
    assert.equal((one as {account: string}).account, bob.publicKey());
    const tx = await one.transaction();
    assert.equal(tx.operation_count, 3);
  });

  it("answers 404 problems for an unknown hash and an unknown route", async () => {
    await assert.rejects(sdk.transactions().transaction("ab".repeat(32)).call(), NotFoundError);
    const missing = await getJson("/transactions/" + "ab".repeat(32));
    assert.equal(missing.status, 404);
    assert.equal(missing.type, "application/problem+json; charset=utf-8");
    assert.equal(missing.body.type, "https://stellar.org/horizon-errors/not_found");
    assert.equal(missing.body.status, 404);
    const route = await getJson("/no/such/route");
    assert.equal(route.status, 404);
    assert.equal(route.body.type, "https://stellar.org/horizon-errors/not_found");
  });

  it("rejects bad parameters with 400 and the field name", async () => {
    const acct = await getJson("/accounts/GNOTANACCOUNT");
    assert.equal(acct.status, 400);
    assert.equal(acct.body.type, "https://stellar.org/horizon-errors/bad_request");
    assert.equal(acct.body.extras.invalid_field, "account_id");
    assert.equal(typeof acct.body.extras.reason, "string");
    assert.equal((await getJson("/ledgers?limit=201")).body.extras.invalid_field, "limit");
    assert.equal((await getJson("/ledgers?limit=abc")).body.extras.invalid_field, "limit");
    assert.equal((await getJson("/ledgers?order=up")).body.extras.invalid_field, "order");
    assert.equal((await getJson("/operations?cursor=-5")).body.extras.invalid_field, "cursor");
    assert.equal((await getJson("/transactions/xyz")).body.extras.invalid_field, "tx_id");
    assert.equal((await getJson("/ledgers/0")).body.extras.invalid_field, "ledger_id");
  });

  it("answers 413 to an oversize body and keeps serving", async () => {
    const big = "tx=" + "A".repeat(70 * 1024);
    const r = await fetch(base + "/transactions", {
      method: "POST",
      headers: {"content-type": "application/x-www-form-urlencoded"},
      body: big,
    });
    assert.equal(r.status, 413);
    const body = (await r.json()) as {type: string};
    assert.equal(body.type, "https://stellar.org/horizon-errors/request_entity_too_large");
    assert.equal((await fetch(base + "/")).status, 200);
    assert.equal(submitter.calls, 0, "an oversize body never reaches the submitter");
  });

  it("caps a chunked body without a declared length", async () => {
    const chunk = new TextEncoder().encode("A".repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctl) {
        // 8 x 16 KiB = 128 KiB, twice the cap; stop early if the server already answered.
        if (sent++ < 8) ctl.enqueue(chunk);
        else ctl.close();
      },
    });
    const r = await fetch(base + "/transactions", {
      method: "POST",
      headers: {"content-type": "application/x-www-form-urlencoded"},
      body: stream,
      duplex: "half",
    } as RequestInit & {duplex: "half"});
    assert.equal(r.status, 413);
    assert.equal(submitter.calls, 0);
    assert.equal((await fetch(base + "/ledgers/1")).status, 200);
  });

  it("surfaces a rejected submission's result codes through the SDK", async () => {
    submitter.mode = "reject";
    try {
      const src = await sdk.loadAccount(alice.publicKey());
      const tx = buildTx(alice, src, [SdkOperation.payment({destination: bob.publicKey(), asset: SdkAsset.native(), amount: "1000000"})]);
      const err = await sdk.submitTransaction(tx).then(
        () => assert.fail("submission should fail"),
        (e: {response?: {status: number; data: {type: string; extras: {result_codes: {transaction: string; operations: string[]}; envelope_xdr: string; result_xdr: string}}}}) => e,
      );
      assert.equal(err.response?.status, 400);
      const data = err.response!.data;
      assert.equal(data.type, "https://stellar.org/horizon-errors/transaction_failed");
      assert.deepEqual(data.extras.result_codes, {transaction: "tx_failed", operations: ["op_underfunded"]});
      assert.equal(data.extras.envelope_xdr, tx.toEnvelope().toXDR("base64"));
      assert.equal(data.extras.result_xdr, FAILED_RESULT_XDR);
    } finally {
      submitter.mode = "apply";
    }
  });

  it("submits through the SDK, waits for the ledger and returns the transaction", async () => {
    const src = await sdk.loadAccount(alice.publicKey());
    const tx = buildTx(alice, src, [SdkOperation.payment({destination: bob.publicKey(), asset: SdkAsset.native(), amount: "7.5"})]);
    const res = await sdk.submitTransaction(tx);
    assert.equal(res.hash, tx.hash().toString("hex"));
    assert.equal(res.ledger, ledger.store.latestHeader().seq);
    assert.equal(res.successful, true);
    const after = await sdk.loadAccount(alice.publicKey());
    assert.equal(after.sequenceNumber(), src.sequenceNumber(), "the cache was cleared by ledgerClosed()");
    const payment = await sdk.payments().forTransaction(res.hash).call();
    assert.equal((payment.records[0] as {amount: string}).amount, "7.5000000");
  });

  it("lets the SDK's memo-required check read data_attr of the destination", async () => {
    const src = await sdk.loadAccount(alice.publicKey());
    const tx = buildTx(alice, src, [SdkOperation.payment({destination: carol.publicKey(), asset: SdkAsset.native(), amount: "1"})]);
    const calls = submitter.calls;
    await assert.rejects(sdk.submitTransaction(tx), AccountRequiresMemoError);
    assert.equal(submitter.calls, calls, "the SDK stopped before posting");
  });

  it("maps malformed and missing envelopes to 400 problems", async () => {
    const malformed = await fetch(base + "/transactions", {
      method: "POST",
      headers: {"content-type": "application/x-www-form-urlencoded"},
      body: "tx=" + encodeURIComponent("bm90IGFuIGVudmVsb3Bl"),
    });
    assert.equal(malformed.status, 400);
    const m = (await malformed.json()) as {type: string; extras: {envelope_xdr: string}};
    assert.equal(m.type, "https://stellar.org/horizon-errors/transaction_malformed");
    assert.equal(m.extras.envelope_xdr, "bm90IGFuIGVudmVsb3Bl");
    const missing = await fetch(base + "/transactions", {method: "POST", headers: {"content-type": "application/json"}, body: "{}"});
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as {extras: {invalid_field: string}}).extras.invalid_field, "tx");
  });

  it("answers async submissions with Horizon's tx_status shape", async () => {
    const src = await sdk.loadAccount(bob.publicKey());
    const tx = buildTx(bob, src, [SdkOperation.payment({destination: alice.publicKey(), asset: SdkAsset.native(), amount: "1"})]);
    const res = await sdk.submitAsyncTransaction(tx);
    assert.equal(res.tx_status, "PENDING");
    assert.equal(res.hash, tx.hash().toString("hex"));
    const raw = await fetch(base + "/transactions_async", {
      method: "POST",
      headers: {"content-type": "application/json"},
      body: JSON.stringify({tx: tx.toEnvelope().toXDR("base64")}),
    });
    assert.equal(raw.status, 201);
    submitter.mode = "reject";
    try {
      const rejected = await fetch(base + "/transactions_async", {
        method: "POST",
        headers: {"content-type": "application/x-www-form-urlencoded"},
        body: "tx=" + encodeURIComponent(tx.toEnvelope().toXDR("base64")),
      });
      assert.equal(rejected.status, 400);
      assert.deepEqual(await rejected.json(), {tx_status: "ERROR", hash: res.hash, errorResultXdr: FAILED_RESULT_XDR, error_result_xdr: FAILED_RESULT_XDR});
    } finally {
      submitter.mode = "apply";
    }
  });

  it("serves a cached body until ledgerClosed(), then the new state", async () => {
    const path = `/accounts/${bob.publicKey()}`;
    const before = await getJson(path);
    // A ledger committed but not yet signalled to the API.
    await ledger.close([buildTx(root, ledger.source(root), [SdkOperation.payment({destination: bob.publicKey(), asset: SdkAsset.native(), amount: "1"})])]);
    const cached = await getJson(path);
    assert.equal(cached.body.balances[0].balance, before.body.balances[0].balance, "state written but no close signalled yet");
    server.ledgerClosed();
    const fresh = await getJson(path);
    assert.notEqual(fresh.body.balances[0].balance, before.body.balances[0].balance);
    const units = (b: Loose) => BigInt(String(b.balances[0].balance).replace(".", ""));
    assert.equal(units(fresh.body) - units(before.body), 10_000_000n);
  });

  it("reports fee stats computed from recent fees", async () => {
    const stats = await sdk.feeStats();
    assert.equal(stats.last_ledger, String(ledger.store.latestHeader().seq));
    assert.equal(stats.last_ledger_base_fee, "100");
    assert.equal(stats.ledger_capacity_usage, "0.01");
    assert.equal(stats.max_fee.max, "250");
    assert.equal(stats.max_fee.mode, "100");
    assert.equal(stats.max_fee.p99, "250");
    assert.equal(stats.max_fee.p50, "100");
    assert.equal(stats.fee_charged.max, "100");
  });

  it("funds through friendbot without caching the call", async () => {
    const fresh = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 9));
    const res = (await sdk.friendbot(fresh.publicKey()).call()) as unknown as {hash: string; successful: boolean};
    assert.equal(res.successful, true);
    assert.equal(funded, 1);
    const acc = await sdk.loadAccount(fresh.publicKey());
    assert.equal(acc.balances[0].balance, "10000.0000000");
    await fetch(`${base}/friendbot?addr=${fresh.publicKey()}`);
    assert.equal(funded, 2, "a second call reaches the faucet again");
    const bad = await getJson("/friendbot?addr=nope");
    assert.equal(bad.body.extras.invalid_field, "addr");
  });

  it("serves /metrics as Prometheus text and sets CORS on every answer", async () => {
    const r = await fetch(base + "/metrics");
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /^text\/plain/);
    const closed = (text: string): number => Number(/^diamante_ledger_closed_total (\d+)$/m.exec(text)?.[1]);
    const before = closed(await r.text());
    metrics.ledgersClosed.inc(2);
    assert.equal(closed(await (await fetch(base + "/metrics")).text()), before + 2, "the second read shows the new count");
    assert.equal(r.headers.get("access-control-allow-origin"), "*");
    const problem = await fetch(base + "/nowhere");
    assert.equal(problem.headers.get("access-control-allow-origin"), "*");
    const pre = await fetch(base + "/transactions", {method: "OPTIONS", headers: {"access-control-request-headers": "x-client-name"}});
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-headers"), "x-client-name");
  });

  it("turns a throwing handler into a 500 without leaking or crashing", async () => {
    const original = ledger.store.op.bind(ledger.store);
    ledger.store.op = () => {
      throw new Error("disk on fire");
    };
    try {
      const r = await getJson("/operations/12884905985");
      assert.equal(r.status, 500);
      assert.equal(r.body.type, "https://stellar.org/horizon-errors/server_error");
      assert.ok(!JSON.stringify(r.body).includes("disk on fire"));
      assert.ok(logged.length > 0, "the failure was logged");
    } finally {
      ledger.store.op = original;
    }
    assert.equal((await getJson("/operations/12884905985")).status, 200, "500s are not cached");
  });

  it("drops the answer of a submission whose client went away", async () => {
    submitter.mode = "hold";
    try {
      const src = await sdk.loadAccount(bob.publicKey());
      const tx = buildTx(bob, src, [SdkOperation.payment({destination: alice.publicKey(), asset: SdkAsset.native(), amount: "1"})]);
      const ctl = new AbortController();
      const pending = fetch(base + "/transactions", {
        method: "POST",
        headers: {"content-type": "application/x-www-form-urlencoded"},
        body: "tx=" + encodeURIComponent(tx.toEnvelope().toXDR("base64")),
        signal: ctl.signal,
      }).catch((e: Error) => e);
      while (submitter.held === null) await new Promise((r) => setTimeout(r, 5));
      ctl.abort();
      assert.ok((await pending) instanceof Error);
      await new Promise((r) => setTimeout(r, 20));
      submitter.held({status: "SUCCESS", hash: tx.hash().toString("hex")});
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      submitter.mode = "apply";
      submitter.held = null;
    }
    assert.equal((await fetch(base + "/")).status, 200, "the server is still up");
  });
});

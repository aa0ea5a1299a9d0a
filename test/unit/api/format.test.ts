import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Account, Asset, Keypair, Memo, MuxedAccount, Operation as SdkOperation, StrKey, TransactionBuilder, xdr} from "@stellar/stellar-sdk";
import {decodeTxFrame} from "../../../src/tx/frame.js";
import {networkIdOf} from "../../../src/ledger/options.js";
import {storedTxOf} from "../../../src/store/records.js";
import {storedOp as storedOpOfTx} from "../../../src/store/ledger-store.js";
import {formatAmount, INT64_MAX} from "../../../src/api/format/amount.js";
import {parseToid, toid} from "../../../src/api/format/toid.js";
import {isoTime} from "../../../src/api/format/time.js";
import {feeDistribution, feeStatsRecord} from "../../../src/api/format/fee-stats.js";
import {accountRecord} from "../../../src/api/format/account.js";
import {operationRecord} from "../../../src/api/format/operation.js";
import {transactionRecord} from "../../../src/api/format/transaction.js";
import {pageRecord} from "../../../src/api/format/page.js";
import {problemRecord} from "../../../src/api/format/problem.js";
import {ledgerRecord} from "../../../src/api/format/ledger.js";
import {ApiErrorCode} from "../../../src/api/errors.js";
import {ResponseCache} from "../../../src/api/cache.js";
import {filteredPage} from "../../../src/api/routes/collections.js";
import type {AccountEntry, LedgerHeader} from "../../../src/ledger/types.js";
import type {StoredOp, StoredTx} from "../../../src/store/types.js";
import type {Operation} from "../../../src/tx/types.js";
import {PASSPHRASE} from "./store-ledger.js";

const BASE = "http://h:8000";
const A = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 7)).publicKey();
const B = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 8)).publicKey();

describe("formatAmount", () => {
  it("prints 7 decimals without exponent across the int64 range", () => {
    assert.equal(formatAmount(0n), "0.0000000");
    assert.equal(formatAmount(1n), "0.0000001");
    assert.equal(formatAmount(10_000_000n), "1.0000000");
    assert.equal(formatAmount(1_234_567_890n), "123.4567890");
    assert.equal(formatAmount(INT64_MAX), "922337203685.4775807");
    assert.equal(formatAmount(100_000_000_000n * 10_000_000n), "100000000000.0000000");
  });

  it("never prints a negative or out-of-range amount", () => {
    assert.throws(() => formatAmount(-1n), RangeError);
    assert.throws(() => formatAmount(INT64_MAX + 1n), RangeError);
  });
});

describe("TOID", () => {
  it("packs ledger, transaction and operation into Horizon's ids", () => {
    assert.equal(toid(1, 0, 0), "4294967296");
    assert.equal(toid(3, 2, 1), String(3n * 2n ** 32n + 2n * 4096n + 1n));
    assert.deepEqual(parseToid(toid(123456, 1048575, 4095)), {ledger: 123456, txIndex: 1048575, opIndex: 4095});
  });

  it("rejects what cannot be a TOID", () => {
    assert.equal(parseToid("-1"), undefined);
    assert.equal(parseToid("abc"), undefined);
    assert.equal(parseToid("9223372036854775808"), undefined);
    assert.throws(() => toid(2 ** 31, 0, 0), RangeError);
    assert.throws(() => toid(1, 2 ** 20, 0), RangeError);
    assert.throws(() => toid(1, 0, 4096), RangeError);
  });
});

describe("isoTime", () => {
  it("prints RFC 3339 UTC seconds and clamps absurd time bounds", () => {
    assert.equal(isoTime(0), "1970-01-01T00:00:00Z");
    assert.equal(isoTime(1_700_000_000), "2023-11-14T22:13:20Z");
    assert.equal(isoTime(2n ** 64n - 1n), "9999-12-31T23:59:59Z");
  });
});

describe("fee stats", () => {
  it("uses nearest-rank percentiles and the smallest mode", () => {
    const d = feeDistribution(Array.from({length: 100}, (_, i) => BigInt(i + 1)), 100n);
    assert.equal(d.min, "1");
    assert.equal(d.max, "100");
    assert.equal(d.p10, "10");
    assert.equal(d.p50, "50");
    assert.equal(d.p95, "95");
    assert.equal(d.p99, "99");
    assert.equal(d.mode, "1", "all values tie once: the smallest wins");
    assert.equal(feeDistribution([300n, 200n, 300n, 200n, 500n], 100n).mode, "200");
  });

  it("reports the base fee everywhere when no transaction was included", () => {
    const s = feeStatsRecord(9, 100, []);
    assert.equal(s.last_ledger, "9");
    assert.equal(s.ledger_capacity_usage, "0.00");
    for (const v of Object.values(s.max_fee)) assert.equal(v, "100");
    for (const v of Object.values(s.fee_charged)) assert.equal(v, "100");
  });

  it("charges each bid at most its ledger's base fee", () => {
    const s = feeStatsRecord(5, 100, [
      {ledger: 4, baseFee: 100n, feesPerOp: [100n, 1000n], capacityUsage: 0.5},
      {ledger: 5, baseFee: 200n, feesPerOp: [5000n], capacityUsage: 1},
    ]);
    assert.equal(s.max_fee.max, "5000");
    assert.equal(s.fee_charged.max, "200");
    assert.equal(s.fee_charged.min, "100");
    assert.equal(s.ledger_capacity_usage, "0.75");
  });
});

function account(patch: Partial<AccountEntry> = {}): AccountEntry {
  return {
    type: "account",
    accountId: A,
    balance: 25_000_000n,
    seqNum: 17179869185n,
    numSubEntries: 2,
    inflationDest: null,
    flags: 0,
    homeDomain: "",
    thresholds: {master: 3, low: 1, med: 2, high: 3},
    signers: [],
    buyingLiabilities: 0n,
    sellingLiabilities: 1n,
    seqLedger: 4,
    seqTime: 1_700_000_020n,
    lastModifiedLedger: 4,
    ...patch,
  };
}

describe("accountRecord", () => {
  it("lists extra signers then the master key, with kinds from the StrKey prefix", () => {
    const preauth = StrKey.encodePreAuthTx(Buffer.alloc(32, 0xaa));
    const hashx = StrKey.encodeSha256Hash(Buffer.alloc(32, 0xbb));
    const rec = accountRecord(
      account({signers: [{key: B, weight: 1}, {key: preauth, weight: 2}, {key: hashx, weight: 3}]}),
      [{type: "data", accountId: A, name: "config.memo_required", value: Buffer.from("1"), lastModifiedLedger: 3}],
      1_700_000_020,
      BASE,
    );
    assert.deepEqual(
      rec.signers.map((s) => s.type),
      ["ed25519_public_key", "preauth_tx", "sha256_hash", "ed25519_public_key"],
    );
    assert.deepEqual(rec.signers[3], {weight: 3, key: A, type: "ed25519_public_key"});
    assert.deepEqual(rec.data, {"config.memo_required": "MQ=="});
    assert.deepEqual(rec._links.data, {href: `${BASE}/accounts/${A}/data/{key}`, templated: true});
    assert.equal(rec.sequence, "17179869185");
    assert.equal(rec.sequence_time, "1700000020");
    assert.equal(rec.balances[0].balance, "2.5000000");
    assert.equal(rec.balances[0].selling_liabilities, "0.0000001");
    assert.equal(rec.last_modified_time, "2023-11-14T22:13:40Z");
    assert.equal("home_domain" in rec, false);
  });

  it("does not list the master key twice and keeps an empty data map", () => {
    const rec = accountRecord(account({signers: [{key: A, weight: 9}]}), [], null, BASE);
    assert.deepEqual(rec.signers, [{weight: 9, key: A, type: "ed25519_public_key"}]);
    assert.deepEqual(rec.data, {});
    assert.equal(rec.last_modified_time, null);
  });
});

function storedOp(op: Operation, source = A): StoredOp {
  return {
    id: toid(7, 1, 1),
    ledger: 7,
    txIndex: 1,
    opIndex: 1,
    txHash: "aa".repeat(32),
    closedAt: 1_700_000_000,
    sourceAccount: source,
    op,
    transactionSuccessful: true,
  };
}

describe("operationRecord", () => {
  it("prints set_options flags as bits and names, only the fields that were set", () => {
    const rec = operationRecord(storedOp({type: "set_options", source: null, setFlags: 3, clearFlags: 8, masterWeight: 0, homeDomain: "x.org"}), BASE);
    assert.equal(rec.type, "set_options");
    assert.equal(rec.type_i, 5);
    assert.deepEqual(rec.set_flags, [1, 2]);
    assert.deepEqual(rec.set_flags_s, ["auth_required_flag", "auth_revocable_flag"]);
    assert.deepEqual(rec.clear_flags_s, ["auth_clawback_enabled_flag"]);
    assert.equal(rec.master_key_weight, 0);
    assert.equal(rec.home_domain, "x.org");
    assert.equal("signer_key" in rec, false);
    assert.equal("low_threshold" in rec, false);
  });

  it("prints payments, merges, data and sequence bumps like Horizon", () => {
    const pay = operationRecord(
      storedOp({type: "payment", source: null, destination: B, amount: 5n, asset: {type: "credit_alphanum4", code: "USD", issuer: B}}),
      BASE,
    );
    assert.deepEqual(
      [pay.from, pay.to, pay.amount, pay.asset_type, pay.asset_code, pay.asset_issuer],
      [A, B, "0.0000005", "credit_alphanum4", "USD", B],
    );
    assert.equal(pay.paging_token, pay.id);
    assert.equal(pay._links.transaction.href, `${BASE}/transactions/${"aa".repeat(32)}`);
    const merge = operationRecord(storedOp({type: "account_merge", source: null, destination: B}), BASE);
    assert.deepEqual([merge.account, merge.into, merge.type_i], [A, B, 8]);
    const del = operationRecord(storedOp({type: "manage_data", source: null, name: "k", value: null}), BASE);
    assert.deepEqual([del.name, del.value], ["k", ""]);
    const set = operationRecord(storedOp({type: "manage_data", source: null, name: "k", value: Buffer.from("hi")}), BASE);
    assert.equal(set.value, "aGk=");
    const bump = operationRecord(storedOp({type: "bump_sequence", source: null, bumpTo: 2n ** 40n}), BASE);
    assert.equal(bump.bump_to, "1099511627776");
  });

  it("names operations the node does not apply by their Horizon type", () => {
    const rec = operationRecord(storedOp({type: "unsupported", source: null, xdrType: "pathPaymentStrictSend"}), BASE);
    assert.equal(rec.type, "path_payment_strict_send");
    assert.equal(rec.type_i, 13);
  });
});

describe("transactionRecord", () => {
  const src = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 5));
  const feePayer = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 6));

  function stored(envelopeXdr: string, patch: Partial<StoredTx> = {}): StoredTx {
    return {
      hash: "bb".repeat(32),
      ledger: 7,
      index: 2,
      id: toid(7, 2, 0),
      closedAt: 1_700_000_000,
      sourceAccount: src.publicKey(),
      sourceAccountSequence: 5n,
      feeAccount: src.publicKey(),
      feeCharged: 100n,
      maxFee: 100n,
      operationCount: 1,
      envelopeXdr,
      resultXdr: "",
      resultCodes: {transaction: "tx_success"},
      memoType: "none",
      signatures: ["c2ln"],
      successful: true,
      operations: [{source: null, type: "bump_sequence", bumpTo: 10n}],
      ...patch,
    };
  }

  it("lists the inner transaction of a fee-bump with its own fee bid", () => {
    const inner = new TransactionBuilder(new Account(src.publicKey(), "4"), {fee: "150", networkPassphrase: PASSPHRASE})
      .addOperation(SdkOperation.bumpSequence({bumpTo: "10"}))
      .setTimeout(0)
      .build();
    inner.sign(src);
    const bump = TransactionBuilder.buildFeeBumpTransaction(feePayer, "400", inner, PASSPHRASE);
    bump.sign(feePayer);
    const rec = transactionRecord(
      stored(bump.toEnvelope().toXDR("base64"), {
        hash: bump.hash().toString("hex"),
        feeAccount: feePayer.publicKey(),
        maxFee: 800n,
        feeBump: {innerHash: inner.hash().toString("hex"), innerSignatures: ["aW5uZXI="]},
      }),
      BASE,
    );
    assert.equal(rec.id, bump.hash().toString("hex"));
    assert.equal(rec.max_fee, "800");
    assert.deepEqual(rec.fee_bump_transaction, {hash: bump.hash().toString("hex"), signatures: ["c2ln"]});
    assert.deepEqual(rec.inner_transaction, {hash: inner.hash().toString("hex"), signatures: ["aW5uZXI="], max_fee: "150"});
  });

  it("prints time bounds, omits a none memo and links to neighbours", () => {
    const rec = transactionRecord(stored("", {validAfter: 1_700_000_000n, validBefore: 1_700_000_060n}), BASE);
    assert.equal(rec.paging_token, toid(7, 2, 0));
    assert.equal("memo" in rec, false);
    assert.equal(rec.valid_after, "2023-11-14T22:13:20Z");
    assert.equal(rec.valid_before, "2023-11-14T22:14:20Z");
    assert.deepEqual(rec.preconditions, {timebounds: {min_time: "1700000000", max_time: "1700000060"}});
    assert.equal(rec._links.precedes.href, `${BASE}/transactions?order=asc&cursor=${toid(7, 2, 0)}`);
    assert.equal(rec._links.operations.href, `${BASE}/transactions/${"bb".repeat(32)}/operations{?cursor,limit,order}`);
    const open = transactionRecord(stored("", {validAfter: 0n}), BASE);
    assert.equal(open.valid_before, undefined);
    assert.deepEqual(open.preconditions, {timebounds: {min_time: "0"}});
    const none = transactionRecord(stored(""), BASE);
    assert.equal(none.preconditions, undefined);
  });
});

describe("ledgerRecord", () => {
  it("derives successful counts and the ledger paging token", () => {
    const h: LedgerHeader = {
      seq: 9,
      prevHash: "00".repeat(32),
      hash: "cd".repeat(32),
      txSetHash: "11".repeat(32),
      txResultsHash: "22".repeat(32),
      stateHash: "33".repeat(32),
      closeTime: 1_700_000_000,
      totalCoins: INT64_MAX,
      feePool: 300n,
      baseFee: 100,
      baseReserve: 5_000_000,
      maxTxSetSize: 100,
      protocolVersion: 21,
      idPool: 0n,
      txCount: 5,
      failedTxCount: 2,
      opCount: 7,
      successfulOpCount: 4,
    };
    const rec = ledgerRecord(h, BASE);
    assert.equal(rec.operation_count, 4);
    assert.equal(rec.tx_set_operation_count, 7);
    // header_xdr is a LedgerHeader the SDK decodes, with the header's own values.
    const x = xdr.LedgerHeader.fromXDR(rec.header_xdr, "base64");
    assert.equal(x.ledgerSeq(), 9);
    assert.equal(x.previousLedgerHash().toString("hex"), h.prevHash);
    assert.equal(x.scpValue().txSetHash().toString("hex"), h.txSetHash);
    assert.equal(x.scpValue().closeTime().toString(), "1700000000");
    assert.equal(x.totalCoins().toString(), INT64_MAX.toString());
    assert.equal(x.feePool().toString(), "300");
    assert.equal(x.ledgerVersion(), 21);
    assert.equal(rec.id, h.hash);
    assert.equal(rec.paging_token, toid(9, 0, 0));
    assert.equal(rec.successful_transaction_count, 3);
    assert.equal(rec.failed_transaction_count, 2);
    assert.equal(rec.total_coins, "922337203685.4775807");
    assert.equal(rec.fee_pool, "0.0000300");
    assert.equal(rec.closed_at, "2023-11-14T22:13:20Z");
  });
});

describe("pageRecord", () => {
  it("links next after the last record and prev before the first, in reverse order", () => {
    const page = pageRecord(BASE, "/payments", {cursor: "10", limit: 2, order: "asc"}, [{paging_token: "11"}, {paging_token: "12"}]);
    assert.equal(page._links.self.href, `${BASE}/payments?cursor=10&limit=2&order=asc`);
    assert.equal(page._links.next.href, `${BASE}/payments?cursor=12&limit=2&order=asc`);
    assert.equal(page._links.prev.href, `${BASE}/payments?cursor=11&limit=2&order=desc`);
    const empty = pageRecord(BASE, "/payments", {cursor: "12", limit: 2, order: "desc"}, [], {extra: [["include_failed", "true"]]});
    assert.equal(empty._links.next.href, `${BASE}/payments?cursor=12&include_failed=true&limit=2&order=desc`);
    assert.deepEqual(empty._embedded.records, []);
  });
});

describe("problemRecord", () => {
  it("uses Horizon's problem type URLs and statuses", () => {
    assert.deepEqual(problemRecord(ApiErrorCode.BAD_REQUEST, "d", {invalid_field: "limit", reason: "r"}), {
      type: "https://stellar.org/horizon-errors/bad_request",
      title: "Bad Request",
      status: 400,
      detail: "d",
      extras: {invalid_field: "limit", reason: "r"},
    });
    assert.equal(problemRecord(ApiErrorCode.REQUEST_ENTITY_TOO_LARGE, "d").status, 413);
    assert.equal("extras" in problemRecord(ApiErrorCode.NOT_FOUND, "d"), false);
  });
});

describe("ResponseCache", () => {
  const reply = (body: string) => ({status: 200, contentType: "text/plain", body});

  it("drops responses computed before a clear and evicts the oldest when full", () => {
    const cache = new ResponseCache(2);
    const epoch = cache.epoch;
    cache.set("a", epoch, reply("1"));
    cache.clear();
    cache.set("b", epoch, reply("stale"));
    assert.equal(cache.get("a"), undefined);
    assert.equal(cache.get("b"), undefined, "computed before the ledger closed: not stored");
    cache.set("a", cache.epoch, reply("1"));
    cache.set("b", cache.epoch, reply("2"));
    cache.set("c", cache.epoch, reply("3"));
    assert.equal(cache.get("a"), undefined);
    assert.equal(cache.get("c")?.body, "3");
    assert.ok(cache.stats().entries <= 2, "bounded by 2");
  });
});

describe("filteredPage", () => {
  const rows = Array.from({length: 30}, (_, i) => ({id: String(i + 1), ok: i % 3 !== 0}));
  const fetch = (p: {cursor?: string; limit: number; order: "asc" | "desc"}) =>
    rows.filter((r) => p.cursor === undefined || Number(r.id) > Number(p.cursor)).slice(0, p.limit);

  it("reads on until the page is full of kept records", () => {
    const {records, lastScanned} = filteredPage(fetch, {limit: 5, order: "asc"}, (r) => r.ok, (r) => r.id);
    assert.deepEqual(records.map((r) => r.id), ["2", "3", "5", "6", "8"]);
    assert.equal(lastScanned, "8");
  });

  it("stops at the end of the data with a short page", () => {
    const {records, lastScanned} = filteredPage(fetch, {cursor: "26", limit: 5, order: "asc"}, (r) => r.ok, (r) => r.id);
    assert.deepEqual(records.map((r) => r.id), ["27", "29", "30"]);
    assert.equal(lastScanned, "30");
  });
});

describe("transactionRecord memo bytes and muxed accounts", () => {
  it("prints memo_bytes of a text memo and the muxed source and fee accounts with their ids", () => {
    const kp = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 31));
    const feePayer = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 32));
    const muxed = new MuxedAccount(new Account(kp.publicKey(), "7"), "42");
    const memoRaw = Buffer.from([0x68, 0x69, 0xff]);
    const inner = new TransactionBuilder(muxed, {fee: "100", networkPassphrase: PASSPHRASE})
      .addOperation(SdkOperation.bumpSequence({bumpTo: "9"}))
      .addMemo(new Memo("text", memoRaw))
      .setTimeout(0)
      .build();
    inner.sign(kp);
    const muxedFee = new MuxedAccount(new Account(feePayer.publicKey(), "1"), "18446744073709551615").accountId();
    const bump = TransactionBuilder.buildFeeBumpTransaction(muxedFee, "400", inner, PASSPHRASE);
    bump.sign(feePayer);
    const frame = decodeTxFrame(bump.toEnvelope().toXDR(), networkIdOf(PASSPHRASE));
    const rec = transactionRecord(
      storedTxOf(frame, {ledger: 3, index: 1, closedAt: 1_700_000_000, feeCharged: 200n, successful: true, resultCodes: {transaction: "tx_fee_bump_inner_success"}, result: Buffer.alloc(0)}),
      BASE,
    );
    assert.equal(rec.memo_bytes, memoRaw.toString("base64"));
    assert.equal(rec.source_account, kp.publicKey());
    assert.equal(rec.source_account_muxed, muxed.accountId());
    assert.equal(rec.source_account_muxed_id, "42");
    assert.equal(rec.fee_account, feePayer.publicKey());
    assert.equal(rec.fee_account_muxed, muxedFee);
    assert.equal(rec.fee_account_muxed_id, "18446744073709551615");
    const plain = transactionRecord(storedTxOf(decodeTxFrame(inner.toEnvelope().toXDR(), networkIdOf(PASSPHRASE)), {ledger: 3, index: 2, closedAt: 1_700_000_000, feeCharged: 100n, successful: true, resultCodes: {transaction: "tx_success"}, result: Buffer.alloc(0)}), BASE);
    assert.equal(plain.fee_account_muxed, muxed.accountId(), "a plain tx's fee account is its source");
  });
});

describe("operationRecord muxed accounts", () => {
  it("prints the muxed source, funder, from, to, account and into with their ids, as Horizon", () => {
    const kp = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 41));
    const other = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 42));
    const muxedSource = new MuxedAccount(new Account(kp.publicKey(), "7"), "42");
    const muxedDest = new MuxedAccount(new Account(other.publicKey(), "1"), "18446744073709551615");
    const tx = new TransactionBuilder(muxedSource, {fee: "400", networkPassphrase: PASSPHRASE})
      .addOperation(SdkOperation.createAccount({destination: other.publicKey(), startingBalance: "5"}))
      .addOperation(SdkOperation.payment({destination: muxedDest.accountId(), asset: Asset.native(), amount: "1"}))
      .addOperation(SdkOperation.payment({destination: other.publicKey(), asset: Asset.native(), amount: "2", source: other.publicKey()}))
      .addOperation(SdkOperation.accountMerge({destination: muxedDest.accountId()}))
      .setTimeout(0)
      .build();
    tx.sign(kp, other);
    const frame = decodeTxFrame(tx.toEnvelope().toXDR(), networkIdOf(PASSPHRASE));
    const stx = storedTxOf(frame, {ledger: 3, index: 1, closedAt: 1_700_000_000, feeCharged: 400n, successful: true, resultCodes: {transaction: "tx_success"}, result: Buffer.alloc(0)});
    const rec = (i: number) => operationRecord(storedOpOfTx(stx, i)!, BASE);

    const create = rec(1);
    assert.equal(create.source_account, kp.publicKey());
    assert.equal(create.source_account_muxed, muxedSource.accountId());
    assert.equal(create.source_account_muxed_id, "42");
    assert.equal(create.funder_muxed, muxedSource.accountId());
    assert.equal(create.funder_muxed_id, "42");

    const pay = rec(2);
    assert.equal(pay.from_muxed, muxedSource.accountId());
    assert.equal(pay.to, other.publicKey());
    assert.equal(pay.to_muxed, muxedDest.accountId());
    assert.equal(pay.to_muxed_id, "18446744073709551615");

    // An operation with its own plain source and a plain destination has no muxed fields.
    const plain = rec(3);
    for (const k of ["source_account_muxed", "source_account_muxed_id", "from_muxed", "to_muxed", "to_muxed_id"]) {
      assert.equal(k in plain, false, k);
    }

    const merge = rec(4);
    assert.equal(merge.account_muxed, muxedSource.accountId());
    assert.equal(merge.account_muxed_id, "42");
    assert.equal(merge.into, other.publicKey());
    assert.equal(merge.into_muxed, muxedDest.accountId());
    assert.equal(merge.into_muxed_id, "18446744073709551615");
  });

  it("keeps a clawback's muxed `from` with its id, as Horizon", () => {
    const issuer = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 43));
    const holder = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 44));
    const muxedHolder = new MuxedAccount(new Account(holder.publicKey(), "1"), "9007199254740993");
    const tx = new TransactionBuilder(new Account(issuer.publicKey(), "7"), {fee: "100", networkPassphrase: PASSPHRASE})
      .addOperation(SdkOperation.clawback({asset: new Asset("USD", issuer.publicKey()), from: muxedHolder.accountId(), amount: "3"}))
      .setTimeout(0)
      .build();
    tx.sign(issuer);
    const stx = storedTxOf(decodeTxFrame(tx.toEnvelope().toXDR(), networkIdOf(PASSPHRASE)), {ledger: 3, index: 1, closedAt: 1_700_000_000, feeCharged: 100n, successful: true, resultCodes: {transaction: "tx_success"}, result: Buffer.alloc(0)});
    const clawback = operationRecord(storedOpOfTx(stx, 1)!, BASE);
    assert.equal(clawback.type, "clawback");
    assert.equal(clawback.from, holder.publicKey());
    assert.equal(clawback.from_muxed, muxedHolder.accountId());
    // 2^53 + 1: an id a JS number would round.
    assert.equal(clawback.from_muxed_id, "9007199254740993");
    assert.equal(clawback.amount, "3.0000000");
  });
});

/** Claimable balances (CAP-23, CAP-35): create, claim, clawback, reserves, result codes and XDR. */
import {test} from "node:test";
import assert from "node:assert/strict";
import {createHash} from "node:crypto";
import {Claimant, StrKey, TransactionBuilder, type Transaction} from "@stellar/stellar-base";
import {Asset, Keypair, Operation, TestLedger, xdr} from "./harness.js";
import {
  AUTH_CLAWBACK_ENABLED_FLAG,
  AUTH_REVOCABLE_FLAG,
  AUTHORIZED_FLAG,
  AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG,
  claimableBalanceKey,
  numSponsoring,
  TRUSTLINE_CLAWBACK_ENABLED_FLAG,
  trustLineKey,
  type ClaimableBalanceEntry,
  type CreditAsset,
  type TrustLineEntry,
} from "../../../src/ledger/types.js";
import {INT64_MAX} from "../../../src/tx/ops/context.js";
import type {LedgerCloseResult} from "../../../src/tx/interface.js";

const D = 10_000_000n;
/** The harness network's base reserve (0.5 DIAM). */
const RESERVE = 5_000_000n;

function codes(r: LedgerCloseResult, i = 0): string[] | undefined {
  return r.applied[i]!.resultCodes.operations;
}

function opResult(r: LedgerCloseResult, op = 0, tx = 0): xdr.OperationResult {
  return xdr.TransactionResult.fromXDR(r.applied[tx]!.resultXdr).result().results()[op]!;
}

function balance(l: TestLedger, id: string): ClaimableBalanceEntry | undefined {
  const e = l.getEntry(claimableBalanceKey(id));
  return e?.type === "claimable_balance" ? e : undefined;
}

/** The id the create op at `opIndex` of `tx` gets: hex of the 32-byte hash (the result's v0 arm). */
function idOf(r: LedgerCloseResult, op = 0, tx = 0): string {
  return opResult(r, op, tx).tr().createClaimableBalanceResult().balanceId().v0().toString("hex");
}

/** A trustline put straight into the ledger (the account's sub-entry count follows). */
function putLine(l: TestLedger, holder: Keypair, asset: CreditAsset, fields: Partial<TrustLineEntry> = {}): void {
  const line: TrustLineEntry = {
    type: "trustline",
    accountId: holder.publicKey(),
    asset,
    balance: 0n,
    limit: INT64_MAX,
    flags: AUTHORIZED_FLAG,
    buyingLiabilities: 0n,
    sellingLiabilities: 0n,
    lastModifiedLedger: l.header.seq,
    ...fields,
  };
  const key = trustLineKey(holder.publicKey(), asset);
  if (!l.entries.has(key)) l.account(holder.publicKey())!.numSubEntries += 1;
  l.entries.set(key, line);
}

function line(l: TestLedger, holder: Keypair, asset: CreditAsset): TrustLineEntry {
  const e = l.getEntry(trustLineKey(holder.publicKey(), asset));
  assert.ok(e?.type === "trustline");
  return e;
}

function credit(code: string, issuer: Keypair): CreditAsset {
  return {type: "credit_alphanum4", code, issuer: issuer.publicKey()};
}

function create(asset: Asset, amount: string, claimants: Claimant[], source?: string): xdr.Operation {
  return Operation.createClaimableBalance({asset, amount, claimants, source});
}

test("create: the id is sha256(ENVELOPE_TYPE_OP_ID ‖ tx source ‖ seqNum ‖ op index), in the result XDR and the entry", () => {
  const l = new TestLedger();
  const [a, b, c] = [Keypair.random(), Keypair.random(), Keypair.random()];
  l.fund([a, b, c], "100");
  // Two creates in one tx, the second with another op source: both ids use the tx's source and seqNum.
  const tx = l.build(
    a,
    [create(Asset.native(), "1", [new Claimant(b.publicKey())]), create(Asset.native(), "2", [new Claimant(a.publicKey())], c.publicKey())],
    {signers: [a, c]},
  );
  const r = l.close([tx]);
  assert.deepEqual(r.applied[0]!.resultCodes, {transaction: "tx_success", operations: ["op_success", "op_success"]});
  for (const i of [0, 1]) {
    const preimage = Buffer.concat([
      Buffer.from([0, 0, 0, 6]), // ENVELOPE_TYPE_OP_ID
      Buffer.from([0, 0, 0, 0]), // PUBLIC_KEY_TYPE_ED25519
      StrKey.decodeEd25519PublicKey(a.publicKey()),
      Buffer.from(BigInt(tx.sequence).toString(16).padStart(16, "0"), "hex"),
      Buffer.from([0, 0, 0, i]),
    ]);
    const expected = createHash("sha256").update(preimage).digest("hex");
    assert.equal(idOf(r, i), expected);
    // stellar-base computes the same (Horizon prints the 00000000 type prefix).
    assert.equal("00000000" + expected, tx.getClaimableBalanceId(i));
    assert.equal(opResult(r, i).tr().createClaimableBalanceResult().switch().name, "createClaimableBalanceSuccess");
    assert.ok(balance(l, expected));
  }
  assert.equal(balance(l, idOf(r, 1))!.sponsor, c.publicKey(), "the op's source sponsors and pays");
  assert.equal(balance(l, idOf(r, 1))!.amount, 2n * D);
});

test("create: amount leaves the creator, one base reserve per claimant is sponsored, relative times turn absolute", () => {
  const l = new TestLedger();
  const [a, b, c] = [Keypair.random(), Keypair.random(), Keypair.random()];
  l.fund([a, b, c], "100");
  const before = l.account(a.publicKey())!;
  const tx = l.build(a, [
    create(Asset.native(), "10", [
      new Claimant(b.publicKey(), Claimant.predicateBeforeRelativeTime("3600")),
      new Claimant(c.publicKey(), Claimant.predicateNot(Claimant.predicateBeforeRelativeTime(String(INT64_MAX)))),
    ]),
  ]);
  const r = l.close([tx]);
  assert.deepEqual(codes(r), ["op_success"]);
  const after = l.account(a.publicKey())!;
  assert.equal(after.balance, before.balance - 10n * D - 100n);
  assert.equal(numSponsoring(after), 2);
  assert.equal(numSponsoring(before), 0);
  const cb = balance(l, idOf(r))!;
  assert.equal(cb.amount, 10n * D);
  assert.equal(cb.flags, 0);
  assert.deepEqual(cb.asset, {type: "native"});
  const t = BigInt(r.header.closeTime);
  assert.deepEqual(cb.claimants, [
    {destination: b.publicKey(), predicate: {type: "before_absolute_time", time: t + 3600n}},
    // Saturates at int64 max instead of overflowing.
    {destination: c.publicKey(), predicate: {type: "not", predicate: {type: "before_absolute_time", time: INT64_MAX}}},
  ]);
  // The reserve now counts: a payment that would dip into (2 + 0 + 2) × 0.5 DIAM fails.
  const spendable = after.balance - 4n * RESERVE;
  const pay = (amount: bigint): Transaction =>
    l.build(a, [Operation.payment({destination: b.publicKey(), asset: Asset.native(), amount: (Number(amount) / 1e7).toFixed(7)})]);
  assert.deepEqual(codes(l.close([pay(spendable)])), ["op_underfunded"]);
  assert.deepEqual(codes(l.close([pay(spendable - 100n - 100n)])), ["op_success"]);
});

test("create: op_low_reserve when the creator cannot sponsor every claimant, op_underfunded when it lacks the amount; nothing changes", () => {
  const l = new TestLedger();
  const [a, b, c] = [Keypair.random(), Keypair.random(), Keypair.random()];
  l.fund([a, b, c], "10");
  // 10 DIAM − fee: 8.9999900 available above the 1 DIAM minimum. 8 DIAM leaves 0.99999 for reserves:
  // one claimant (0.5) fits, two (1.0) do not.
  const two = l.build(a, [create(Asset.native(), "8", [new Claimant(b.publicKey()), new Claimant(c.publicKey())])]);
  const before = l.account(a.publicKey())!;
  const r = l.close([two]);
  assert.deepEqual(codes(r), ["op_low_reserve"]);
  assert.equal(opResult(r).tr().createClaimableBalanceResult().switch().name, "createClaimableBalanceLowReserve");
  assert.equal(l.account(a.publicKey())!.balance, before.balance - 100n);
  assert.equal(numSponsoring(l.account(a.publicKey())!), 0);
  const under = l.build(a, [create(Asset.native(), "9", [new Claimant(b.publicKey())])]);
  const u = l.close([under]);
  assert.deepEqual(codes(u), ["op_underfunded"]);
  assert.equal(opResult(u).tr().createClaimableBalanceResult().switch().name, "createClaimableBalanceUnderfunded");
  const one = l.build(a, [create(Asset.native(), "8", [new Claimant(b.publicKey())])]);
  assert.deepEqual(codes(l.close([one])), ["op_success"]);
  assert.equal(numSponsoring(l.account(a.publicKey())!), 1);
});

/** An operation body stellar-base refuses to build (no claimants, bad predicates): raw XDR. */
function rawCreate(claimants: xdr.Claimant[], amount = "10000000"): xdr.Operation {
  return new xdr.Operation({
    sourceAccount: null,
    body: xdr.OperationBody.createClaimableBalance(
      new xdr.CreateClaimableBalanceOp({asset: Asset.native().toXDRObject(), amount: xdr.Int64.fromString(amount), claimants}),
    ),
  });
}

function rawClaimant(dest: Keypair, p: xdr.ClaimPredicate): xdr.Claimant {
  return xdr.Claimant.claimantTypeV0(new xdr.ClaimantV0({destination: dest.xdrAccountId(), predicate: p}));
}

test("create: op_malformed for no claimants, duplicates, and/or of fewer than two, a not without operand, depth > 4, negative times, amount ≤ 0", () => {
  const l = new TestLedger();
  const [a, b, c] = [Keypair.random(), Keypair.random(), Keypair.random()];
  l.fund([a, b, c], "100");
  const P = xdr.ClaimPredicate;
  const u = P.claimPredicateUnconditional();
  const nest = (depth: number): xdr.ClaimPredicate => (depth === 1 ? u : P.claimPredicateNot(nest(depth - 1)));
  const bad: xdr.Operation[] = [
    rawCreate([]),
    rawCreate([rawClaimant(b, u), rawClaimant(b, u)]),
    rawCreate([rawClaimant(b, P.claimPredicateAnd([u]))]),
    rawCreate([rawClaimant(b, P.claimPredicateOr([u]))]),
    rawCreate([rawClaimant(b, P.claimPredicateAnd([]))]),
    rawCreate([rawClaimant(b, P.claimPredicateNot(null as unknown as xdr.ClaimPredicate))]),
    rawCreate([rawClaimant(b, nest(5))]),
    rawCreate([rawClaimant(b, u), rawClaimant(c, P.claimPredicateBeforeAbsoluteTime(xdr.Int64.fromString("-1")))]),
    rawCreate([rawClaimant(b, P.claimPredicateBeforeRelativeTime(xdr.Int64.fromString("-5")))]),
    rawCreate([rawClaimant(b, u)], "0"),
  ];
  for (const op of bad) {
    const tx = l.build(a, [op]);
    const f = l.check(tx);
    assert.deepEqual(f?.resultCodes, {transaction: "tx_failed", operations: ["op_malformed"]}, "admission refuses it");
    const before = l.account(a.publicKey())!;
    const r = l.close([tx]);
    assert.deepEqual(codes(r), ["op_malformed"], "apply refuses it too");
    assert.equal(opResult(r).tr().createClaimableBalanceResult().switch().name, "createClaimableBalanceMalformed");
    assert.equal(l.account(a.publicKey())!.balance, before.balance - 100n);
  }
  // Depth 4 and times of 0 are fine.
  const ok = rawCreate([rawClaimant(b, nest(4)), rawClaimant(c, P.claimPredicateBeforeAbsoluteTime(xdr.Int64.fromString("0")))]);
  const tx = l.build(a, [ok]);
  assert.equal(l.check(tx), null);
  assert.deepEqual(codes(l.close([tx])), ["op_success"]);
});

test("claim: a time predicate can not be claimed early and can after; an unlisted claimant can not; the sponsor's reserve is released", () => {
  const l = new TestLedger();
  const [a, b, c] = [Keypair.random(), Keypair.random(), Keypair.random()];
  l.fund([a, b, c], "100");
  const notBefore = BigInt(l.closeTime + 5 + 60);
  const r0 = l.close([
    l.build(a, [
      create(Asset.native(), "25", [
        new Claimant(b.publicKey(), Claimant.predicateNot(Claimant.predicateBeforeAbsoluteTime(notBefore.toString()))),
        new Claimant(a.publicKey(), Claimant.predicateBeforeRelativeTime("10")),
      ]),
    ]),
  ]);
  const id = idOf(r0);
  const claim = (kp: Keypair): Transaction => l.build(kp, [Operation.claimClaimableBalance({balanceId: "00000000" + id})]);

  const early = l.close([claim(b)]);
  assert.ok(BigInt(early.header.closeTime) < notBefore);
  assert.deepEqual(codes(early), ["op_cannot_claim"]);
  assert.equal(opResult(early).tr().claimClaimableBalanceResult().switch().name, "claimClaimableBalanceCannotClaim");
  assert.deepEqual(codes(l.close([claim(c)])), ["op_cannot_claim"], "c is not a claimant");

  // The creator's "before now + 10 s" window is closed by now.
  while (BigInt(l.closeTime + 5) < notBefore) l.close([]);
  assert.deepEqual(codes(l.close([claim(a)])), ["op_cannot_claim"]);

  const bBefore = l.account(b.publicKey())!.balance;
  const ok = l.close([claim(b)]);
  assert.ok(BigInt(ok.header.closeTime) >= notBefore);
  assert.deepEqual(codes(ok), ["op_success"]);
  assert.equal(opResult(ok).tr().claimClaimableBalanceResult().switch().name, "claimClaimableBalanceSuccess");
  assert.equal(l.account(b.publicKey())!.balance, bBefore + 25n * D - 100n);
  assert.equal(balance(l, id), undefined);
  assert.equal(numSponsoring(l.account(a.publicKey())!), 0);
  const again = l.close([claim(b)]);
  assert.deepEqual(codes(again), ["op_does_not_exist"]);
  assert.equal(opResult(again).tr().claimClaimableBalanceResult().switch().name, "claimClaimableBalanceDoesNotExist");
});

test("claim: or/and predicates hold on the close time; the creator may claim its own balance back", () => {
  const l = new TestLedger();
  const [a, b] = [Keypair.random(), Keypair.random()];
  l.fund([a, b], "100");
  const t = l.closeTime + 5;
  const never = Claimant.predicateAnd(Claimant.predicateBeforeAbsoluteTime(String(t + 1000)), Claimant.predicateNot(Claimant.predicateUnconditional()));
  const window = Claimant.predicateOr(never, Claimant.predicateBeforeAbsoluteTime(String(t + 1000)));
  const r0 = l.close([l.build(a, [create(Asset.native(), "5", [new Claimant(b.publicKey(), never), new Claimant(a.publicKey(), window)])])]);
  const id = "00000000" + idOf(r0);
  assert.deepEqual(codes(l.close([l.build(b, [Operation.claimClaimableBalance({balanceId: id})])])), ["op_cannot_claim"]);
  const before = l.account(a.publicKey())!.balance;
  assert.deepEqual(codes(l.close([l.build(a, [Operation.claimClaimableBalance({balanceId: id})])])), ["op_success"]);
  assert.equal(l.account(a.publicKey())!.balance, before + 5n * D - 100n);
  assert.equal(numSponsoring(l.account(a.publicKey())!), 0);
});

test("claim: op_line_full when the native balance would pass int64 with buying liabilities", () => {
  const l = new TestLedger();
  const [a, b] = [Keypair.random(), Keypair.random()];
  l.fund([a, b], "100");
  const r0 = l.close([l.build(a, [create(Asset.native(), "5", [new Claimant(b.publicKey())])])]);
  const acc = l.account(b.publicKey())!;
  // One stroop too many once the claim tx's fee (100) is paid.
  acc.buyingLiabilities = INT64_MAX - (acc.balance - 100n) - 5n * D + 1n;
  const r = l.close([l.build(b, [Operation.claimClaimableBalance({balanceId: "00000000" + idOf(r0)})])]);
  assert.deepEqual(codes(r), ["op_line_full"]);
  assert.equal(opResult(r).tr().claimClaimableBalanceResult().switch().name, "claimClaimableBalanceLineFull");
  assert.ok(balance(l, idOf(r0)));
});

/** Issuer `i` (clawback enabled when asked) and holders with authorized lines of USD. */
function creditSetup(clawback: boolean): {l: TestLedger; i: Keypair; h: Keypair; k: Keypair; usd: CreditAsset} {
  const l = new TestLedger();
  const [i, h, k] = [Keypair.random(), Keypair.random(), Keypair.random()];
  l.fund([i, h, k], "100");
  if (clawback) {
    const r = l.close([l.build(i, [Operation.setOptions({setFlags: (AUTH_REVOCABLE_FLAG | AUTH_CLAWBACK_ENABLED_FLAG) as never})])]);
    assert.deepEqual(codes(r), ["op_success"]);
  }
  const usd = credit("USD", i);
  putLine(l, h, usd, {balance: 1000n * D, flags: AUTHORIZED_FLAG | (clawback ? TRUSTLINE_CLAWBACK_ENABLED_FLAG : 0)});
  return {l, i, h, k, usd};
}

test("credit: create takes from the line, claim credits the claimant's line; no trust, not authorized, line full and underfunded", () => {
  const {l, i, h, k, usd} = creditSetup(false);
  const USD = new Asset("USD", i.publicKey());
  const noLine = l.close([l.build(k, [create(USD, "1", [new Claimant(h.publicKey())])])]);
  assert.deepEqual(codes(noLine), ["op_no_trust"]);
  assert.equal(opResult(noLine).tr().createClaimableBalanceResult().switch().name, "createClaimableBalanceNoTrust");
  assert.deepEqual(codes(l.close([l.build(h, [create(USD, "1000.0000001", [new Claimant(k.publicKey())])])])), ["op_underfunded"]);

  const r0 = l.close([l.build(h, [create(USD, "300", [new Claimant(k.publicKey())])])]);
  assert.deepEqual(codes(r0), ["op_success"]);
  assert.equal(line(l, h, usd).balance, 700n * D);
  const cb = balance(l, idOf(r0))!;
  assert.equal(cb.flags, 0, "no clawback on this line");
  const claim = l.build(k, [Operation.claimClaimableBalance({balanceId: "00000000" + idOf(r0)})]);
  assert.deepEqual(codes(l.close([claim])), ["op_no_trust"]);

  putLine(l, k, usd, {flags: AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG});
  const na = l.close([l.build(k, [Operation.claimClaimableBalance({balanceId: "00000000" + idOf(r0)})])]);
  assert.deepEqual(codes(na), ["op_not_authorized"]);
  assert.equal(opResult(na).tr().claimClaimableBalanceResult().switch().name, "claimClaimableBalanceNotAuthorized");

  putLine(l, k, usd, {flags: AUTHORIZED_FLAG, limit: 299n * D});
  assert.deepEqual(codes(l.close([l.build(k, [Operation.claimClaimableBalance({balanceId: "00000000" + idOf(r0)})])])), ["op_line_full"]);

  putLine(l, k, usd, {flags: AUTHORIZED_FLAG, limit: 300n * D});
  assert.deepEqual(codes(l.close([l.build(k, [Operation.claimClaimableBalance({balanceId: "00000000" + idOf(r0)})])])), ["op_success"]);
  assert.equal(line(l, k, usd).balance, 300n * D);
  assert.equal(numSponsoring(l.account(h.publicKey())!), 0);

  // A line that is no longer authorized can not fund a balance.
  putLine(l, h, usd, {balance: 700n * D, flags: AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG});
  const frozen = l.close([l.build(h, [create(USD, "1", [new Claimant(k.publicKey())])])]);
  assert.deepEqual(codes(frozen), ["op_not_authorized"]);
  assert.equal(opResult(frozen).tr().createClaimableBalanceResult().switch().name, "createClaimableBalanceNotAuthorized");
});

test("credit: the issuer mints into a balance and burns what it claims back (supply checked by the close invariant)", () => {
  const {l, i, h, usd} = creditSetup(true);
  const USD = new Asset("USD", i.publicKey());
  const r0 = l.close([l.build(i, [create(USD, "50", [new Claimant(h.publicKey()), new Claimant(i.publicKey())])])]);
  assert.deepEqual(codes(r0), ["op_success"]);
  assert.equal(balance(l, idOf(r0))!.flags, 1, "the issuer's account has AUTH_CLAWBACK_ENABLED");
  assert.equal(numSponsoring(l.account(i.publicKey())!), 2);
  assert.deepEqual(codes(l.close([l.build(i, [Operation.claimClaimableBalance({balanceId: "00000000" + idOf(r0)})])])), ["op_success"]);
  assert.equal(balance(l, idOf(r0)), undefined);
  assert.equal(numSponsoring(l.account(i.publicKey())!), 0);
  assert.equal(line(l, h, usd).balance, 1000n * D);
});

test("clawback_claimable_balance: only the issuer, only with the clawback flag; the amount is burned and the sponsor released", () => {
  const {l, i, h, k, usd} = creditSetup(true);
  const USD = new Asset("USD", i.publicKey());
  const r0 = l.close([l.build(h, [create(USD, "40", [new Claimant(k.publicKey())])])]);
  const id = idOf(r0);
  assert.equal(balance(l, id)!.flags, 1, "the holder's line has TRUSTLINE_CLAWBACK_ENABLED");
  assert.equal(numSponsoring(l.account(h.publicKey())!), 1);
  const claw = (kp: Keypair, balanceId = "00000000" + id): Transaction => l.build(kp, [Operation.clawbackClaimableBalance({balanceId})]);

  const notIssuer = l.close([claw(h)]);
  assert.deepEqual(codes(notIssuer), ["op_no_issuer"]);
  assert.equal(opResult(notIssuer).tr().clawbackClaimableBalanceResult().switch().name, "clawbackClaimableBalanceNotIssuer");
  const missing = l.close([claw(i, "00000000" + "ab".repeat(32))]);
  assert.deepEqual(codes(missing), ["op_does_not_exist"]);
  assert.equal(opResult(missing).tr().clawbackClaimableBalanceResult().switch().name, "clawbackClaimableBalanceDoesNotExist");

  const ok = l.close([claw(i)]);
  assert.deepEqual(codes(ok), ["op_success"]);
  assert.equal(opResult(ok).tr().clawbackClaimableBalanceResult().switch().name, "clawbackClaimableBalanceSuccess");
  assert.equal(balance(l, id), undefined);
  assert.equal(numSponsoring(l.account(h.publicKey())!), 0, "the creator's reserve is released, not the issuer's");
  assert.equal(line(l, h, usd).balance, 960n * D, "the clawed-back credit does not return to the creator");

  // A balance made from a line without the clawback flag can not be clawed back; nor can native.
  putLine(l, h, usd, {balance: 960n * D, flags: AUTHORIZED_FLAG});
  const r1 = l.close([l.build(h, [create(USD, "1", [new Claimant(k.publicKey())]), create(Asset.native(), "1", [new Claimant(k.publicKey())])])]);
  const noFlag = l.close([claw(i, "00000000" + idOf(r1, 0))]);
  assert.deepEqual(codes(noFlag), ["op_not_clawback_enabled"]);
  assert.equal(opResult(noFlag).tr().clawbackClaimableBalanceResult().switch().name, "clawbackClaimableBalanceNotClawbackEnabled");
  assert.deepEqual(codes(l.close([claw(i, "00000000" + idOf(r1, 1))])), ["op_no_issuer"]);
});

test("fee-bump: the id comes from the inner tx's source and sequence number", () => {
  const l = new TestLedger();
  const [a, b, f] = [Keypair.random(), Keypair.random(), Keypair.random()];
  l.fund([a, b, f], "100");
  const inner = l.build(a, [create(Asset.native(), "1", [new Claimant(b.publicKey())])]);
  const bump = TransactionBuilder.buildFeeBumpTransaction(f, "200", inner, l.config.passphrase);
  bump.sign(f);
  const r = l.close([bump]);
  const res = xdr.TransactionResult.fromXDR(r.applied[0]!.resultXdr);
  const innerOp = res.result().innerResultPair().result().result().results()[0]!;
  const id = innerOp.tr().createClaimableBalanceResult().balanceId().v0().toString("hex");
  assert.equal("00000000" + id, inner.getClaimableBalanceId(0));
  assert.ok(balance(l, id));
});

test("account_merge refuses an account sponsoring a claimable balance (op_is_sponsor) until it is claimed", () => {
  const l = new TestLedger();
  const [a, b] = [Keypair.random(), Keypair.random()];
  l.fund([a, b], "100");
  const r0 = l.close([l.build(a, [create(Asset.native(), "1", [new Claimant(b.publicKey())])])]);
  const merge = l.close([l.build(a, [Operation.accountMerge({destination: b.publicKey()})])]);
  assert.deepEqual(codes(merge), ["op_is_sponsor"]);
  assert.ok(l.account(a.publicKey()));
  assert.deepEqual(codes(l.close([l.build(b, [Operation.claimClaimableBalance({balanceId: "00000000" + idOf(r0)})])])), ["op_success"]);
  assert.deepEqual(codes(l.close([l.build(a, [Operation.accountMerge({destination: b.publicKey()})])])), ["op_success"]);
});

/**
 * Seeded random run: mixed valid and invalid transactions over many ledgers from genesis,
 * checking conservation and determinism. The seed is printed on failure.
 */
import {prng} from "../../helpers/prng.js";
import {test} from "node:test";
import assert from "node:assert/strict";
import {Asset, AuthClawbackEnabledFlag, AuthRequiredFlag, AuthRevocableFlag, Claimant, Keypair, Operation, StrKey, xdr} from "@stellar/stellar-base";
import {TestLedger} from "../tx/harness.js";
import {assetKey, numSponsoring, type Asset as LedgerAsset, type ClaimableBalanceEntry} from "../../../src/ledger/types.js";
import {offerBuyingLiabilities, offerSellingLiabilities} from "../../../src/dex/exchange.js";


const LEDGERS = 25;
const TXS_PER_LEDGER = 60;
const ACCOUNTS = 12;

function run(seed: number): {hashes: string[]; txs: number; failed: number} {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const l = new TestLedger("Random Run Network", 10n ** 15n);
  const keys = Array.from({length: ACCOUNTS}, () => Keypair.fromRawEd25519Seed(Buffer.from(Array.from({length: 32}, () => int(256)))));
  l.fund(keys.slice(0, ACCOUNTS - 2), "50");
  const hashes: string[] = [l.header.hash];
  let txs = 0;
  let failed = 0;
  for (let n = 0; n < LEDGERS; n++) {
    const ahead = new Map<string, number>();
    const batch = [];
    for (let i = 0; i < TXS_PER_LEDGER; i++) {
      const src = keys[int(ACCOUNTS)]!;
      if (!l.account(src.publicKey())) continue;
      const other = keys[int(ACCOUNTS)]!;
      const k = ahead.get(src.publicKey()) ?? 0;
      let ops: xdr.Operation[];
      const kind = int(10);
      if (kind <= 3) ops = [Operation.payment({destination: other.publicKey(), asset: Asset.native(), amount: (rnd() * 60 + 0.0000001).toFixed(7)})];
      else if (kind === 4) ops = [Operation.createAccount({destination: other.publicKey(), startingBalance: (rnd() * 3).toFixed(7)})];
      else if (kind === 5) ops = [Operation.manageData({name: "k" + int(3), value: rnd() < 0.6 ? "v" + int(100) : null})];
      else if (kind === 6) ops = [Operation.bumpSequence({bumpTo: String(int(1000))})];
      else if (kind === 7) ops = [Operation.setOptions({signer: {ed25519PublicKey: other.publicKey(), weight: int(3)}})];
      else if (kind === 8) ops = [Operation.accountMerge({destination: other.publicKey()})];
      else ops = [Operation.payment({destination: other.publicKey(), asset: Asset.native(), amount: "1"}), Operation.manageData({name: "z", value: "1"})];
      const fault = int(12);
      const tx = l.build(src, ops, {
        ahead: fault === 0 ? k - 1 : k,
        passphrase: fault === 1 ? "Wrong Network" : undefined,
        signers: fault === 2 ? [src, other] : [src],
      });
      if (fault > 2) ahead.set(src.publicKey(), k + 1);
      batch.push(tx);
    }
    const r = l.close(batch);
    txs += r.applied.length;
    failed += r.header.failedTxCount;
    hashes.push(r.header.hash);
    let negative = false;
    for (const e of l.entries.values()) if (e.type === "account" && e.balance < 0n) negative = true;
    assert.equal(negative, false, `negative balance at ledger ${r.header.seq} (seed ${seed})`);
    assert.equal(l.balanceSum() + r.header.feePool, l.totalCoins, `coins not conserved at ledger ${r.header.seq} (seed ${seed})`);
  }
  return {hashes, txs, failed};
}

test("seeded random run: conservation every ledger, same seed same hashes, other seed differs", () => {
  const seed = Number(process.env.DIAMANTE_SEED ?? 20260101);
  try {
    const a = run(seed);
    assert.ok(a.txs >= 1000, `only ${a.txs} txs`);
    assert.ok(a.failed > 0 && a.failed < a.txs, "the mix has both successes and failures");
    const b = run(seed);
    assert.deepEqual(b.hashes, a.hashes);
    const c = run(seed + 1);
    assert.notDeepEqual(c.hashes.slice(1), a.hashes.slice(1));
  } catch (e) {
    console.error(`random run failed with seed ${seed} (rerun with DIAMANTE_SEED=${seed})`);
    throw e;
  }
});

/**
 * The market run: two anchors (USD and EUR from one, AED from another that requires
 * authorization and can claw back), traders trusting all three, and a seeded mix of payments in
 * every asset, offers (create, update, cancel; sell, buy, passive: they cross), path payments,
 * trust changes, authorization changes, claimable balances (create, claim, clawback) and
 * clawbacks. The close checks its invariants after every ledger (the harness asks for them);
 * the run also checks the whole state after every ledger, not only what changed.
 */
const MARKET_LEDGERS = 24;
const MARKET_TXS_PER_LEDGER = 60;
const TRADERS = 10;

/** Stroops as stellar-base's 7-decimal amount string. */
function amountOf(stroops: bigint): string {
  const s = stroops.toString().padStart(8, "0");
  return s.slice(0, -7) + "." + s.slice(-7);
}

/** Every rule over the whole state: liabilities, deliverable offers, sponsorship, sub-entries, native coins. */
function checkWholeState(l: TestLedger, feePool: bigint, where: string): void {
  const buying = new Map<string, bigint>();
  const selling = new Map<string, bigint>();
  const add = (m: Map<string, bigint>, k: string, d: bigint): void => {
    m.set(k, (m.get(k) ?? 0n) + d);
  };
  const sponsoring = new Map<string, number>();
  const subEntries = new Map<string, number>();
  const bumpSub = (id: string): void => {
    subEntries.set(id, (subEntries.get(id) ?? 0) + 1);
  };
  let native = feePool;
  const holdings = new Map<string, {balance: bigint; selling: bigint; buying: bigint}>();
  for (const e of l.entries.values()) {
    if (e.type === "account") {
      native += e.balance;
      holdings.set(e.accountId + "|native", {balance: e.balance, selling: e.sellingLiabilities, buying: e.buyingLiabilities});
    } else if (e.type === "trustline") {
      holdings.set(e.accountId + "|" + assetKey(e.asset), {balance: e.balance, selling: e.sellingLiabilities, buying: e.buyingLiabilities});
      bumpSub(e.accountId);
    } else if (e.type === "data") bumpSub(e.accountId);
    else if (e.type === "offer") {
      bumpSub(e.sellerId);
      if (!(e.selling.type !== "native" && e.selling.issuer === e.sellerId)) add(selling, e.sellerId + "|" + assetKey(e.selling), offerSellingLiabilities(e.price, e.amount));
      if (!(e.buying.type !== "native" && e.buying.issuer === e.sellerId)) add(buying, e.sellerId + "|" + assetKey(e.buying), offerBuyingLiabilities(e.price, e.amount));
    } else if (e.type === "claimable_balance") {
      if (e.asset.type === "native") native += e.amount;
      sponsoring.set(e.sponsor, (sponsoring.get(e.sponsor) ?? 0) + e.claimants.length);
    }
  }
  assert.equal(native, l.totalCoins, `native coins not conserved ${where}`);
  for (const [k, h] of holdings) {
    assert.equal(h.selling, selling.get(k) ?? 0n, `selling liabilities of ${k} differ from its offers ${where}`);
    assert.equal(h.buying, buying.get(k) ?? 0n, `buying liabilities of ${k} differ from its offers ${where}`);
    // No offer sells more than its seller holds.
    assert.ok(h.selling <= h.balance, `${k} sells more than it holds ${where}`);
  }
  for (const k of [...selling.keys(), ...buying.keys()]) assert.ok(holdings.has(k), `an offer of ${k} has no holding behind it ${where}`);
  for (const e of l.entries.values()) {
    if (e.type !== "account") continue;
    assert.equal(numSponsoring(e), sponsoring.get(e.accountId) ?? 0, `numSponsoring of ${e.accountId} ${where}`);
    assert.equal(e.numSubEntries, e.signers.length + (subEntries.get(e.accountId) ?? 0), `numSubEntries of ${e.accountId} ${where}`);
  }
}

interface MarketRun {
  hashes: string[];
  ops: number;
  /** Successful operations (of successful txs) by type. */
  succeeded: Map<string, number>;
  /** Offers taken (claim atoms in the results of successful offer and path payment ops). */
  crossings: number;
}

function marketRun(seed: number): MarketRun {
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: T[]): T => xs[int(xs.length)]!;
  const l = new TestLedger("Market Random Run Network", 10n ** 15n);
  const key = (): Keypair => Keypair.fromRawEd25519Seed(Buffer.from(Array.from({length: 32}, () => int(256))));
  const anchor1 = key();
  const anchor2 = key();
  const traders = Array.from({length: TRADERS}, key);
  const USD = new Asset("USD", anchor1.publicKey());
  const EUR = new Asset("EUR", anchor1.publicKey());
  const AED = new Asset("AED", anchor2.publicKey());
  const credits = [USD, EUR, AED];
  const assets = [Asset.native(), ...credits];
  const issuerOf = (a: Asset): Keypair | null => (a.isNative() ? null : a.getIssuer() === anchor1.publicKey() ? anchor1 : anchor2);

  // Setup: fund, AED requires authorization and can claw back, every trader trusts and holds all three.
  l.fund([anchor1, anchor2, ...traders], "100000");
  const setup = (txs: ReturnType<TestLedger["build"]>[]): void => {
    const r = l.close(txs);
    for (const a of r.applied) assert.equal(a.successful, true, `setup failed ${JSON.stringify(a.resultCodes)}`);
  };
  setup([l.build(anchor2, [Operation.setOptions({setFlags: (AuthRequiredFlag | AuthRevocableFlag | AuthClawbackEnabledFlag) as never})])]);
  setup(traders.map((t) => l.build(t, credits.map((a) => Operation.changeTrust({asset: a, limit: "1000000"})))));
  setup([
    l.build(
      anchor2,
      traders.map((t) => Operation.setTrustLineFlags({trustor: t.publicKey(), asset: AED, flags: {authorized: true}})),
    ),
  ]);
  setup([
    l.build(anchor1, traders.flatMap((t) => [USD, EUR].map((a) => Operation.payment({destination: t.publicKey(), asset: a, amount: "20000"})))),
    l.build(anchor2, traders.map((t) => Operation.payment({destination: t.publicKey(), asset: AED, amount: "20000"}))),
  ]);
  checkWholeState(l, l.header.feePool, "after setup");

  const everyone = [anchor1, anchor2, ...traders];
  const amount = (): string => amountOf(BigInt(int(4)) === 0n ? BigInt(1 + int(1000)) : BigInt(1 + int(2_000_000_000)));
  const price = (): {n: number; d: number} => (int(6) === 0 ? {n: 1 + int(2_000_000), d: 1 + int(2_000_000)} : {n: 1 + int(12), d: 1 + int(12)});
  const pair = (): [Asset, Asset] => {
    const s = pick(assets);
    let b = pick(assets);
    while (b.equals(s)) b = pick(assets);
    return [s, b];
  };
  const predicate = (depth = 1): xdr.ClaimPredicate => {
    const t = l.closeTime;
    switch (depth >= 3 ? int(4) : int(7)) {
      case 0:
        return Claimant.predicateUnconditional();
      case 1:
        return Claimant.predicateBeforeAbsoluteTime(String(t + int(60)));
      case 2:
        return Claimant.predicateNot(Claimant.predicateBeforeAbsoluteTime(String(t + int(60))));
      case 3:
        return Claimant.predicateBeforeRelativeTime(String(int(60)));
      case 4:
        return Claimant.predicateAnd(predicate(depth + 1), predicate(depth + 1));
      case 5:
        return Claimant.predicateOr(predicate(depth + 1), predicate(depth + 1));
      default:
        return Claimant.predicateNot(predicate(depth + 1));
    }
  };

  function opFor(src: Keypair): xdr.Operation {
    const other = pick(everyone.filter((k) => k !== src));
    const kind = int(20);
    switch (kind) {
      case 0:
      case 1:
        return Operation.payment({destination: other.publicKey(), asset: Asset.native(), amount: amount()});
      case 2:
      case 3:
        return Operation.payment({destination: other.publicKey(), asset: pick(credits), amount: amount()});
      case 4:
      case 5:
      case 6: {
        const [selling, buying] = pair();
        return Operation.manageSellOffer({selling, buying, amount: amount(), price: price()});
      }
      case 7: {
        const mine = l.accountOffers(src.publicKey());
        if (mine.length === 0) return Operation.manageSellOffer({selling: Asset.native(), buying: pick(credits), amount: amount(), price: price()});
        const o = pick(mine);
        const [selling, buying] = int(4) === 0 ? pair() : [toSdkAsset(o.selling), toSdkAsset(o.buying)];
        return Operation.manageSellOffer({selling, buying, amount: int(2) === 0 ? "0" : amount(), price: price(), offerId: o.offerId.toString()});
      }
      case 8: {
        const [selling, buying] = pair();
        return Operation.manageBuyOffer({selling, buying, buyAmount: amount(), price: price()});
      }
      case 9: {
        const [selling, buying] = pair();
        return Operation.createPassiveSellOffer({selling, buying, amount: amount(), price: price()});
      }
      case 10:
      case 11: {
        const [sendAsset, destAsset] = pair();
        const path = Array.from({length: int(3)}, () => pick(assets));
        return kind === 10
          ? Operation.pathPaymentStrictSend({sendAsset, sendAmount: amount(), destination: other.publicKey(), destAsset, destMin: amountOf(BigInt(1 + int(1000))), path})
          : Operation.pathPaymentStrictReceive({sendAsset, sendMax: amount(), destination: other.publicKey(), destAsset, destAmount: amountOf(BigInt(1 + int(100_000_000))), path});
      }
      case 12:
        return Operation.changeTrust({asset: pick(credits), limit: pick(["0", "1000000", "50000", amount()])});
      case 13: {
        const t = pick(traders).publicKey();
        return int(2) === 0
          ? Operation.setTrustLineFlags({trustor: t, asset: AED, flags: {authorized: int(3) !== 0, authorizedToMaintainLiabilities: int(2) === 0}, source: anchor2.publicKey()})
          : Operation.allowTrust({trustor: t, assetCode: "AED", authorize: pick([0, 1, 1, 2]) as never, source: anchor2.publicKey()});
      }
      case 14:
      case 15: {
        const n = 1 + int(3);
        const claimants = everyone.filter(() => rnd() < n / everyone.length).slice(0, 10).map((k) => new Claimant(k.publicKey(), predicate()));
        if (claimants.length === 0) claimants.push(new Claimant(other.publicKey(), predicate()));
        return Operation.createClaimableBalance({asset: pick(assets), amount: amount(), claimants});
      }
      case 16:
      case 17: {
        const balances = [...l.entries.values()].filter((e): e is ClaimableBalanceEntry => e.type === "claimable_balance");
        const mine = balances.filter((e) => e.claimants.some((c) => c.destination === src.publicKey()));
        if (balances.length === 0) return Operation.payment({destination: other.publicKey(), asset: Asset.native(), amount: "1"});
        const cb = mine.length > 0 && int(4) !== 0 ? pick(mine) : pick(balances);
        return Operation.claimClaimableBalance({balanceId: "00000000" + cb.balanceId});
      }
      case 18: {
        const balances = [...l.entries.values()].filter((e): e is ClaimableBalanceEntry => e.type === "claimable_balance" && e.asset.type !== "native");
        if (balances.length > 0 && int(2) === 0) {
          const cb = pick(balances);
          const issuer = cb.asset.type === "native" ? anchor2 : cb.asset.issuer === anchor1.publicKey() ? anchor1 : anchor2;
          return Operation.clawbackClaimableBalance({balanceId: "00000000" + cb.balanceId, source: (int(5) === 0 ? src : issuer).publicKey()});
        }
        return Operation.clawback({asset: AED, from: pick(traders).publicKey(), amount: amount(), source: anchor2.publicKey()});
      }
      default:
        return int(8) === 0
          ? Operation.accountMerge({destination: other.publicKey()})
          : Operation.payment({destination: (issuerOf(pick(credits)) ?? other).publicKey(), asset: pick(credits), amount: amount()});
    }
  }

  const hashes: string[] = [l.header.hash];
  const succeeded = new Map<string, number>();
  let ops = 0;
  let crossings = 0;
  for (let n = 0; n < MARKET_LEDGERS; n++) {
    const ahead = new Map<string, number>();
    const batch = [];
    for (let i = 0; i < MARKET_TXS_PER_LEDGER; i++) {
      const src = int(5) === 0 ? pick([anchor1, anchor2]) : pick(traders);
      if (!l.account(src.publicKey())) continue;
      const built = Array.from({length: 1 + int(2)}, () => opFor(src));
      // Ops sourced by an anchor need its signature too.
      const signers = [src, ...[anchor1, anchor2].filter((k) => k !== src && built.some((o) => sourceOf(o) === k.publicKey()))];
      const k = ahead.get(src.publicKey()) ?? 0;
      const tx = l.build(src, built, {ahead: k, signers});
      ahead.set(src.publicKey(), k + 1);
      batch.push(tx);
      ops += built.length;
    }
    const r = l.close(batch);
    hashes.push(r.header.hash);
    for (const a of r.applied) {
      if (!a.successful) continue;
      const tx = batch.find((t) => t.hash().toString("hex") === a.hashHex)!;
      for (const op of tx.operations) succeeded.set(op.type, (succeeded.get(op.type) ?? 0) + 1);
      crossings += offersTaken(a.resultXdr);
    }
    checkWholeState(l, r.header.feePool, `at ledger ${r.header.seq} (seed ${seed})`);
  }
  return {hashes, ops, succeeded, crossings};
}

/** Offers an applied tx's operations took (claim atoms of offer and path payment results). */
function offersTaken(resultXdr: Buffer): number {
  let n = 0;
  for (const r of xdr.TransactionResult.fromXDR(resultXdr).result().results()) {
    const tr = r.tr();
    switch (tr.switch().name) {
      case "manageSellOffer":
        n += tr.manageSellOfferResult().success().offersClaimed().length;
        break;
      case "createPassiveSellOffer":
        n += tr.createPassiveSellOfferResult().success().offersClaimed().length;
        break;
      case "manageBuyOffer":
        n += tr.manageBuyOfferResult().success().offersClaimed().length;
        break;
      case "pathPaymentStrictReceive":
        n += tr.pathPaymentStrictReceiveResult().success().offers().length;
        break;
      case "pathPaymentStrictSend":
        n += tr.pathPaymentStrictSendResult().success().offers().length;
        break;
      default:
        break;
    }
  }
  return n;
}

function sourceOf(op: xdr.Operation): string | undefined {
  const s = op.sourceAccount();
  return s ? StrKey.encodeEd25519PublicKey(s.switch().name === "keyTypeEd25519" ? s.ed25519() : s.med25519().ed25519()) : undefined;
}

function toSdkAsset(a: LedgerAsset): Asset {
  return a.type === "native" ? Asset.native() : new Asset(a.code, a.issuer);
}

/** Operation types the run must see succeed: every kind main applies today. */
const MUST_SUCCEED = [
  "payment",
  "changeTrust",
  "setTrustLineFlags",
  "allowTrust",
  "createClaimableBalance",
  "claimClaimableBalance",
  "clawbackClaimableBalance",
  "clawback",
  "manageSellOffer",
  "manageBuyOffer",
  "createPassiveSellOffer",
  "pathPaymentStrictSend",
  "pathPaymentStrictReceive",
];

test("market random run: ≥ 2,000 mixed ops, every invariant after every ledger, same seed same hashes", (t) => {
  const seed = Number(process.env.DIAMANTE_SEED ?? 20260602);
  try {
    const a = marketRun(seed);
    assert.ok(a.ops >= 2000, `only ${a.ops} ops`);
    assert.ok(a.crossings > 0, "offers crossed");
    for (const t of MUST_SUCCEED) assert.ok((a.succeeded.get(t) ?? 0) > 0, `no ${t} succeeded: ${JSON.stringify([...a.succeeded])}`);
    t.diagnostic(JSON.stringify({seed, ops: a.ops, crossings: a.crossings, succeeded: Object.fromEntries(a.succeeded)}));
    const b = marketRun(seed);
    assert.deepEqual(b.hashes, a.hashes);
  } catch (e) {
    console.error(`market random run failed with seed ${seed} (rerun with DIAMANTE_SEED=${seed})`);
    throw e;
  }
});

/** The close invariants catch what a faulty operation could leave behind. */
import {test} from "node:test";
import assert from "node:assert/strict";
import {Keypair} from "@stellar/stellar-base";
import {TestLedger} from "../tx/harness.js";
import {checkCloseInvariants} from "../../../src/ledger/close.js";
import {
  accountKey,
  assetKey,
  AUTHORIZED_FLAG,
  claimableBalanceKey,
  trustLineKey,
  type AccountEntry,
  type ClaimableBalanceEntry,
  type CreditAsset,
  type EntryKey,
  type LedgerEntry,
  type TrustLineEntry,
} from "../../../src/ledger/types.js";

function setup(): {l: TestLedger; holder: AccountEntry; usd: CreditAsset; line: TrustLineEntry} {
  const l = new TestLedger();
  const [i, h] = [Keypair.random(), Keypair.random()];
  l.fund([i, h], "100");
  const usd: CreditAsset = {type: "credit_alphanum4", code: "USD", issuer: i.publicKey()};
  const holder = {...l.account(h.publicKey())!, numSubEntries: 1};
  const line: TrustLineEntry = {
    type: "trustline",
    accountId: h.publicKey(),
    asset: usd,
    balance: 100n,
    limit: 1000n,
    flags: AUTHORIZED_FLAG,
    buyingLiabilities: 0n,
    sellingLiabilities: 0n,
    lastModifiedLedger: 1,
  };
  l.entries.set(accountKey(h.publicKey()), holder);
  l.entries.set(trustLineKey(h.publicKey(), usd), line);
  return {l, holder, usd, line};
}

function check(l: TestLedger, changes: Map<EntryKey, LedgerEntry | null>, issued = new Map<string, bigint>()): void {
  checkCloseInvariants(l, l.header, {...l.header, seq: l.header.seq + 1}, changes, issued);
}

test("credit supply: a line credited without its issuer minting is a violation; the same change with the mint recorded is not", () => {
  const {l, usd, line} = setup();
  const changes = new Map<EntryKey, LedgerEntry | null>([[trustLineKey(line.accountId, usd), {...line, balance: 150n}]]);
  assert.throws(() => check(l, changes), /credit supply changed other than by its issuer/);
  assert.throws(() => check(l, changes, new Map([[assetKey(usd), 49n]])), /credit supply/);
  check(l, changes, new Map([[assetKey(usd), 50n]]));
  // Minted (or burned) with nothing holding it is as wrong.
  assert.throws(() => check(l, new Map(), new Map([[assetKey(usd), -5n]])), /no entry holds/);
});

test("credit supply: moving credit from a line into a claimable balance is conserved; a line above its limit is a violation", () => {
  const {l, usd, line, holder} = setup();
  const cb: ClaimableBalanceEntry = {
    type: "claimable_balance",
    balanceId: "11".repeat(32),
    claimants: [{destination: line.accountId, predicate: {type: "unconditional"}}],
    asset: usd,
    amount: 40n,
    flags: 0,
    sponsor: line.accountId,
    lastModifiedLedger: 2,
  };
  const changes = new Map<EntryKey, LedgerEntry | null>([
    [trustLineKey(line.accountId, usd), {...line, balance: 60n}],
    [claimableBalanceKey(cb.balanceId), cb],
    [accountKey(holder.accountId), {...holder, numSponsoring: 1}],
  ]);
  check(l, changes);
  changes.set(trustLineKey(line.accountId, usd), {...line, balance: 1001n});
  assert.throws(() => check(l, changes, new Map([[assetKey(usd), 941n]])), /outside 0..limit/);
});

test("numSponsoring must move with the claimants of the balances an account sponsors", () => {
  const {l, usd, line, holder} = setup();
  const cb: ClaimableBalanceEntry = {
    type: "claimable_balance",
    balanceId: "22".repeat(32),
    claimants: [
      {destination: line.accountId, predicate: {type: "unconditional"}},
      {destination: usd.issuer, predicate: {type: "unconditional"}},
    ],
    asset: {type: "native"},
    amount: 10n,
    flags: 0,
    sponsor: holder.accountId,
    lastModifiedLedger: 2,
  };
  const changes = new Map<EntryKey, LedgerEntry | null>([
    [claimableBalanceKey(cb.balanceId), cb],
    [accountKey(holder.accountId), {...holder, balance: holder.balance - 10n, numSponsoring: 1}],
  ]);
  assert.throws(() => check(l, changes), /numSponsoring does not match/);
  changes.set(accountKey(holder.accountId), {...holder, balance: holder.balance - 10n, numSponsoring: 2});
  check(l, changes);
  // Native moved into escrow without leaving an account breaks conservation.
  changes.set(accountKey(holder.accountId), {...holder, numSponsoring: 2});
  assert.throws(() => check(l, changes), /coins not conserved/);
});

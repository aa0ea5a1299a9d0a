/** Test harness: a Map-backed ledger from genesis, envelope building with stellar-base, closing. */
import {Account, Asset, Keypair, Operation, TransactionBuilder, xdr, type Transaction, type FeeBumpTransaction} from "@stellar/stellar-base";
import {genesisLedger, rootKeypair} from "../../../src/ledger/genesis.js";
import {networkConfig} from "../../../src/ledger/options.js";
import {closeLedger} from "../../../src/ledger/close.js";
import {accountKey, assetKey, entryKey, isBetterOffer, type AccountEntry, type AccountId, type AssetKey, type EntryKey, type LedgerEntry, type LedgerHeader, type NetworkConfig, type OfferEntry} from "../../../src/ledger/types.js";
import {decodeTxFrame} from "../../../src/tx/frame.js";
import {verifyFrameSignatures} from "../../../src/tx/verify.js";
import {checkValid} from "../../../src/tx/check.js";
import type {CheckFailure, LedgerCloseResult, TxFrame} from "../../../src/tx/interface.js";

export const PASSPHRASE = "Diamante Unit Test Network";

export class TestLedger {
  readonly config: NetworkConfig;
  readonly entries = new Map<EntryKey, LedgerEntry>();
  header: LedgerHeader;
  readonly root: Keypair;
  closeTime = 1_700_000_000;
  totalCoins: bigint;

  constructor(passphrase = PASSPHRASE, totalCoins = 10n ** 18n) {
    this.config = networkConfig(passphrase);
    const g = genesisLedger(this.config, totalCoins);
    this.header = g.header;
    for (const e of g.entries) this.entries.set(entryKey(e), e);
    this.root = rootKeypair(passphrase);
    this.totalCoins = totalCoins;
  }

  getEntry(key: EntryKey): LedgerEntry | undefined {
    return this.entries.get(key);
  }

  /** The book selling → buying, best first (the store's book index, by a scan). */
  bookOffers(selling: AssetKey, buying: AssetKey): OfferEntry[] {
    const out: OfferEntry[] = [];
    for (const e of this.entries.values()) {
      if (e.type === "offer" && assetKey(e.selling) === selling && assetKey(e.buying) === buying) out.push(e);
    }
    return out.sort((a, b) => (isBetterOffer(a, b) ? -1 : isBetterOffer(b, a) ? 1 : 0));
  }

  /** Every offer of `sellerId` by offer id (the store's seller index, by a scan). */
  accountOffers(sellerId: AccountId): OfferEntry[] {
    const out: OfferEntry[] = [];
    for (const e of this.entries.values()) if (e.type === "offer" && e.sellerId === sellerId) out.push(e);
    return out.sort((a, b) => (a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0));
  }

  account(id: string): AccountEntry | undefined {
    const e = this.entries.get(accountKey(id));
    return e?.type === "account" ? e : undefined;
  }

  /** A stellar-base Account at the current seqNum (plus `ahead` txs already built). */
  source(kp: Keypair, ahead = 0): Account {
    const a = this.account(kp.publicKey());
    if (!a) throw new Error("no account " + kp.publicKey());
    return new Account(kp.publicKey(), (a.seqNum + BigInt(ahead)).toString());
  }

  build(kp: Keypair, ops: xdr.Operation[], opts: {fee?: number; ahead?: number; passphrase?: string; signers?: Keypair[]; timebounds?: {minTime: number; maxTime: number}} = {}): Transaction {
    const b = new TransactionBuilder(this.source(kp, opts.ahead ?? 0), {fee: String(opts.fee ?? 100), networkPassphrase: opts.passphrase ?? this.config.passphrase});
    for (const op of ops) b.addOperation(op);
    if (opts.timebounds) b.setTimebounds(opts.timebounds.minTime, opts.timebounds.maxTime);
    else b.setTimeout(0);
    const tx = b.build();
    for (const s of opts.signers ?? [kp]) tx.sign(s);
    return tx;
  }

  frame(tx: Transaction | FeeBumpTransaction): TxFrame {
    const f = decodeTxFrame(tx.toEnvelope().toXDR(), this.config.networkId);
    verifyFrameSignatures(f, this);
    return f;
  }

  check(tx: Transaction | FeeBumpTransaction, queuedAhead = 0): CheckFailure | null {
    return checkValid(this.frame(tx), this, {header: this.header, config: this.config, closeTime: this.closeTime + 5, minSeqAgeCloseTime: this.header.closeTime, queuedAhead, queuedFees: 0n});
  }

  close(txs: (Transaction | FeeBumpTransaction | TxFrame)[]): LedgerCloseResult {
    const frames = txs.map((t) => ("envelopeXdr" in t ? t : this.frame(t)));
    this.closeTime += 5;
    const r = closeLedger(this, this.header, frames, {closeTime: this.closeTime, config: this.config, checkInvariants: true});
    for (const [k, v] of r.changes) {
      if (v === null) this.entries.delete(k);
      else this.entries.set(k, v);
    }
    this.header = r.header;
    return r;
  }

  /** Creates and funds accounts from root in one ledger. */
  fund(kps: Keypair[], amount = "1000"): void {
    const tx = this.build(this.root, kps.map((k) => Operation.createAccount({destination: k.publicKey(), startingBalance: amount})));
    const r = this.close([tx]);
    if (!r.applied[0]!.successful) throw new Error("funding failed " + JSON.stringify(r.applied[0]!.resultCodes));
  }

  balanceSum(): bigint {
    let s = 0n;
    for (const e of this.entries.values()) if (e.type === "account") s += e.balance;
    return s;
  }
}

export {Asset, Keypair, Operation, TransactionBuilder, xdr};

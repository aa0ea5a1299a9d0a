/**
 * A real node history for API tests: an LMDB `LedgerStore` in a temporary folder, created by
 * genesis (`store.initialize`) and grown only through the node's own path: envelopes built and
 * signed with the SDK, decoded and verified as the herder does, applied by `closeLedger`, turned
 * into records by `ledgerCommit` and written by `store.commitLedger`. The API under test thus
 * pages with the store's real cursor code over records the node really writes.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {
  Account,
  Asset as SdkAsset,
  Keypair,
  Memo,
  Operation as SdkOperation,
  TransactionBuilder,
  type FeeBumpTransaction,
  type Transaction,
  xdr,
} from "@stellar/stellar-sdk";
import type {ApiModules} from "../../../src/api/interface.js";
import {genesisLedger, rootKeypair} from "../../../src/ledger/genesis.js";
import {networkConfig} from "../../../src/ledger/options.js";
import {closeLedger} from "../../../src/ledger/close.js";
import {entryKey, type AccountEntry, type NetworkConfig} from "../../../src/ledger/types.js";
import {decodeTxFrame} from "../../../src/tx/frame.js";
import {verifyFrameSignatures} from "../../../src/tx/verify.js";
import type {LedgerCloseResult} from "../../../src/tx/interface.js";
import {LedgerStore, type NetworkMeta} from "../../../src/store/ledger-store.js";
import {ledgerCommit} from "../../../src/store/records.js";

export const PASSPHRASE = "Diamante Net API unit tests ; 2024";
export const BASE_FEE = 100;
/** 100 million DIAM, in stroops. */
export const TOTAL_COINS = 1_000_000_000_000_000n;
export const GENESIS_CLOSE = 1_700_000_000;

export class StoreLedger {
  readonly store: LedgerStore;
  readonly config: NetworkConfig;
  readonly root: Keypair;
  /** Close time of the next ledger: 5 s after the previous one. */
  private nextClose = GENESIS_CLOSE;

  private constructor(
    readonly dir: string,
    passphrase: string,
    historyRetention?: number,
  ) {
    this.config = networkConfig(passphrase, {baseFee: BASE_FEE});
    this.root = rootKeypair(passphrase);
    this.store = new LedgerStore(historyRetention === undefined ? {dir} : {dir, historyRetention});
    const genesis = genesisLedger(this.config, TOTAL_COINS);
    const meta: NetworkMeta = {
      passphrase,
      baseFee: this.config.baseFee,
      baseReserve: this.config.baseReserve,
      maxTxSetSize: this.config.maxTxSetSize,
      protocolVersion: this.config.protocolVersion,
      totalCoins: TOTAL_COINS,
      createdAt: genesis.header.closeTime,
    };
    this.store.initialize(meta, genesis.header, genesis.entries, entryKey);
  }

  /** A new network (genesis only) in a fresh temporary folder. */
  /** `historyRetention`: ledgers of history kept (the store's default when absent). */
  static create(passphrase = PASSPHRASE, historyRetention?: number): StoreLedger {
    return new StoreLedger(mkdtempSync(join(tmpdir(), "diamante-api-")), passphrase, historyRetention);
  }

  account(id: string): AccountEntry | undefined {
    return this.store.account(id);
  }

  /** An SDK Account at the stored sequence number (plus `ahead` txs already built). */
  source(kp: Keypair, ahead = 0): Account {
    const a = this.account(kp.publicKey());
    if (a === undefined) throw new Error("no account " + kp.publicKey());
    return new Account(kp.publicKey(), (a.seqNum + BigInt(ahead)).toString());
  }

  /**
   * Closes the next ledger with `txs` as its set, exactly as the herder does once consensus
   * externalized it, and resolves when the store committed it.
   */
  async close(txs: (Transaction | FeeBumpTransaction)[]): Promise<LedgerCloseResult> {
    const frames = txs.map((t) => {
      const f = decodeTxFrame(t.toEnvelope().toXDR(), this.config.networkId);
      verifyFrameSignatures(f, this.store);
      return f;
    });
    this.nextClose += 5;
    const result = closeLedger(this.store, this.store.latestHeader(), frames, {closeTime: this.nextClose, config: this.config, checkInvariants: true});
    await this.store.commitLedger(ledgerCommit(result), []);
    return result;
  }

  async dispose(): Promise<void> {
    await this.store.close();
    rmSync(this.dir, {recursive: true, force: true});
  }
}

/** Builds and signs a transaction from `source` (whose sequence the Account tracks). */
export function buildTx(
  source: Keypair,
  account: Account,
  ops: xdr.Operation[],
  opts: {memo?: Memo; timeout?: number; fee?: number; signers?: Keypair[]} = {},
): Transaction {
  let b = new TransactionBuilder(account, {fee: String(opts.fee ?? BASE_FEE), networkPassphrase: PASSPHRASE});
  for (const op of ops) b = b.addOperation(op);
  if (opts.memo !== undefined) b = b.addMemo(opts.memo);
  b = opts.timeout === undefined ? b.setTimeout(0) : b.setTimeout(opts.timeout);
  const tx = b.build();
  for (const s of opts.signers ?? [source]) tx.sign(s);
  return tx;
}

export {Account, Keypair, Memo, SdkAsset, SdkOperation, TransactionBuilder};

/** The API over a StoreLedger's store alone: no submissions, no friendbot, no fee history. */
export function readOnlyModules(ledger: StoreLedger): ApiModules {
  return {
    reader: ledger.store,
    submitter: {submit: () => Promise.reject(new Error("no submissions here"))},
    friendbot: null,
    feeStats: {recentFees: () => []},
    info: {networkPassphrase: PASSPHRASE, coreVersion: "t", horizonVersion: "t", protocolVersion: ledger.config.protocolVersion},
    metricsText: () => Promise.resolve(""),
  };
}

/** An order-book claim atom (what crossing puts in a manage offer or path payment result). */
export function claimAtom(seller: Keypair, offerId: number, sold: SdkAsset, amountSold: number, bought: SdkAsset, amountBought: number): xdr.ClaimAtom {
  return xdr.ClaimAtom.claimAtomTypeOrderBook(
    new xdr.ClaimOfferAtom({
      sellerId: xdr.PublicKey.publicKeyTypeEd25519(seller.rawPublicKey()),
      offerId: new xdr.Int64(offerId),
      assetSold: sold.toXDRObject(),
      amountSold: new xdr.Int64(amountSold),
      assetBought: bought.toXDRObject(),
      amountBought: new xdr.Int64(amountBought),
    }),
  );
}

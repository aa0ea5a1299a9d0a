/**
 * A real LedgerStore in a temporary folder whose ledgers are closed by the herder's ledger
 * manager from real signed payments: what history reads from a node (headers and tx sets by
 * sequence) and the replay it asks of the ledger manager (a ledger that does not reproduce its
 * header is refused).
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {Account, Asset, Keypair, Operation, TimeoutInfinite, TransactionBuilder} from "@stellar/stellar-base";
import {LedgerStore, networkMetaOf} from "../../../src/store/ledger-store.js";
import {decodeEntry} from "../../../src/store/entry-codec.js";
import {genesisLedger, rootKeypair} from "../../../src/ledger/genesis.js";
import {networkConfig} from "../../../src/ledger/options.js";
import {LedgerManager} from "../../../src/herder/ledger-manager.js";
import {LedgerEvents} from "../../../src/herder/events.js";
import {createMetrics} from "../../../src/metrics/metrics.js";
import {pino} from "pino";
import {entryKey, type LedgerEntry, type LedgerHeader, type NetworkConfig} from "../../../src/ledger/types.js";
import type {LedgerApplier, LedgerSource, LedgerToReplay, TxSetOfLedger} from "../../../src/history/interface.js";

export const PASSPHRASE = "Diamante history tests ; 2026";
export const TOTAL_COINS = 100_000_000_000n * 10_000_000n;

export class Chain implements LedgerSource, LedgerApplier {
  readonly store: LedgerStore;
  readonly manager: LedgerManager;
  private readonly accounts: Array<{kp: Keypair; seq: bigint}> = [];
  private readonly root: {kp: Keypair; seq: bigint};

  constructor(
    readonly dir: string,
    readonly config: NetworkConfig,
  ) {
    this.store = new LedgerStore({dir});
    const log = pino({level: "silent"});
    this.manager = new LedgerManager(
      {checkInvariants: true},
      {store: this.store, config, metrics: createMetrics(), log, events: new LedgerEvents(log), txSets: () => undefined},
    );
    this.root = {kp: rootKeypair(config.passphrase), seq: 0n};
  }

  /** A folder holding only genesis. */
  static genesis(passphrase = PASSPHRASE): Chain {
    const c = Chain.empty(passphrase);
    const g = genesisLedger(c.config, TOTAL_COINS);
    c.store.initialize(networkMetaOf(c.config, g.header), g.header, g.entries, entryKey);
    return c;
  }

  /** A folder with nothing in it (what `diamante catchup` starts from). */
  static empty(passphrase = PASSPHRASE): Chain {
    return new Chain(mkdtempSync(join(tmpdir(), "diamante-history-test-")), networkConfig(passphrase));
  }

  latestHeader(): LedgerHeader {
    return this.store.latestHeader();
  }

  header(seq: number): LedgerHeader | undefined {
    return this.store.header(seq);
  }

  txSetAt(seq: number): TxSetOfLedger | undefined {
    return this.store.txSetAt(seq);
  }

  async applyLedger(l: Omit<LedgerToReplay, "expectedHash"> & {expectedHash?: string}): Promise<{header: LedgerHeader}> {
    return this.manager.applyLedger(l);
  }

  private envelope(from: {kp: Keypair; seq: bigint}, op: ReturnType<typeof Operation.payment>): Buffer {
    from.seq += 1n;
    const tx = new TransactionBuilder(new Account(from.kp.publicKey(), (from.seq - 1n).toString()), {fee: "100", networkPassphrase: this.config.passphrase})
      .addOperation(op)
      .setTimeout(TimeoutInfinite)
      .build();
    tx.sign(from.kp);
    return tx.toEnvelope().toXDR();
  }

  /** Closes one ledger: the root funds a new account, and each existing account pays the next. */
  async closeOne(): Promise<LedgerHeader> {
    const seq = this.store.latestHeader().seq + 1;
    const envelopes: Buffer[] = [];
    const kp = Keypair.random();
    envelopes.push(this.envelope(this.root, Operation.createAccount({destination: kp.publicKey(), startingBalance: "1000"})));
    const n = this.accounts.length;
    for (let i = 0; i < Math.min(n, 4); i++) {
      const from = this.accounts[(seq + i) % n]!;
      const to = this.accounts[(seq + i + 1) % n]!;
      envelopes.push(this.envelope(from, Operation.payment({destination: to.kp.publicKey(), asset: Asset.native(), amount: "1.5"})));
    }
    const closeTime = Math.max(this.store.latestHeader().closeTime + 1, 1_700_000_000 + seq * 5);
    const {header} = await this.applyLedger({seq, txs: {envelopes}, closeTime, baseFeeCharged: 100n});
    this.accounts.push({kp, seq: BigInt(seq) << 32n});
    return header;
  }

  async closeUntil(seq: number, each?: (h: LedgerHeader) => void): Promise<void> {
    while (this.store.latestHeader().seq < seq) {
      const h = await this.closeOne();
      each?.(h);
    }
  }

  /** Every entry, sorted by key: two folders with equal lists hold the same state. */
  entries(): Array<[string, LedgerEntry]> {
    const out: Array<[string, LedgerEntry]> = [];
    for (const {key, value} of this.store.entries.db.getRange()) out.push([key, decodeEntry(key, value)]);
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  async dispose(): Promise<void> {
    await this.store.close();
    rmSync(this.dir, {recursive: true, force: true});
  }
}

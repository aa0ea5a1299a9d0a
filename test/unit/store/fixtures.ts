/**
 * A real LedgerStore in a temporary folder, fed ledgers of real signed payment envelopes the way
 * the herder feeds it (ledgerCommit → commitLedger), without applying them: balances and
 * sequence numbers are moved by hand, which is all the store sees of a ledger.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {Account, Asset, Keypair, Operation, TimeoutInfinite, TransactionBuilder, xdr} from "@stellar/stellar-base";
import {LedgerStore, networkMetaOf} from "../../../src/store/ledger-store.js";
import type {PrunedHistory} from "../../../src/store/options.js";
import {ledgerCommit} from "../../../src/store/records.js";
import {genesisLedger} from "../../../src/ledger/genesis.js";
import {newAccountEntry} from "../../../src/ledger/entries.js";
import {networkConfig} from "../../../src/ledger/options.js";
import {accountKey, entryKey, type AccountEntry, type EntryKey, type LedgerEntry, type LedgerHeader} from "../../../src/ledger/types.js";
import {decodeTxFrame} from "../../../src/tx/frame.js";
import {opParticipants} from "../../../src/tx/apply.js";
import type {TxFrame} from "../../../src/tx/interface.js";
import type {AppliedTx} from "../../../src/tx/types.js";

export const config = networkConfig("Diamante store unit tests ; 2026");

const RESULT_XDR = new xdr.TransactionResult({
  feeCharged: xdr.Int64.fromString("100"),
  result: xdr.TransactionResultResult.txSuccess([xdr.OperationResult.opInner(xdr.OperationResultTr.payment(xdr.PaymentResult.paymentSuccess()))]),
  ext: new xdr.TransactionResultExt(0),
}).toXDR();

export interface Payment {
  from: number;
  to: number;
  /** Recorded as failed with op_underfunded (balances untouched but the fee) */
  failed?: boolean;
}

export class StoreFixture {
  readonly dir: string;
  readonly keys: Keypair[];
  readonly store: LedgerStore;
  readonly entries = new Map<EntryKey, LedgerEntry>();
  private readonly seqs: bigint[];
  header: LedgerHeader;

  constructor(opts: {accounts: number; historyRetention?: number; dir?: string; onPruned?: (p: PrunedHistory) => void; entryCacheEntries?: number}) {
    this.dir = opts.dir ?? mkdtempSync(join(tmpdir(), "diamante-store-test-"));
    this.keys = Array.from({length: opts.accounts}, (_, i) => {
      const seed = Buffer.alloc(32, 9);
      seed.writeUInt32BE(i + 1);
      return Keypair.fromRawEd25519Seed(seed);
    });
    this.seqs = this.keys.map(() => 1n << 32n);
    const genesis = genesisLedger(config, 100_000_000_000n * 10_000_000n);
    for (const k of this.keys) {
      const e = newAccountEntry(k.publicKey(), 1_000_000_000n, 1n << 32n, 1);
      this.entries.set(entryKey(e), e);
    }
    this.store = new LedgerStore({dir: this.dir, historyRetention: opts.historyRetention, onPruned: opts.onPruned, entryCacheEntries: opts.entryCacheEntries});
    this.store.initialize(
      networkMetaOf(config, genesis.header),
      genesis.header,
      [...genesis.entries, ...this.entries.values()],
      entryKey,
    );
    this.header = genesis.header;
  }

  account(i: number): string {
    return this.keys[i].publicKey();
  }

  /** Builds the next ledger of `payments` and hands it to the store; resolves when it is closed. */
  closeLedger(payments: Payment[]): {committed: Promise<void>; frames: TxFrame[]; applied: AppliedTx[]; header: LedgerHeader} {
    const frames: TxFrame[] = [];
    const applied: AppliedTx[] = [];
    const changes = new Map<EntryKey, LedgerEntry | null>();
    payments.forEach(({from, to, failed}, i) => {
      const tx = new TransactionBuilder(new Account(this.account(from), this.seqs[from].toString()), {fee: "100", networkPassphrase: config.passphrase})
        .addOperation(Operation.payment({destination: this.account(to), asset: Asset.native(), amount: "1"}))
        .setTimeout(TimeoutInfinite)
        .build();
      tx.sign(this.keys[from]);
      this.seqs[from] += 1n;
      const frame = decodeTxFrame(tx.toEnvelope().toXDR(), config.networkId);
      frames.push(frame);
      applied.push({
        hashHex: frame.hashHex,
        index: i + 1,
        successful: !failed,
        feeCharged: 100n,
        resultXdr: RESULT_XDR,
        resultCodes: failed ? {transaction: "tx_failed", operations: ["op_underfunded"]} : {transaction: "tx_success", operations: ["op_success"]},
        opParticipants: opParticipants(frame),
      });
      for (const [k, delta] of (failed ? [[from, -100n]] : [[from, -10_000_100n], [to, 10_000_000n]]) as Array<readonly [number, bigint]>) {
        const key = accountKey(this.account(k));
        const e = this.entries.get(key) as AccountEntry;
        const next: AccountEntry = {...e, balance: e.balance + delta, seqNum: k === from ? this.seqs[from] : e.seqNum};
        this.entries.set(key, next);
        changes.set(key, next);
      }
    });
    const seq = this.header.seq + 1;
    const header: LedgerHeader = {
      ...this.header,
      seq,
      prevHash: this.header.hash,
      hash: seq.toString(16).padStart(64, "0"),
      closeTime: this.header.closeTime + 5,
      txCount: payments.length,
      opCount: payments.length,
    };
    const commit = ledgerCommit({header, changes, frames, applied});
    // As the ledger manager commits: the tx set, its envelopes in apply order.
    commit.txSet = {seq, closeTime: header.closeTime, baseFeeCharged: 100n, envelopes: frames.map((f) => f.envelopeXdr)};
    const committed = this.store.commitLedger(commit, frames.map((f) => f.hashHex));
    this.header = header;
    return {committed, frames, applied, header};
  }

  /** `count` payments cycling through the accounts, starting at payment number `start`. */
  cyclePayments(start: number, count: number): Payment[] {
    const n = this.keys.length;
    return Array.from({length: count}, (_, i) => ({from: (start + i) % n, to: (start + i + 1) % n}));
  }

  async dispose(): Promise<void> {
    await this.store.close();
    rmSync(this.dir, {recursive: true, force: true});
  }
}

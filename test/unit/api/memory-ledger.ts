/**
 * An in-memory ledger history for API tests: real envelopes built with the SDK's
 * TransactionBuilder, real account entries, and a LedgerReader with the store's paging rules
 * (exclusive cursor, asc/desc, limit). `closeLedger` appends a ledger the way the node would.
 */
import {newAccountEntry} from "../../../src/ledger/entries.js";
import {createHash} from "node:crypto";
import {
  Account,
  Asset as SdkAsset,
  Keypair,
  Memo,
  Operation as SdkOperation,
  TransactionBuilder,
  xdr,
  type Transaction,
} from "@stellar/stellar-sdk";
import type {AccountEntry, DataEntry, LedgerHeader} from "../../../src/ledger/types.js";
import type {LedgerReader, OpFilter, PageQuery, StoredOp, StoredTx, TxFilter} from "../../../src/store/types.js";
import type {Operation} from "../../../src/tx/types.js";
import {toid} from "../../../src/api/format/toid.js";

export const PASSPHRASE = "Diamante Net API unit tests ; 2024";
export const BASE_FEE = 100;
export const GENESIS_CLOSE = 1_700_000_000;

export function stroops(amount: string): bigint {
  const [whole, frac = ""] = amount.split(".");
  return BigInt(whole) * 10_000_000n + BigInt(frac.padEnd(7, "0"));
}

/** The node's plain operation from the XDR one, via the SDK's decoder. */
function sdkOperation(raw: xdr.Operation): Operation {
  const o = SdkOperation.fromXDRObject(raw);
  const source = o.source ?? null;
  switch (o.type) {
    case "createAccount":
      return {type: "create_account", source, destination: o.destination, startingBalance: stroops(o.startingBalance)};
    case "payment":
      return {type: "payment", source, destination: o.destination, asset: {type: "native"}, amount: stroops(o.amount)};
    case "manageData":
      return {type: "manage_data", source, name: o.name, value: o.value ?? null};
    case "bumpSequence":
      return {type: "bump_sequence", source, bumpTo: BigInt(o.bumpTo)};
    case "accountMerge":
      return {type: "account_merge", source, destination: o.destination};
    default:
      return {type: "unsupported", source, xdrType: o.type};
  }
}

function resultXdr(ops: number, successful: boolean): string {
  const opResults = Array.from({length: ops}, () =>
    xdr.OperationResult.opInner(
      xdr.OperationResultTr.payment(successful ? xdr.PaymentResult.paymentSuccess() : xdr.PaymentResult.paymentUnderfunded()),
    ),
  );
  return new xdr.TransactionResult({
    feeCharged: new xdr.Int64(BASE_FEE * ops),
    result: successful ? xdr.TransactionResultResult.txSuccess(opResults) : xdr.TransactionResultResult.txFailed(opResults),
    ext: new xdr.TransactionResultExt(0),
  }).toXDR("base64");
}

export const FAILED_RESULT_XDR = resultXdr(1, false);

function byToid(a: {id: string}, b: {id: string}): number {
  const x = BigInt(a.id);
  const y = BigInt(b.id);
  return x < y ? -1 : x > y ? 1 : 0;
}

function pageOf<T extends {id: string}>(all: T[], page: PageQuery): T[] {
  const sorted = [...all].sort(byToid);
  if (page.order === "desc") sorted.reverse();
  const cursor = page.cursor === undefined ? undefined : BigInt(page.cursor);
  const after = cursor === undefined ? sorted : sorted.filter((r) => (page.order === "asc" ? BigInt(r.id) > cursor : BigInt(r.id) < cursor));
  return after.slice(0, page.limit);
}

function opAccounts(op: StoredOp): string[] {
  const o = op.op;
  const out = [op.sourceAccount];
  if ("destination" in o) out.push(o.destination);
  return out;
}

export class MemoryLedger implements LedgerReader {
  readonly headerList: LedgerHeader[] = [];
  readonly txList: StoredTx[] = [];
  readonly opList: StoredOp[] = [];
  readonly accounts = new Map<string, AccountEntry>();
  readonly data = new Map<string, DataEntry[]>();

  constructor() {
    this.headerList.push(this.header0());
  }

  private header0(): LedgerHeader {
    return {
      seq: 1,
      prevHash: "0".repeat(64),
      hash: createHash("sha256").update("genesis").digest("hex"),
      txSetHash: "0".repeat(64),
      txResultsHash: "0".repeat(64),
      stateHash: "0".repeat(64),
      closeTime: GENESIS_CLOSE,
      totalCoins: 1_000_000_000_000_000n,
      feePool: 0n,
      baseFee: BASE_FEE,
      baseReserve: 5_000_000,
      maxTxSetSize: 1000,
      protocolVersion: 21,
      idPool: 0n,
      txCount: 0,
      failedTxCount: 0,
      opCount: 0,
    };
  }

  setAccount(id: string, balance: bigint, seqNum: bigint, patch: Partial<AccountEntry> = {}): AccountEntry {
    const entry: AccountEntry = {
      ...newAccountEntry(id, balance, seqNum, this.latestHeader().seq),
      seqLedger: this.latestHeader().seq,
      seqTime: BigInt(this.latestHeader().closeTime),
      ...patch,
    };
    this.accounts.set(id, entry);
    return entry;
  }

  setData(id: string, name: string, value: Buffer): void {
    const list = (this.data.get(id) ?? []).filter((d) => d.name !== name);
    list.push({type: "data", accountId: id, name, value, lastModifiedLedger: this.latestHeader().seq});
    this.data.set(id, list);
  }

  /** Appends a ledger holding `txs` (those wrapped as {failedTx} failed when applied), 5 s after the last. */
  closeLedger(txs: (Transaction | {failedTx: Transaction})[]): LedgerHeader {
    const prev = this.latestHeader();
    const seq = prev.seq + 1;
    const closeTime = prev.closeTime + 5;
    let failed = 0;
    let ops = 0;
    txs.forEach((item, i) => {
      const tx = "failedTx" in item ? item.failedTx : item;
      const successful = !("failedTx" in item);
      if (!successful) failed++;
      const hash = tx.hash().toString("hex");
      const index = i + 1;
      const stored: StoredTx = {
        hash,
        ledger: seq,
        index,
        id: toid(seq, index, 0),
        closedAt: closeTime,
        sourceAccount: tx.source,
        sourceAccountSequence: BigInt(tx.sequence),
        feeAccount: tx.source,
        feeCharged: BigInt(BASE_FEE * tx.operations.length),
        maxFee: BigInt(tx.fee),
        operationCount: tx.operations.length,
        envelopeXdr: tx.toEnvelope().toXDR("base64"),
        resultXdr: resultXdr(tx.operations.length, successful),
        resultCodes: successful ? {transaction: "tx_success", operations: tx.operations.map(() => "op_success")} : {transaction: "tx_failed", operations: ["op_underfunded"]},
        memoType: tx.memo.type,
        signatures: tx.signatures.map((s) => s.signature().toString("base64")),
        successful,
        operations: tx.toEnvelope().v1().tx().operations().map(sdkOperation),
      };
      if (tx.memo.type === "text") stored.memo = String(tx.memo.value);
      if (tx.timeBounds !== undefined) {
        stored.validAfter = Number(tx.timeBounds.minTime);
        if (tx.timeBounds.maxTime !== "0") stored.validBefore = Number(tx.timeBounds.maxTime);
      }
      this.txList.push(stored);
      const envOps = tx.toEnvelope().v1().tx().operations();
      envOps.forEach((raw, j) => {
        const op = sdkOperation(raw);
        this.opList.push({
          id: toid(seq, index, j + 1),
          ledger: seq,
          txIndex: index,
          opIndex: j + 1,
          txHash: hash,
          closedAt: closeTime,
          sourceAccount: op.source ?? tx.source,
          op,
          transactionSuccessful: successful,
        });
        ops++;
      });
    });
    const header: LedgerHeader = {
      ...prev,
      seq,
      prevHash: prev.hash,
      hash: createHash("sha256").update(`ledger ${seq}`).digest("hex"),
      closeTime,
      feePool: prev.feePool + BigInt(ops * BASE_FEE),
      txCount: txs.length,
      failedTxCount: failed,
      opCount: ops,
    };
    this.headerList.push(header);
    return header;
  }

  latestHeader(): LedgerHeader {
    return this.headerList[this.headerList.length - 1];
  }

  header(seq: number): LedgerHeader | undefined {
    return this.headerList.find((h) => h.seq === seq);
  }

  headers(page: PageQuery): LedgerHeader[] {
    const withIds = this.headerList.map((h) => ({id: toid(h.seq, 0, 0), h}));
    return pageOf(withIds, page).map((x) => x.h);
  }

  account(id: string): AccountEntry | undefined {
    return this.accounts.get(id);
  }

  dataEntries(id: string): DataEntry[] {
    return this.data.get(id) ?? [];
  }

  tx(hash: string): StoredTx | undefined {
    return this.txList.find((t) => t.hash === hash);
  }

  txs(page: PageQuery, filter: TxFilter): StoredTx[] {
    const all = this.txList.filter((t) => {
      if (filter.ledger !== undefined && t.ledger !== filter.ledger) return false;
      if (filter.account !== undefined) {
        const touched = t.sourceAccount === filter.account || this.opList.some((o) => o.txHash === t.hash && opAccounts(o).includes(filter.account as string));
        if (!touched) return false;
      }
      return true;
    });
    return pageOf(all, page);
  }

  op(id: string): StoredOp | undefined {
    return this.opList.find((o) => o.id === id);
  }

  ops(page: PageQuery, filter: OpFilter): StoredOp[] {
    const all = this.opList.filter((o) => {
      if (filter.ledger !== undefined && o.ledger !== filter.ledger) return false;
      if (filter.txHash !== undefined && o.txHash !== filter.txHash) return false;
      if (filter.account !== undefined && !opAccounts(o).includes(filter.account)) return false;
      if (filter.paymentsOnly === true && !["create_account", "payment", "account_merge"].includes(o.op.type)) return false;
      return true;
    });
    return pageOf(all, page);
  }
}

/** Builds and signs a transaction from `source` (whose sequence the Account tracks). */
export function buildTx(
  source: Keypair,
  account: Account,
  ops: xdr.Operation[],
  opts: {memo?: Memo; timeout?: number} = {},
): Transaction {
  let b = new TransactionBuilder(account, {fee: String(BASE_FEE), networkPassphrase: PASSPHRASE});
  for (const op of ops) b = b.addOperation(op);
  if (opts.memo !== undefined) b = b.addMemo(opts.memo);
  b = opts.timeout === undefined ? b.setTimeout(0) : b.setTimeout(opts.timeout);
  const tx = b.build();
  tx.sign(source);
  return tx;
}

export {Account, Keypair, Memo, SdkAsset, SdkOperation, TransactionBuilder};

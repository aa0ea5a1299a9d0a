/**
 * Turns a closed ledger (frames + what applying them produced) into the records and index entries
 * the API reads. Runs on the main thread once per ledger, inside the close budget.
 */
import type {AccountId} from "../ledger/types.js";
import type {LedgerCloseResult, TxFrame} from "../tx/interface.js";
import type {AppliedTx, Memo} from "../tx/types.js";
import type {LedgerCommit} from "./ledger-store.js";
import type {StoredOp, StoredTx} from "./types.js";
import {toidString} from "./toid.js";

export function memoFields(memo: Memo): {memoType: StoredTx["memoType"]; memo?: string} {
  switch (memo.type) {
    case "none":
      return {memoType: "none"};
    case "text":
      return {memoType: "text", memo: Buffer.from(memo.value).toString("utf8")};
    case "id":
      return {memoType: "id", memo: memo.value.toString()};
    case "hash":
    case "return":
      return {memoType: memo.type, memo: Buffer.from(memo.value).toString("base64")};
  }
}

function storedTx(frame: TxFrame, applied: AppliedTx, ledger: number, closedAt: number): StoredTx {
  const tb = frame.timeBounds;
  const tx: StoredTx = {
    hash: frame.hashHex,
    ledger,
    index: applied.index,
    id: toidString(ledger, applied.index, 0),
    closedAt,
    sourceAccount: frame.sourceAccount,
    sourceAccountSequence: frame.seqNum,
    feeAccount: frame.feeSource,
    feeCharged: applied.feeCharged,
    maxFee: frame.maxFee,
    operationCount: frame.operations.length,
    envelopeXdr: frame.envelopeXdr.toString("base64"),
    resultXdr: applied.resultXdr.toString("base64"),
    resultCodes: applied.resultCodes,
    ...memoFields(frame.memo),
    signatures: (frame.isFeeBump ? frame.feeBumpSignatures : frame.signatures).map((s) =>
      Buffer.from(s.signature).toString("base64"),
    ),
    successful: applied.successful,
  };
  if (tb) {
    tx.validAfter = Number(tb.minTime);
    if (tb.maxTime > 0n) tx.validBefore = Number(tb.maxTime);
  }
  if (frame.isFeeBump) {
    tx.feeBump = {
      innerHash: frame.innerHash.toString("hex"),
      innerSignatures: frame.signatures.map((s) => Buffer.from(s.signature).toString("base64")),
    };
  }
  return tx;
}

/** Builds the store commit for a closed ledger: records plus per-account index entries. */
export function ledgerCommit(result: LedgerCloseResult): LedgerCommit {
  const {header} = result;
  const txs: StoredTx[] = [];
  const ops: StoredOp[] = [];
  const txParticipants: Array<[AccountId, StoredTx]> = [];
  const opParticipants: Array<[AccountId, StoredOp]> = [];
  for (let i = 0; i < result.frames.length; i++) {
    const frame = result.frames[i];
    const applied = result.applied[i];
    const tx = storedTx(frame, applied, header.seq, header.closeTime);
    txs.push(tx);
    const txAccounts = new Set<AccountId>([frame.sourceAccount, frame.feeSource]);
    frame.operations.forEach((op, j) => {
      const stored: StoredOp = {
        id: toidString(header.seq, applied.index, j + 1),
        ledger: header.seq,
        txIndex: applied.index,
        opIndex: j + 1,
        txHash: frame.hashHex,
        closedAt: header.closeTime,
        sourceAccount: op.source ?? frame.sourceAccount,
        op,
        transactionSuccessful: applied.successful,
      };
      ops.push(stored);
      const accounts = new Set<AccountId>([stored.sourceAccount, ...(applied.opParticipants[j] ?? [])]);
      for (const a of accounts) {
        opParticipants.push([a, stored]);
        txAccounts.add(a);
      }
    });
    for (const a of txAccounts) txParticipants.push([a, tx]);
  }
  return {header, changes: result.changes, txs, ops, txParticipants, opParticipants};
}

/**
 * Turns a closed ledger (frames + what applying them produced) into the records and index entries
 * the API reads. Runs on the main thread once per ledger, inside the close budget.
 */
import type {AccountId} from "../ledger/types.js";
import type {LedgerCloseResult, TxFrame} from "../tx/interface.js";
import type {AppliedTx, Memo} from "../tx/types.js";
import {PAYMENT_TYPES, type AccountIndexEntry, type LedgerCommit} from "./ledger-store.js";
import type {StoredTx} from "./types.js";
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
    operations: frame.operations,
  };
  if (tb) {
    tx.validAfter = tb.minTime;
    if (tb.maxTime > 0n) tx.validBefore = tb.maxTime;
  }
  if (frame.isFeeBump) {
    tx.feeBump = {
      innerHash: frame.innerHash.toString("hex"),
      innerSignatures: frame.signatures.map((s) => Buffer.from(s.signature).toString("base64")),
    };
  }
  return tx;
}

/** Builds the store commit for a closed ledger: tx records plus per-account index entries. */
export function ledgerCommit(result: LedgerCloseResult): LedgerCommit {
  const {header} = result;
  const txs: StoredTx[] = [];
  const participants: AccountIndexEntry[] = [];
  for (let i = 0; i < result.frames.length; i++) {
    const frame = result.frames[i];
    const applied = result.applied[i];
    const tx = storedTx(frame, applied, header.seq, header.closeTime);
    txs.push(tx);
    const seen = new Set<AccountId>();
    frame.operations.forEach((op, j) => {
      const source = op.source ?? frame.sourceAccount;
      const payment = PAYMENT_TYPES.has(op.type);
      const accounts = applied.opParticipants[j] ?? [];
      if (!accounts.includes(source)) participants.push({account: source, ledger: header.seq, txIndex: applied.index, opIndex: j + 1, payment});
      for (const a of accounts) participants.push({account: a, ledger: header.seq, txIndex: applied.index, opIndex: j + 1, payment});
      seen.add(source);
      for (const a of accounts) seen.add(a);
    });
    // Accounts in the tx but in none of its operations (a fee-bump's fee source, an op-less source).
    for (const a of [frame.sourceAccount, frame.feeSource]) {
      if (!seen.has(a)) {
        seen.add(a);
        participants.push({account: a, ledger: header.seq, txIndex: applied.index, opIndex: 0, payment: false});
      }
    }
  }
  return {header, changes: result.changes, txs, participants};
}

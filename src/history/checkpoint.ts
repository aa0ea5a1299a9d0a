/**
 * Checkpoints as stellar-core cuts them: every 64 ledgers, the last ledger of each group, so the
 * first checkpoint is ledger 63 (ledgers 1..63: genesis is ledger 1) and then 127, 191, ...
 * Archive paths use the checkpoint's sequence as 8 hex digits, nested by its first three bytes
 * (`ledger/00/00/3f/ledger-0000003f.bin.gz`), so no folder holds more than 256 entries.
 */
export const CHECKPOINT_FREQUENCY = 64;

/** The root state file: the archive's latest checkpoint (stellar-core's HistoryArchiveState path). */
export const ROOT_STATE_PATH = ".well-known/stellar-history.json";

export function isCheckpoint(seq: number): boolean {
  return (seq + 1) % CHECKPOINT_FREQUENCY === 0;
}

/** The checkpoint whose group holds ledger `seq`. */
export function checkpointOf(seq: number): number {
  return Math.floor(seq / CHECKPOINT_FREQUENCY) * CHECKPOINT_FREQUENCY + CHECKPOINT_FREQUENCY - 1;
}

/** The first ledger of `checkpoint`'s group (1 for the first group: there is no ledger 0). */
export function firstLedgerOf(checkpoint: number): number {
  return Math.max(1, checkpoint - CHECKPOINT_FREQUENCY + 1);
}

export type Category = "history" | "ledger" | "transactions" | "results" | "snapshot";

/** The archive path of one checkpoint file. */
export function checkpointPath(category: Category, checkpoint: number): string {
  const hex = checkpoint.toString(16).padStart(8, "0");
  const ext = category === "history" ? "json" : "bin.gz";
  return `${category}/${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex.slice(4, 6)}/${category}-${hex}.${ext}`;
}

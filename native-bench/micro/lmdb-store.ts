/**
 * LMDB through lmdb-js with msgpack values: bulk puts inside one write transaction, point gets,
 * and the node's write pattern of one atomic transaction per ledger close (changed entries, the
 * header and the ledger's transactions, across two named databases).
 */
import {createHash} from "node:crypto";
import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {performance} from "node:perf_hooks";
import {Packr} from "msgpackr";
import {open, type Database, type RootDatabase} from "lmdb";
import {StrKey} from "@stellar/stellar-base";
import {BenchError, BenchErrorCode} from "../errors.js";
import {accountLikeEntry, type AccountLikeEntry} from "../fixtures.js";
import {isEntryPoint, measureAsync, measureSelfTimed, median, type Figure, type Section} from "../measure.js";
import {defaultMicroOptions, type MicroOptions} from "../options.js";
import {sectionText} from "../report.js";

/** Records per bulk-put run: the size of a large ledger's change set, or a genesis import chunk. */
const RECORDS_PER_RUN = 10_000;
/** Changed accounts per simulated ledger: a 250-payment ledger touches ~2 accounts per payment. */
const ENTRIES_PER_LEDGER = 500;
/** Transactions stored per simulated ledger. */
const TXS_PER_LEDGER = 250;
/** Simulated ledgers per run: enough commits that one slow fsync does not decide the median. */
const LEDGERS_PER_RUN = 20;
/** Separate-transaction puts per run: each waits for its own commit, so keep the count small. */
const SINGLE_PUTS_PER_RUN = 100;
/** Bytes of a stored transaction body (a signed one-payment envelope plus its result). */
const TX_RECORD_BYTES = 300;

function keyFor(label: string, i: number): Buffer {
  return createHash("sha256").update(`${label} ${i}`).digest();
}

/** An account record keyed by its 32-byte public key, as the entries database would hold it. */
function recordFor(template: AccountLikeEntry, key: Buffer, i: number): AccountLikeEntry {
  return {...template, accountId: StrKey.encodeEd25519PublicKey(key), balance: template.balance + BigInt(i)};
}

export async function runLmdbBench(opts: MicroOptions = defaultMicroOptions): Promise<Section> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "diamante-bench-lmdb-"));
  let root: RootDatabase | undefined;
  try {
    root = open({path: dir, maxDbs: 8});
    const entries: Database<AccountLikeEntry, Buffer> = root.openDB({name: "entries", encoding: "msgpack"});
    const txs: Database<{hash: Buffer; body: Buffer; ledger: number}, Buffer> = root.openDB({
      name: "txs",
      encoding: "msgpack",
    });
    const headers: Database<{seq: number; closedAt: number; txCount: number}, number> = root.openDB({
      name: "headers",
      encoding: "msgpack",
    });
    const raw: Database<Buffer, Buffer> = root.openDB({name: "raw", encoding: "binary"});
    const template = accountLikeEntry(0);
    const figures: Figure[] = [];

    // Bulk puts: each run writes RECORDS_PER_RUN fresh keys inside one synchronous write txn.
    let run = 0;
    const putFigure = await measureSelfTimed("put, 10k in one write txn", () => {
      const label = `bulk ${run++}`;
      const records = Array.from({length: RECORDS_PER_RUN}, (_, i) => {
        const key = keyFor(label, i);
        return [key, recordFor(template, key, i)] as const;
      });
      const start = performance.now();
      entries.transactionSync(() => {
        for (const [key, record] of records) entries.put(key, record);
      });
      return {ops: RECORDS_PER_RUN, ms: performance.now() - start};
    }, opts.runs);
    putFigure.note = `median ${putFigure.medianMs.toFixed(1)} ms per 10k-record txn`;
    figures.push(putFigure);

    // Same, with values packed beforehand: separates LMDB's own cost from msgpack encoding.
    const packr = new Packr({useRecords: false});
    let rawRun = 0;
    const rawFigure = await measureSelfTimed("put pre-packed bytes, 10k in one write txn", () => {
      const label = `raw ${rawRun++}`;
      const records = Array.from({length: RECORDS_PER_RUN}, (_, i) => {
        const key = keyFor(label, i);
        return [key, packr.pack(recordFor(template, key, i))] as const;
      });
      const start = performance.now();
      raw.transactionSync(() => {
        for (const [key, bytes] of records) raw.put(key, bytes);
      });
      return {ops: RECORDS_PER_RUN, ms: performance.now() - start};
    }, opts.runs);
    rawFigure.note = `median ${rawFigure.medianMs.toFixed(1)} ms per 10k-record txn`;
    figures.push(rawFigure);

    // Gets of records known to exist, in a shuffled order so each lands on a different page.
    // "bulk 0" was written by the untimed warm-up run, so all its keys exist.
    const existing = Array.from({length: RECORDS_PER_RUN}, (_, i) => keyFor("bulk 0", i));
    for (let i = existing.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [existing[i], existing[j]] = [existing[j], existing[i]];
    }
    const first = entries.get(existing[0]);
    if (first === undefined || first.accountId !== StrKey.encodeEd25519PublicKey(existing[0])) {
      throw new BenchError(BenchErrorCode.SanityCheckFailed, "LMDB did not return the record just written");
    }
    figures.push(await measureAsync("get (decoded), 10k random keys", async () => {
      let found = 0;
      for (const key of existing) if (entries.get(key) !== undefined) found++;
      if (found !== existing.length) {
        throw new BenchError(BenchErrorCode.SanityCheckFailed, `only ${found} of ${existing.length} keys found`);
      }
      return found;
    }, opts.runs));

    // One atomic write per ledger: entries + txs + header in a single async transaction.
    let ledgerSeq = 1;
    const commitMs: number[] = [];
    const ledgerFigure = await measureAsync("ledger close: 1 txn of 500 entries + 250 txs", async () => {
      for (let l = 0; l < LEDGERS_PER_RUN; l++) {
        const seq = ledgerSeq++;
        const start = performance.now();
        await root!.transaction(() => {
          for (let i = 0; i < ENTRIES_PER_LEDGER; i++) {
            const key = existing[(seq * ENTRIES_PER_LEDGER + i) % existing.length];
            entries.put(key, recordFor(template, key, seq));
          }
          for (let t = 0; t < TXS_PER_LEDGER; t++) {
            const hash = keyFor(`tx ${seq}`, t);
            txs.put(hash, {hash, body: Buffer.alloc(TX_RECORD_BYTES, t), ledger: seq});
          }
          headers.put(seq, {seq, closedAt: Date.now(), txCount: TXS_PER_LEDGER});
        });
        commitMs.push(performance.now() - start);
      }
      return LEDGERS_PER_RUN * (ENTRIES_PER_LEDGER + TXS_PER_LEDGER + 1);
    }, opts.runs);
    if (headers.get(ledgerSeq - 1)?.seq !== ledgerSeq - 1) {
      throw new BenchError(BenchErrorCode.SanityCheckFailed, "last ledger header was not stored");
    }
    ledgerFigure.note = `median ${median(commitMs).toFixed(2)} ms per ledger commit`;
    figures.push(ledgerFigure);

    // The anti-pattern: every put its own committed transaction.
    let single = 0;
    figures.push(await measureAsync("putSync, one txn per put", async () => {
      for (let i = 0; i < SINGLE_PUTS_PER_RUN; i++) {
        const key = keyFor("single", single++);
        entries.putSync(key, recordFor(template, key, i));
      }
      return SINGLE_PUTS_PER_RUN;
    }, opts.runs));

    return {
      title: "LMDB (lmdb-js, msgpack values, temp dir)",
      baseline: "put, 10k in one write txn",
      figures,
      notes: [
        "Bulk put times only the write txn (msgpack encoding included, record building excluded).",
        "Ledger close rows count entries + txs + header written per second, awaiting each commit.",
        "Default durability (overlappingSync on Linux): commits are visible when awaited, flushed after.",
      ],
    };
  } finally {
    await root?.close();
    rmSync(dir, {recursive: true, force: true});
  }
}

if (isEntryPoint(import.meta.url)) {
  console.log(sectionText(await runLmdbBench()));
}

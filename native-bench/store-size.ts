/**
 * Bytes per committed payment, measured straight on the store (no HTTP, no consensus): synthetic
 * ledgers of real signed payment envelopes are committed the way the herder commits them
 * (pending record at admission, then ledgerCommit → commitLedger), then the file is measured with
 * the same figures `diamante db stats` prints.
 *
 *   node dist/native-bench/store-size.js [--payments N] [--per-ledger N] [--retention LEDGERS]
 *        [--readers N] [--dir DIR] [--samples K]
 *
 * --readers N starts N worker threads that open the file read-only and read accounts in a loop,
 * as the verify workers do; --samples prints the file size K times along the run, which shows
 * whether it keeps growing.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {parseArgs} from "node:util";
import {Worker} from "node:worker_threads";
import {execFileSync} from "node:child_process";
import {fileURLToPath} from "node:url";
import {Account, Asset, Keypair, Operation, TimeoutInfinite, TransactionBuilder, xdr} from "@stellar/stellar-base";
import {LedgerStore, networkMetaOf} from "../src/store/ledger-store.js";
import {ledgerCommit} from "../src/store/records.js";
import {dbStats} from "../src/store/stats.js";
import {genesisLedger} from "../src/ledger/genesis.js";
import {newAccountEntry} from "../src/ledger/entries.js";
import {networkConfig} from "../src/ledger/options.js";
import {accountKey, entryKey, type EntryKey, type LedgerEntry, type LedgerHeader} from "../src/ledger/types.js";
import {decodeTxFrame} from "../src/tx/frame.js";
import {opParticipants} from "../src/tx/apply.js";
import type {AppliedTx} from "../src/tx/types.js";

const {values} = parseArgs({
  options: {
    payments: {type: "string", default: "50000"},
    "per-ledger": {type: "string", default: "1000"},
    retention: {type: "string", default: "0"},
    readers: {type: "string", default: "0"},
    samples: {type: "string", default: "5"},
    dir: {type: "string"},
    "stats-of": {type: "string"},
    "serial-acks": {type: "boolean", default: false},
  },
});
if (values["stats-of"] !== undefined) {
  // LMDB allows one open of a file per process: the sampling runs in a child process.
  process.stdout.write(JSON.stringify(await dbStats(values["stats-of"])));
  process.exit(0);
}
function statsNow(d: string): Awaited<ReturnType<typeof dbStats>> {
  return JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--stats-of", d], {encoding: "utf8"}));
}
const payments = Number(values.payments);
const perLedger = Number(values["per-ledger"]);
const retention = Number(values.retention);
const samples = Number(values.samples);
const ACCOUNTS = 2000;

const config = networkConfig("Diamante store-size bench ; 2026");
const dir = values.dir ?? mkdtempSync(join(tmpdir(), "diamante-store-size-"));
const genesis = genesisLedger(config, 100_000_000_000n * 10_000_000n);
const keys = Array.from({length: ACCOUNTS}, (_, i) => {
  const seed = Buffer.alloc(32, 7);
  seed.writeUInt32BE(i + 1);
  return Keypair.fromRawEd25519Seed(seed);
});
const seqs = keys.map(() => 1n << 32n);
const entries = new Map<EntryKey, LedgerEntry>();
for (const k of keys) {
  const e = newAccountEntry(k.publicKey(), 1_000_000_000n, 1n << 32n, 1);
  entries.set(entryKey(e), e);
}

const storeOpts: ConstructorParameters<typeof LedgerStore>[0] & {historyRetention?: number} = {dir};
if (retention > 0) storeOpts.historyRetention = retention;
const store = new LedgerStore(storeOpts);
store.initialize(
  networkMetaOf(config, genesis.header),
  genesis.header,
  [...genesis.entries, ...entries.values()],
  entryKey,
);

const resultXdr = new xdr.TransactionResult({
  feeCharged: xdr.Int64.fromString("100"),
  result: xdr.TransactionResultResult.txSuccess([xdr.OperationResult.opInner(xdr.OperationResultTr.payment(xdr.PaymentResult.paymentSuccess()))]),
  ext: new xdr.TransactionResultExt(0),
}).toXDR();

const readers: Worker[] = [];
for (let i = 0; i < Number(values.readers); i++) {
  const src = `
    const {workerData, parentPort} = require("node:worker_threads");
    const {open} = require("lmdb");
    const root = open({path: workerData.file, readOnly: true, maxDbs: 32});
    const db = root.openDB({name: "entries"});
    let stop = false;
    parentPort.on("message", () => { stop = true; });
    function loop() { if (stop) { root.close(); parentPort.postMessage("done"); return; }
      for (let j = 0; j < 200; j++) db.get("a:" + workerData.keys[(Math.random() * workerData.keys.length) | 0]);
      setImmediate(loop); }
    loop();`;
  readers.push(new Worker(src, {eval: true, workerData: {file: join(dir, "ledger.mdb"), keys: keys.map((k) => k.publicKey())}}));
}

let header: LedgerHeader = genesis.header;
let done = 0;
let nextSample = Math.ceil(payments / samples);
const t0 = Date.now();
while (done < payments) {
  const n = Math.min(perLedger, payments - done);
  const frames = [];
  const applied: AppliedTx[] = [];
  const changes = new Map<EntryKey, LedgerEntry | null>();
  const acks: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const a = (done + i) % ACCOUNTS;
    const b = (a + 1 + ((done + i) % 7)) % ACCOUNTS;
    const src = new Account(keys[a].publicKey(), seqs[a].toString());
    const tx = new TransactionBuilder(src, {fee: "100", networkPassphrase: config.passphrase})
      .addOperation(Operation.payment({destination: keys[b].publicKey(), asset: Asset.native(), amount: "1"}))
      .setTimeout(TimeoutInfinite)
      .build();
    tx.sign(keys[a]);
    seqs[a] += 1n;
    const envelope = tx.toEnvelope().toXDR();
    const frame = decodeTxFrame(envelope, config.networkId);
    frames.push(frame);
    // --serial-acks: each admission is its own write, as on a node taking submissions one by one.
    if (values["serial-acks"]) await store.addPending(frame.hashHex, envelope);
    else acks.push(store.addPending(frame.hashHex, envelope));
    applied.push({
      hashHex: frame.hashHex,
      index: i + 1,
      successful: true,
      feeCharged: 100n,
      resultXdr,
      resultCodes: {transaction: "tx_success", operations: ["op_success"]},
      opParticipants: opParticipants(frame),
    });
    for (const [k, delta] of [[a, -10_000_100n], [b, 10_000_000n]] as const) {
      const e = entries.get(accountKey(keys[k].publicKey())) as LedgerEntry & {type: "account"};
      const next = {...e, balance: e.balance + delta, seqNum: k === a ? seqs[a] : e.seqNum};
      entries.set(accountKey(keys[k].publicKey()), next);
      changes.set(accountKey(keys[k].publicKey()), next);
    }
  }
  await Promise.all(acks);
  header = {...header, seq: header.seq + 1, prevHash: header.hash, hash: header.seq.toString(16).padStart(64, "0"), closeTime: header.closeTime + 1, txCount: n, opCount: n};
  await store.commitLedger(ledgerCommit({header, changes, frames, applied}), frames.map((f) => f.hashHex));
  done += n;
  if (done >= nextSample || done === payments) {
    nextSample += Math.ceil(payments / samples);
    const s = statsNow(dir);
    console.log(`${String(done).padStart(9)} payments  file ${(s.fileBytes / 1024 ** 2).toFixed(1)} MiB  ${(s.fileBytes / done).toFixed(0)} B/payment  live ${s.livePages}  free ${s.freePages} pages`);
  }
}
const elapsed = (Date.now() - t0) / 1000;
for (const w of readers) {
  const stopped = new Promise((r) => w.once("message", r));
  w.postMessage("stop");
  await stopped;
}
await store.close();
const s = await dbStats(dir);
console.log(`\n${payments} payments in ${header.seq - 1} ledgers (${perLedger}/ledger), retention ${retention || "all"}, ${readers.length} readers, ${values["serial-acks"] ? "serial" : "batched"} acks, ${elapsed.toFixed(1)} s`);
console.log(`file ${s.fileBytes} bytes = ${(s.fileBytes / payments).toFixed(0)} B per payment; live ${((s.livePages * s.pageSize) / payments).toFixed(0)} B per payment; free pages ${s.freePages} of ${s.totalPages}`);
for (const t of s.tables) console.log(`  ${t.name.padEnd(12)} ${String(t.entries).padStart(9)} records ${t.bytesPerRecord.toFixed(0).padStart(6)} B/record`);
if (values.dir === undefined) rmSync(dir, {recursive: true, force: true});

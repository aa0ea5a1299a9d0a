/**
 * History archives: a node publishes a checkpoint every 64 ledgers; another folder is built from
 * the archive (snapshot + replay, or replay from genesis) with identical header hashes and state;
 * altered archives are refused with a clear error; put/get command templates work with `cp`.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {gunzipSync, gzipSync} from "node:zlib";
import {Packr} from "msgpackr";
import {pino} from "pino";
import {CHECKPOINT_FREQUENCY, ROOT_STATE_PATH, checkpointOf, checkpointPath, firstLedgerOf, isCheckpoint} from "../../../src/history/checkpoint.js";
import {CommandArchive, FolderArchive, archiveFromSpec, type HistoryArchive} from "../../../src/history/archive.js";
import {HistoryPublisher} from "../../../src/history/publisher.js";
import {catchupFromArchive} from "../../../src/history/catchup-archive.js";
import {HistoryError, HistoryErrorCode} from "../../../src/history/errors.js";
import {parseState, sha256Hex} from "../../../src/history/state.js";
import {Chain} from "./chain.js";

const log = pino({level: "silent"});
const packr = new Packr({useRecords: false, mapsAsObjects: true});

test("checkpoints fall every 64 ledgers, the first at 63, with stellar-core's nested hex paths", () => {
  assert.equal(CHECKPOINT_FREQUENCY, 64);
  assert.deepEqual([1, 62, 63, 64, 126, 127, 128].map(isCheckpoint), [false, false, true, false, false, true, false]);
  assert.deepEqual([1, 63, 64, 127, 128].map(checkpointOf), [63, 63, 127, 127, 191]);
  assert.deepEqual([63, 127].map(firstLedgerOf), [1, 64]);
  assert.equal(checkpointPath("ledger", 63), "ledger/00/00/00/ledger-0000003f.bin.gz");
  assert.equal(checkpointPath("history", 0x12345678 * 64 + 63), `history/${(0x12345678 * 64 + 63).toString(16).padStart(8, "0").replace(/^(..)(..)(..).*/, "$1/$2/$3")}/history-${(0x12345678 * 64 + 63).toString(16).padStart(8, "0")}.json`);
});

/** A chain closed to `last`, publishing into `archive` as it goes. */
async function published(archive: HistoryArchive, last: number): Promise<{chain: Chain; publisher: HistoryPublisher}> {
  const chain = Chain.genesis();
  const publisher = new HistoryPublisher({archive, server: "diamante-test"}, {store: chain.store, source: chain, log});
  await publisher.start();
  await chain.closeUntil(last, (h) => publisher.ledgerClosed(h));
  await publisher.idle();
  return {chain, publisher};
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "diamante-archive-test-"));
}

async function assertSame(a: Chain, b: Chain, from: number, to: number): Promise<void> {
  assert.equal(b.latestHeader().seq, to);
  for (let seq = from; seq <= to; seq++) assert.deepEqual(b.header(seq), a.header(seq), `header ${seq}`);
  assert.deepEqual(b.entries(), a.entries(), "identical state");
}

test("publish two checkpoints, then build an empty folder from the archive: snapshot + replay, identical headers and state", async () => {
  const dir = tempDir();
  const archive = new FolderArchive(dir);
  const {chain, publisher} = await published(archive, 140);
  const into = Chain.empty();
  try {
    assert.deepEqual(publisher.published, [63, 127]);
    const root = parseState(readFileSync(join(dir, ROOT_STATE_PATH)), "root");
    assert.equal(root.currentLedger, 127);
    assert.equal(root.currentLedgerHash, chain.header(127)!.hash);
    for (const kind of ["ledger", "transactions", "results", "snapshot"] as const) {
      assert.ok(existsSync(join(dir, checkpointPath(kind, 127))), `${kind} file of checkpoint 127`);
    }
    // To a ledger between checkpoints: the snapshot at 63, then 64..100 replayed.
    const r = await catchupFromArchive(archive, into.store, () => into, {to: 100}, log);
    assert.deepEqual({from: r.from, snapshot: r.snapshot, to: r.to, replayed: r.replayed}, {from: 0, snapshot: 63, to: 100, replayed: 37});
    // The state at 100 is the source's state at 100: close the source's copy back to compare.
    const at100 = Chain.genesis();
    try {
      for (let seq = 2; seq <= 100; seq++) {
        const s = chain.txSetAt(seq)!;
        await at100.applyLedger({seq, txs: {envelopes: s.envelopes}, closeTime: s.closeTime, baseFeeCharged: s.baseFeeCharged, expectedHash: chain.header(seq)!.hash});
      }
      await assertSame(at100, into, 63, 100);
    } finally {
      await at100.dispose();
    }
    // Then on to the archive's latest checkpoint, from what the folder holds.
    const r2 = await catchupFromArchive(archive, into.store, () => into, {}, log);
    assert.deepEqual({from: r2.from, to: r2.to, replayed: r2.replayed}, {from: 100, to: 127, replayed: 27});
    for (let seq = 63; seq <= 127; seq++) assert.equal(into.header(seq)!.hash, chain.header(seq)!.hash);
  } finally {
    await chain.dispose();
    await into.dispose();
    rmSync(dir, {recursive: true, force: true});
  }
});

test("a full catch-up replays from genesis and ends with the same headers and state as the publisher", async () => {
  const dir = tempDir();
  const archive = new FolderArchive(dir);
  const {chain} = await published(archive, 127);
  const into = Chain.empty();
  try {
    const r = await catchupFromArchive(archive, into.store, () => into, {full: true}, log);
    assert.deepEqual({snapshot: r.snapshot, to: r.to, replayed: r.replayed}, {snapshot: 0, to: 127, replayed: 126});
    await assertSame(chain, into, 1, 127);
  } finally {
    await chain.dispose();
    await into.dispose();
    rmSync(dir, {recursive: true, force: true});
  }
});

/** Rewrites a checkpoint file and, when `restamp`, its sha256 in the checkpoint's and root state files. */
function tamper(dir: string, kind: "ledger" | "transactions" | "snapshot", cp: number, edit: (payload: unknown) => unknown, restamp: boolean): void {
  const path = join(dir, checkpointPath(kind, cp));
  const [v, payload] = packr.unpack(gunzipSync(readFileSync(path))) as [number, unknown];
  const bytes = gzipSync(packr.pack([v, edit(payload)]));
  writeFileSync(path, bytes);
  if (!restamp) return;
  for (const p of [checkpointPath("history", cp), ROOT_STATE_PATH]) {
    const f = join(dir, p);
    const s = JSON.parse(readFileSync(f, "utf8"));
    if (s.currentLedger !== cp) continue;
    s.files[kind].sha256 = sha256Hex(bytes);
    writeFileSync(f, JSON.stringify(s));
  }
}

async function refused(dir: string, code: HistoryErrorCode, message: RegExp, opts: {full?: boolean} = {}): Promise<void> {
  const into = Chain.empty();
  try {
    await assert.rejects(catchupFromArchive(new FolderArchive(dir), into.store, () => into, opts, log), (e: unknown) => {
      assert.ok(e instanceof HistoryError, String(e));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, message);
      return true;
    });
    if (code !== HistoryErrorCode.HASH_MISMATCH) assert.equal(into.store.isInitialized(), false, "nothing written");
  } finally {
    await into.dispose();
  }
}

test("a tampered archive is refused with a clear error", async (t) => {
  const dir = tempDir();
  const {chain} = await published(new FolderArchive(dir), 127);
  const copy = (name: string) => {
    const d = join(tempDir(), name);
    rmSync(d, {recursive: true, force: true});
    cpSync(dir, d, {recursive: true});
    return d;
  };
  try {
    await t.test("a byte changed in a tx set file: its sha256 no longer matches", async () => {
      const d = copy("a");
      tamper(d, "transactions", 127, (sets) => {
        const s = sets as Array<[number, bigint, Buffer[]]>;
        s[5]![1] = 101n;
        return s;
      }, false);
      await refused(d, HistoryErrorCode.CORRUPT, /transactions-0000007f\.bin\.gz: sha256 is .* altered or damaged/);
    });
    await t.test("a header changed and its file restamped: its hash no longer matches its fields", async () => {
      const d = copy("b");
      tamper(d, "ledger", 63, (hs) => {
        const h = hs as Array<Record<string, unknown>>;
        h[10]!.feePool = 999n;
        return h;
      }, true);
      await refused(d, HistoryErrorCode.CORRUPT, /header of ledger 11 says hash .* but its fields hash to/);
    });
    await t.test("a tx set changed and restamped: replay does not reproduce the header", async () => {
      const d = copy("c");
      tamper(d, "transactions", 127, (sets) => {
        const s = sets as Array<[number, bigint, Buffer[]]>;
        s[5]![1] = 50n;
        return s;
      }, true);
      await refused(d, HistoryErrorCode.HASH_MISMATCH, /replaying ledger 69 from the archive failed/, {full: true});
    });
    await t.test("a snapshot changed without restamping is refused; restamped, a full catch-up does not use it", async () => {
      const d = copy("d");
      const richer = (es: unknown) => {
        const list = es as Array<Record<string, unknown>>;
        const acc = list.find((e) => e.type === "account")!;
        acc.balance = (acc.balance as bigint) + 1n;
        return list;
      };
      tamper(d, "snapshot", 127, richer, false);
      await refused(d, HistoryErrorCode.CORRUPT, /snapshot-0000007f\.bin\.gz: sha256 is .* altered or damaged/);
      tamper(d, "snapshot", 127, (es) => es, true);
      const into = Chain.empty();
      try {
        const r = await catchupFromArchive(new FolderArchive(d), into.store, () => into, {full: true}, log);
        assert.equal(r.snapshot, 0);
        assert.deepEqual(into.entries(), chain.entries());
      } finally {
        await into.dispose();
      }
    });
    await t.test("a root state file that is not JSON", async () => {
      const d = copy("e");
      writeFileSync(join(d, ROOT_STATE_PATH), "{not json");
      await refused(d, HistoryErrorCode.CORRUPT, /stellar-history\.json: not JSON/);
    });
    await t.test("an empty folder is not an archive", async () => {
      await refused(tempDir(), HistoryErrorCode.MISSING, /has no \.well-known\/stellar-history\.json/);
    });
  } finally {
    await chain.dispose();
    rmSync(dir, {recursive: true, force: true});
  }
});

test("a data folder of another network is refused", async () => {
  const dir = tempDir();
  const {chain} = await published(new FolderArchive(dir), 63);
  const other = Chain.genesis("Some other network ; 2026");
  try {
    await assert.rejects(catchupFromArchive(new FolderArchive(dir), other.store, () => other, {}, log), (e: unknown) => e instanceof HistoryError && e.code === HistoryErrorCode.WRONG_NETWORK);
    assert.equal(other.latestHeader().seq, 1);
  } finally {
    await chain.dispose();
    await other.dispose();
    rmSync(dir, {recursive: true, force: true});
  }
});

test("put and get command templates with cp publish and read the same archive", async () => {
  const remote = tempDir();
  const put = new CommandArchive({put: `cp {0} ${remote}/{1}`, mkdir: `mkdir -p ${remote}/{0}`});
  const {chain} = await published(put, 127);
  const get = new CommandArchive({get: `cp ${remote}/{0} {1}`});
  const into = Chain.empty();
  try {
    assert.ok(existsSync(join(remote, ROOT_STATE_PATH)));
    assert.equal(await get.get("no/such/file"), undefined);
    const r = await catchupFromArchive(get, into.store, () => into, {}, log);
    assert.equal(r.snapshot, 127);
    await assertSame(chain, into, 127, 127);
    await assert.rejects(get.put("x", Buffer.from("y")), /no put template/);
  } finally {
    await chain.dispose();
    await into.dispose();
    rmSync(remote, {recursive: true, force: true});
  }
});

test("archive specs: a folder or an http(s) URL; remote paths stay inside the archive", async () => {
  const dir = tempDir();
  assert.ok(archiveFromSpec(dir) instanceof FolderArchive);
  assert.match(archiveFromSpec("https://history.example/prefix").name, /^url /);
  assert.throws(() => archiveFromSpec(""), /--archive needs/);
  const a = new FolderArchive(dir);
  await assert.rejects(a.get("../etc/passwd"), /not a plain relative path/);
  await assert.rejects(a.put("a/../../b", Buffer.alloc(1)), /not a plain relative path/);
  assert.throws(() => new CommandArchive({}), /needs a get or a put template/);
  rmSync(dir, {recursive: true, force: true});
});

test("diamante catchup builds a data folder from an archive and refuses a damaged one", async () => {
  const {execFile} = await import("node:child_process");
  const {fileURLToPath} = await import("node:url");
  const cli = fileURLToPath(new URL("../../../src/cli/main.js", import.meta.url));
  const run = (args: string[]) =>
    new Promise<{code: number; out: string; err: string}>((resolve) => {
      execFile(process.execPath, [cli, ...args], {timeout: 60_000}, (e, out, err) => resolve({code: e ? ((e as {code?: number}).code ?? 1) : 0, out, err}));
    });
  const dir = tempDir();
  const {chain} = await published(new FolderArchive(dir), 127);
  const data = tempDir();
  try {
    const ok = await run(["catchup", "--archive", dir, "--data", data, "--json"]);
    assert.equal(ok.code, 0, ok.err);
    const r = JSON.parse(ok.out);
    assert.equal(r.to, 127);
    assert.equal(r.hash, chain.header(127)!.hash);
    const missing = await run(["catchup", "--data", data]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--archive DIR\|URL is required/);
    tamper(dir, "transactions", 127, (sets) => {
      (sets as Array<[number, bigint, Buffer[]]>)[0]![1] = 7n;
      return sets;
    }, false);
    const bad = await run(["catchup", "--archive", dir, "--data", tempDir()]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /transactions-0000007f\.bin\.gz: sha256 is .* altered or damaged \(history_corrupt\)/);
  } finally {
    await chain.dispose();
    rmSync(dir, {recursive: true, force: true});
    rmSync(data, {recursive: true, force: true});
  }
});

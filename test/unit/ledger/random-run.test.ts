/**
 * Seeded random run: mixed valid and invalid transactions over many ledgers from genesis,
 * checking conservation and determinism. The seed is printed on failure.
 */
import {prng} from "../../helpers/prng.js";
import {test} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, type xdr} from "@stellar/stellar-base";
import {TestLedger} from "../tx/harness.js";


const LEDGERS = 25;
const TXS_PER_LEDGER = 60;
const ACCOUNTS = 12;

function run(seed: number): {hashes: string[]; txs: number; failed: number} {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const l = new TestLedger("Random Run Network", 10n ** 15n);
  const keys = Array.from({length: ACCOUNTS}, () => Keypair.fromRawEd25519Seed(Buffer.from(Array.from({length: 32}, () => int(256)))));
  l.fund(keys.slice(0, ACCOUNTS - 2), "50");
  const hashes: string[] = [l.header.hash];
  let txs = 0;
  let failed = 0;
  for (let n = 0; n < LEDGERS; n++) {
    const ahead = new Map<string, number>();
    const batch = [];
    for (let i = 0; i < TXS_PER_LEDGER; i++) {
      const src = keys[int(ACCOUNTS)]!;
      if (!l.account(src.publicKey())) continue;
      const other = keys[int(ACCOUNTS)]!;
      const k = ahead.get(src.publicKey()) ?? 0;
      let ops: xdr.Operation[];
      const kind = int(10);
      if (kind <= 3) ops = [Operation.payment({destination: other.publicKey(), asset: Asset.native(), amount: (rnd() * 60 + 0.0000001).toFixed(7)})];
      else if (kind === 4) ops = [Operation.createAccount({destination: other.publicKey(), startingBalance: (rnd() * 3).toFixed(7)})];
      else if (kind === 5) ops = [Operation.manageData({name: "k" + int(3), value: rnd() < 0.6 ? "v" + int(100) : null})];
      else if (kind === 6) ops = [Operation.bumpSequence({bumpTo: String(int(1000))})];
      else if (kind === 7) ops = [Operation.setOptions({signer: {ed25519PublicKey: other.publicKey(), weight: int(3)}})];
      else if (kind === 8) ops = [Operation.accountMerge({destination: other.publicKey()})];
      else ops = [Operation.payment({destination: other.publicKey(), asset: Asset.native(), amount: "1"}), Operation.manageData({name: "z", value: "1"})];
      const fault = int(12);
      const tx = l.build(src, ops, {
        ahead: fault === 0 ? k - 1 : k,
        passphrase: fault === 1 ? "Wrong Network" : undefined,
        signers: fault === 2 ? [src, other] : [src],
      });
      if (fault > 2) ahead.set(src.publicKey(), k + 1);
      batch.push(tx);
    }
    const r = l.close(batch);
    txs += r.applied.length;
    failed += r.header.failedTxCount;
    hashes.push(r.header.hash);
    let negative = false;
    for (const e of l.entries.values()) if (e.type === "account" && e.balance < 0n) negative = true;
    assert.equal(negative, false, `negative balance at ledger ${r.header.seq} (seed ${seed})`);
    assert.equal(l.balanceSum() + r.header.feePool, l.totalCoins, `coins not conserved at ledger ${r.header.seq} (seed ${seed})`);
  }
  return {hashes, txs, failed};
}

test("seeded random run: conservation every ledger, same seed same hashes, other seed differs", () => {
  const seed = Number(process.env.DIAMANTE_SEED ?? 20260101);
  try {
    const a = run(seed);
    assert.ok(a.txs >= 1000, `only ${a.txs} txs`);
    assert.ok(a.failed > 0 && a.failed < a.txs, "the mix has both successes and failures");
    const b = run(seed);
    assert.deepEqual(b.hashes, a.hashes);
    const c = run(seed + 1);
    assert.notDeepEqual(c.hashes.slice(1), a.hashes.slice(1));
  } catch (e) {
    console.error(`random run failed with seed ${seed} (rerun with DIAMANTE_SEED=${seed})`);
    throw e;
  }
});

/**
 * Bad input gets a Horizon problem+json 4xx, never crashes the node and never touches state.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Account, Asset, Keypair, Operation, TransactionBuilder} from "@stellar/stellar-base";
import {startNode, waitFor, type RunningNode} from "../helpers/node.js";
import {rootKeypair} from "../../src/ledger/genesis.js";

interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  extras?: Record<string, unknown>;
}

async function problem(res: Response): Promise<Problem> {
  assert.match(res.headers.get("content-type") ?? "", /application\/problem\+json/);
  const body = (await res.json()) as Problem;
  assert.equal(body.status, res.status);
  assert.match(body.type, /^https:\/\/stellar\.org\/horizon-errors\//);
  return body;
}

function postTx(url: string, body: string, path = "/transactions") {
  return fetch(url + path, {method: "POST", headers: {"content-type": "application/x-www-form-urlencoded"}, body});
}

describe("bad input", () => {
  let n: RunningNode;
  let validXdr: string;
  before(async () => {
    n = await startNode();
    const passphrase = n.node.config.passphrase;
    const root = rootKeypair(passphrase);
    const tx = new TransactionBuilder(new Account(root.publicKey(), "0"), {fee: "100", networkPassphrase: passphrase})
      .addOperation(Operation.payment({destination: Keypair.random().publicKey(), asset: Asset.native(), amount: "1"}))
      .setTimeout(0)
      .build();
    tx.sign(root);
    validXdr = tx.toXDR();
  });
  after(async () => {
    await n.stop();
  });

  it("answers every kind of bad request with a 4xx problem and changes nothing", async () => {
    const root = rootKeypair(n.node.config.passphrase).publicKey();
    const before = n.node.store.account(root);
    const txsBefore = n.node.store.txs({limit: 200, order: "asc"}, {}).length;

    const cases: Array<[string, () => Promise<Response>, number, string]> = [
      ["malformed base64", () => postTx(n.url, "tx=" + encodeURIComponent("not*base64!!")), 400, "transaction_malformed"],
      ["truncated XDR", () => postTx(n.url, "tx=" + encodeURIComponent(Buffer.from(validXdr, "base64").subarray(0, 40).toString("base64"))), 400, "transaction_malformed"],
      ["random bytes", () => postTx(n.url, "tx=" + encodeURIComponent(Buffer.alloc(120, 7).toString("base64"))), 400, "transaction_malformed"],
      ["async truncated XDR", () => postTx(n.url, "tx=" + encodeURIComponent(validXdr.slice(0, 60)), "/transactions_async"), 400, ""],
      ["missing tx field", () => postTx(n.url, "nottx=1"), 400, "bad_request"],
      ["oversize body", () => postTx(n.url, "tx=" + "A".repeat(2 * 1024 * 1024)), 413, "request_entity_too_large"],
      ["unknown route", () => fetch(n.url + "/no/such/route"), 404, "not_found"],
      ["bad account id", () => fetch(n.url + "/accounts/GNOTANACCOUNT"), 400, "bad_request"],
      ["bad ledger sequence", () => fetch(n.url + "/ledgers/abc"), 400, "bad_request"],
      ["bad limit", () => fetch(n.url + "/ledgers?limit=100000"), 400, "bad_request"],
      ["bad cursor", () => fetch(n.url + "/transactions?cursor=xyz"), 400, "bad_request"],
      ["unknown tx hash", () => fetch(n.url + "/transactions/" + "ab".repeat(32)), 404, "not_found"],
      ["friendbot without addr", () => fetch(n.url + "/friendbot"), 400, "bad_request"],
    ];
    for (const [name, call, status, kind] of cases) {
      const res = await call();
      assert.equal(res.status, status, name);
      if (res.headers.get("content-type")?.includes("json")) {
        const p = await problem(res);
        if (kind) assert.equal(p.type, "https://stellar.org/horizon-errors/" + kind, name);
      } else {
        assert.fail(`${name}: expected a problem+json body`);
      }
    }

    // The node keeps closing ledgers, and state is as it was.
    const seq = n.node.store.latestHeader().seq;
    await waitFor(() => (n.node.store.latestHeader().seq > seq + 1 ? true : undefined), 5000, "more ledgers");
    assert.deepEqual(n.node.store.account(root), before);
    assert.equal(n.node.store.txs({limit: 200, order: "asc"}, {}).length, txsBefore);
    const ok = await fetch(n.url + "/");
    assert.equal(ok.status, 200);
  });
});

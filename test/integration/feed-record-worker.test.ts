/**
 * The stream feed's record thread in a running node: with the threshold at one operation, once a
 * payments stream has asked for a ledger's records, the node's close sends each next ledger's
 * ordered set to the thread, and the records the streams get are its. SSE streams of /payments
 * and /accounts/{id}/payments then carry exactly the records GET lists (the same JSON, paging
 * tokens as ids, every payment once and in order), with `include_failed` a failed tx's payment too.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder, type Horizon} from "@stellar/stellar-sdk";
import {startNode, type RunningNode} from "../helpers/node.js";
import {openSse, type SseClient} from "../helpers/sse.js";

interface Page {
  _embedded: {records: {paging_token: string}[]};
}

describe("stream records formatted by the feed's record thread", () => {
  let n: RunningNode;
  let passphrase: string;
  const senders = Array.from({length: 5}, () => Keypair.random());
  const receiver = Keypair.random();
  const issuer = Keypair.random();
  let all: SseClient;
  let mine: SseClient;
  let startToken: string;

  async function payFromEach(round: number): Promise<void> {
    await Promise.all(
      senders.map(async (s, i) => {
        const src = await n.server.loadAccount(s.publicKey());
        const tx = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase})
          .addOperation(Operation.payment({destination: receiver.publicKey(), asset: Asset.native(), amount: `${round}.${i + 1}`}))
          .addOperation(Operation.payment({destination: senders[(i + 1) % senders.length]!.publicKey(), asset: Asset.native(), amount: "0.5"}))
          .setTimeout(60)
          .build();
        tx.sign(s);
        await n.server.submitTransaction(tx);
      }),
    );
  }

  before(async () => {
    n = await startNode({feed: {recordWorkerMinOps: 1}});
    passphrase = ((await (await fetch(n.url + "/")).json()) as {network_passphrase: string}).network_passphrase;
    for (const k of [...senders, receiver, issuer]) await n.server.friendbot(k.publicKey()).call();
    const last = ((await (await fetch(`${n.url}/payments?order=desc&limit=1`)).json()) as Page)._embedded.records[0]!;
    startToken = last.paging_token;
    all = await openSse(`${n.url}/payments?include_failed=true&cursor=${startToken}&limit=200`);
    mine = await openSse(`${n.url}/accounts/${receiver.publicKey()}/payments?cursor=${startToken}&limit=200`);
    // The first ledger tells the feed the streams want payments; the rounds after go to the thread.
    for (let round = 1; round <= 4; round++) await payFromEach(round);
    // A tx that fails at apply: a credit the receiver does not trust (its payment record says so).
    const src = await n.server.loadAccount(issuer.publicKey());
    const bad = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase})
      .addOperation(Operation.payment({destination: receiver.publicKey(), asset: new Asset("USD", issuer.publicKey()), amount: "1"}))
      .setTimeout(60)
      .build();
    bad.sign(issuer);
    await n.server.submitTransaction(bad).catch((e: unknown) => (e as {response?: {data?: Horizon.HorizonApi.ErrorResponseData}}).response?.data);
    await payFromEach(5);
  });
  after(async () => {
    all?.close();
    mine?.close();
    await n.stop();
  });

  async function listed(path: string): Promise<{paging_token: string}[]> {
    const res = await fetch(`${n.url}${path}${path.includes("?") ? "&" : "?"}cursor=${startToken}&limit=200`);
    assert.equal(res.status, 200);
    return ((await res.json()) as Page)._embedded.records;
  }

  it("sends through the thread and streams exactly what GET lists", async () => {
    const expectAll = await listed("/payments?include_failed=true");
    const expectMine = await listed(`/accounts/${receiver.publicKey()}/payments`);
    assert.equal(expectAll.length, 51, "5 rounds of 10 payments and the failed one");
    assert.equal(expectMine.length, 25, "5 rounds of 5 (the failed one not listed without include_failed)");
    const streamed = async (c: SseClient, count: number) => (await c.waitFor((es) => es.filter((e) => e.id !== undefined).length >= count, 20_000)).filter((e) => e.id !== undefined);
    for (const [client, expected] of [
      [all, expectAll],
      [mine, expectMine],
    ] as const) {
      const got = await streamed(client, expected.length);
      assert.deepEqual(
        got.map((e) => e.id),
        expected.map((r) => r.paging_token),
      );
      for (let i = 0; i < expected.length; i++) assert.equal(got[i]!.data, JSON.stringify(expected[i]), `record ${expected[i]!.paging_token}`);
    }
    const failed = expectAll.filter((r) => (r as {transaction_successful?: boolean}).transaction_successful === false);
    assert.equal(failed.length, 1, "the failed tx's payment is listed and streamed as failed");
    const counts = n.node.feed.operationRecords;
    assert.ok(counts.worker >= 20, `records from the thread: ${JSON.stringify(counts)}`);
    assert.ok(counts.main >= 1, `the failed one and the first ledger's on the main thread: ${JSON.stringify(counts)}`);
    // /metrics reports the same counts, by thread.
    const text = await (await fetch(`${n.url}/metrics`)).text();
    const now = n.node.feed.operationRecords;
    assert.match(text, new RegExp(`^diamante_api_stream_operation_records_total\\{thread="records"\\} ${now.worker}$`, "m"));
    assert.match(text, new RegExp(`^diamante_api_stream_operation_records_total\\{thread="main"\\} ${now.main}$`, "m"));
  });
});

/**
 * The streams bench's consumers parse no record: their token arithmetic must order and place
 * tokens exactly as the API does, and the digest of what they received must equal the digest of
 * the same records read back with GET, and differ when a record is missing, repeated or altered,
 * so "every record to every consumer" in the bench's report means what it says.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import {Asset, Operation} from "@stellar/stellar-sdk";
import {startNode, waitFor, type RunningNode} from "../../helpers/node.js";
import {openMarket} from "../../helpers/market.js";
import {prng} from "../../helpers/prng.js";
import {compareTokens} from "../../../src/api/stream/sse.js";
import {eventsDigest, recordsDigest, startConsumers, tokenMath} from "../../../native-bench/stream-consumers.js";

interface Rec {
  paging_token: string;
  [k: string]: unknown;
}

async function paymentsAfter(n: RunningNode, path: string, cursor: string): Promise<{token: string; json: string}[]> {
  const out: {token: string; json: string}[] = [];
  for (;;) {
    const body = (await (await fetch(`${n.url}${path}?cursor=${cursor}&limit=200&order=asc`)).json()) as {_embedded: {records: Rec[]}};
    for (const r of body._embedded.records) out.push({token: r.paging_token, json: JSON.stringify(r)});
    if (body._embedded.records.length < 200) return out;
    cursor = body._embedded.records[199]!.paging_token;
  }
}

describe("bench stream consumers", () => {
  it("place and order tokens as the API does, past 2^53", () => {
    const rnd = prng(8);
    const toid = (): bigint => (BigInt(Math.floor(rnd() * 2 ** 31)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32));
    const tokens: string[] = [];
    for (let i = 0; i < 400; i++) {
      const t = i % 7 === 0 ? (1n << 62n) + toid() : toid();
      tokens.push(i % 3 === 0 ? `${t}-${Math.floor(rnd() * 30)}` : String(t));
    }
    // Neighbours too: the same TOID with and without an index, and ledgers either side of a boundary.
    tokens.push("4294967296", "4294967295", "4294967296-1", "4294967296-10", "4294967296-9", "9223372036854775807", "9223372032559808512");
    for (const t of tokens) assert.equal(tokenMath.ledgerOf(t), Number(BigInt(t.split("-")[0]!) >> 32n), t);
    for (const a of tokens) for (const b of tokens.slice(0, 60)) assert.equal(tokenMath.tokenOrder(a, b), compareTokens(a, b), `${a} vs ${b}`);
  });

  it("a digest changes when a record is missing, repeated, altered, moved to another ledger or swapped", () => {
    const l = (ledger: number, i: number): string => String((BigInt(ledger) << 32n) + BigInt(i * 4096 + 1));
    const recs = [
      {token: l(5, 1), json: '{"a":1}'},
      {token: l(5, 2), json: '{"a":2}'},
      {token: l(6, 1), json: '{"a":3}'},
    ];
    const d = recordsDigest(recs);
    assert.notEqual(recordsDigest(recs.slice(1)), d);
    assert.notEqual(recordsDigest([...recs, recs[2]!]), d);
    assert.notEqual(recordsDigest([recs[0]!, {token: recs[1]!.token, json: '{"a":9}'}, recs[2]!]), d);
    assert.notEqual(recordsDigest([recs[0]!, {token: l(6, 0), json: recs[1]!.json}, recs[2]!]), d);
    assert.equal(recordsDigest([...recs]), d);
    // Over SSE each record is its own event: missing, repeated, altered and swapped records show.
    const e = eventsDigest(recs);
    assert.notEqual(eventsDigest(recs.slice(1)), e);
    assert.notEqual(eventsDigest([...recs, recs[2]!]), e);
    assert.notEqual(eventsDigest([recs[0]!, {token: recs[1]!.token, json: '{"a":9}'}, recs[2]!]), e);
    assert.notEqual(eventsDigest([recs[1]!, recs[0]!, recs[2]!]), e);
    assert.notEqual(recordsDigest([recs[1]!, recs[0]!, recs[2]!]), d);
    assert.equal(eventsDigest([...recs]), e);
    // The event's id is hashed with it: the same JSON under another token shows.
    assert.notEqual(eventsDigest([recs[0]!, {token: l(6, 0), json: recs[1]!.json}, recs[2]!]), e);
    // The bytes are the events as the node writes them, back to back.
    const sent = recs.map((r) => `id: ${r.token}\ndata: ${r.json}\n\n`).join("");
    assert.equal(e, `crc32:${zlib.crc32(sent).toString(16).padStart(8, "0")}:${sent.length}`);
  });

  for (const sseLimit of [200, 1]) {
    it(`each consumer's digest equals the GET's records after its start, over ws and sse${sseLimit === 200 ? "" : `, sse reconnecting after every ${sseLimit} record`}`, async () => {
      const n = await startNode();
      try {
        const m = await openMarket(n, "BCUSD");
        const alice = m.alice.publicKey();
        const newest = (await (await fetch(`${n.url}/payments?order=desc&limit=1`)).json()) as {_embedded: {records: Rec[]}};
        const from = newest._embedded.records[0]!.paging_token;
        // limit=200 on the SSE streams: no goodbye here; two of each transport, one firehose and one following alice.
        const consumers = await startConsumers({baseUrl: n.url, ws: 2, sse: 2, firehoseWs: 1, firehoseSse: 1, accounts: [alice], connectConcurrency: 4, sseLimit});
        let report;
        try {
          await m.submit(m.alice, Operation.payment({destination: m.bob.publicKey(), asset: m.asset, amount: "1"}));
          await m.submit(m.bob, Operation.payment({destination: alice, asset: m.asset, amount: "0.5"}));
          // A mark (the bench's end of warm-up) restarts the CPU and spread counts, not the records and digests.
          if (sseLimit === 200) {
            await waitFor(() => (consumers.received() >= 6 ? true : undefined), 30_000, "the first records at every consumer");
            consumers.mark();
          }
          await m.submit(m.issuer, Operation.payment({destination: m.bob.publicKey(), asset: m.asset, amount: "2"}));
          await m.submit(m.bob, Operation.payment({destination: m.issuer.publicKey(), asset: Asset.native(), amount: "3"}));
          // Firehoses get 4 records each, alice's consumers 2 each.
          await waitFor(() => (consumers.received() >= 12 ? true : undefined), 30_000, "every record at every consumer");
        } finally {
          report = consumers.stop();
        }
        const all = await paymentsAfter(n, "/payments", from);
        const mine = await paymentsAfter(n, `/accounts/${alice}/payments`, from);
        assert.equal(all.length, 4);
        assert.equal(mine.length, 2);
        assert.equal(report.outOfOrder, 0);
        assert.equal(report.errors, 0);
        assert.equal(report.malformed, 0);
        for (const [transport, cs] of [["ws", report.ws], ["sse", report.sse]] as const) {
          for (const c of cs) {
            const want = c.follows === "" ? all : mine;
            assert.equal(c.records, want.length, `${transport} records of ${c.follows || "the firehose"}`);
            assert.equal(c.digest, transport === "ws" ? recordsDigest(want) : eventsDigest(want), `${transport} digest of ${c.follows || "the firehose"}`);
          }
        }
        assert.ok(report.consumerCpuUs > 0);
        // One goodbye per `sseLimit` records, each answered by a reconnection from the last id.
        if (sseLimit === 1) assert.ok(report.sseReconnects >= all.length + mine.length, `reconnections ${report.sseReconnects}`);
      } finally {
        await n.stop();
      }
    });
  }
});

import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Keypair} from "@stellar/stellar-sdk";
import {WsProtocolError, parseClientMessage} from "../../../src/api/ws/protocol.js";

const G = Keypair.random().publicKey();
const USD = `USD:${Keypair.random().publicKey()}`;

function refused(frame: unknown, pattern: RegExp): void {
  assert.throws(() => parseClientMessage(typeof frame === "string" ? frame : JSON.stringify(frame)), (e: unknown) => e instanceof WsProtocolError && pattern.test(e.message));
}

describe("/ws client frames", () => {
  it("maps subscriptions to channels", () => {
    assert.deepEqual(parseClientMessage(JSON.stringify({op: "subscribe", id: "a", topic: "payments", account: G, cursor: "12884905984"})), {
      op: "subscribe",
      sub: {id: "a", topic: "payments", channel: `payments:account:${G}`, account: G, cursor: "12884905984"},
    });
    assert.deepEqual(parseClientMessage(JSON.stringify({op: "subscribe", id: "b", topic: "order_book", base: "native", counter: USD, cursor: "now"})), {
      op: "subscribe",
      sub: {id: "b", topic: "order_book", channel: `order_book:native|${USD}`, base: "native", counter: USD},
    });
    assert.equal((parseClientMessage(JSON.stringify({op: "subscribe", id: "c", topic: "trades", base: USD, counter: "native"})) as {sub: {channel: string}}).sub.channel, `trades:pair:${USD}|native`);
    assert.equal((parseClientMessage(JSON.stringify({op: "subscribe", id: "d", topic: "ledgers"})) as {sub: {channel: string}}).sub.channel, "ledgers");
    assert.deepEqual(parseClientMessage(JSON.stringify({op: "unsubscribe", id: "a"})), {op: "unsubscribe", id: "a"});
  });

  it("refuses malformed frames with a reason", () => {
    refused("{", /JSON objects/);
    refused([1], /JSON objects/);
    refused({op: "subscribe", topic: "payments"}, /"id"/);
    refused({op: "subscribe", id: "x".repeat(65), topic: "payments"}, /"id"/);
    refused({op: "shout", id: "a"}, /"op"/);
    refused({op: "subscribe", id: "a", topic: "offers"}, /"topic" must be one of/);
    refused({op: "subscribe", id: "a", topic: "payments", account: "GABC"}, /account id/);
    refused({op: "subscribe", id: "a", topic: "ledgers", account: G}, /does not apply/);
    refused({op: "subscribe", id: "a", topic: "trades", base: USD}, /go together/);
    refused({op: "subscribe", id: "a", topic: "payments", base: USD, counter: "native"}, /trades and order_book only/);
    refused({op: "subscribe", id: "a", topic: "trades", base: USD, counter: USD}, /must differ/);
    refused({op: "subscribe", id: "a", topic: "trades", base: "USD", counter: "native"}, /CODE:ISSUER/);
    refused({op: "subscribe", id: "a", topic: "order_book"}, /needs "base"/);
    refused({op: "subscribe", id: "a", topic: "payments", cursor: "-1"}, /paging token/);
    refused({op: "subscribe", id: "a", topic: "payments", cursor: 5}, /must be a string/);
    refused({op: "subscribe", id: "a", topic: "metrics", cursor: "123"}, /no history/);
  });
});

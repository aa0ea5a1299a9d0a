/**
 * The ledger feed keeps its last `retainLedgers` events for streams that (re)connect from a
 * paging token in one of them: `since` answers with every kept ledger from the one asked for,
 * or undefined when that ledger is no longer (or was never) kept, so a stream never takes a
 * window with a ledger missing.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {LedgerFeed} from "../../../src/api/stream/feed.js";
import type {ClosedLedgerInput} from "../../../src/api/stream/interface.js";
import type {LedgerReader} from "../../../src/store/types.js";

/** Publishing reads nothing: topics are read on first use, and these tests use none. */
const reader = {} as LedgerReader;

function publish(feed: LedgerFeed, seq: number): void {
  feed.publish({header: {seq}, result: {}} as unknown as ClosedLedgerInput);
}

function ledgers(feed: LedgerFeed, from: number): number[] | undefined {
  return feed.since(from)?.map((e) => e.ledger);
}

describe("ledger feed window", () => {
  it("keeps the last retainLedgers events and answers since() from the oldest kept on", () => {
    const feed = new LedgerFeed({retainLedgers: 3}, {reader});
    assert.equal(feed.since(1), undefined, "nothing published yet");
    for (let seq = 5; seq <= 9; seq++) publish(feed, seq);
    assert.deepEqual(ledgers(feed, 7), [7, 8, 9], "exactly the oldest kept");
    assert.deepEqual(ledgers(feed, 8), [8, 9]);
    assert.deepEqual(ledgers(feed, 9), [9]);
    assert.equal(feed.since(6), undefined, "just before the oldest kept");
    assert.deepEqual(ledgers(feed, 10), [], "a ledger still to come: nothing kept holds records after it");
    assert.deepEqual(ledgers(feed, 1000), []);
    publish(feed, 10);
    assert.equal(feed.since(7), undefined, "the window moved on");
    assert.deepEqual(ledgers(feed, 8), [8, 9, 10]);
  });

  it("starts the window again after a ledger that does not follow the last one", () => {
    const feed = new LedgerFeed({retainLedgers: 5}, {reader});
    for (const seq of [3, 4, 5]) publish(feed, seq);
    publish(feed, 9);
    assert.equal(feed.since(5), undefined, "6..8 were never published: no window spans them");
    assert.deepEqual(ledgers(feed, 9), [9]);
  });

  it("keeps nothing with retainLedgers 0, and refuses a bad value", () => {
    const feed = new LedgerFeed({retainLedgers: 0}, {reader});
    publish(feed, 3);
    assert.equal(feed.since(3), undefined);
    assert.equal(feed.last?.ledger, 3);
    assert.throws(() => new LedgerFeed({retainLedgers: -1}, {reader}), RangeError);
    assert.throws(() => new LedgerFeed({retainLedgers: 1.5}, {reader}), RangeError);
    assert.throws(() => new LedgerFeed({prepareSliceRecords: -1}, {reader}), RangeError);
    assert.throws(() => new LedgerFeed({prepareSliceRecords: 0.5}, {reader}), RangeError);
  });

  it("hands nothing out once closed", () => {
    const feed = new LedgerFeed({retainLedgers: 3}, {reader});
    const got: number[] = [];
    feed.subscribe((e) => got.push(e.ledger));
    publish(feed, 4);
    feed.close();
    publish(feed, 5);
    assert.deepEqual(got, [4]);
    assert.deepEqual(ledgers(feed, 4), [4]);
    assert.equal(feed.last?.ledger, 4);
  });
});

describe("ledger feed window bounded by operations", () => {
  function publishOps(feed: LedgerFeed, seq: number, opCount: number): void {
    feed.publish({header: {seq, opCount}, result: {}} as unknown as ClosedLedgerInput);
  }

  it("drops the oldest kept ledgers while the window holds more than retainOperations operations", () => {
    const feed = new LedgerFeed({retainLedgers: 10, retainOperations: 1_000}, {reader});
    for (let seq = 2; seq <= 6; seq++) publishOps(feed, seq, 200);
    assert.deepEqual(ledgers(feed, 2), [2, 3, 4, 5, 6], "1,000 operations: all kept");
    publishOps(feed, 7, 1);
    assert.equal(feed.since(2), undefined, "1,001 operations: the oldest ledger went");
    assert.deepEqual(ledgers(feed, 3), [3, 4, 5, 6, 7]);
    publishOps(feed, 8, 700);
    assert.equal(feed.since(5), undefined);
    assert.deepEqual(ledgers(feed, 6), [6, 7, 8], "200 + 1 + 700 operations");
    publishOps(feed, 9, 0);
    publishOps(feed, 10, 0);
    assert.deepEqual(ledgers(feed, 6), [6, 7, 8, 9, 10], "empty ledgers cost no operations");
  });

  it("keeps the newest ledger whatever its size, and counts again after a gap", () => {
    const feed = new LedgerFeed({retainLedgers: 10, retainOperations: 1_000}, {reader});
    publishOps(feed, 3, 600);
    publishOps(feed, 4, 5_000);
    assert.equal(feed.since(3), undefined);
    assert.deepEqual(ledgers(feed, 4), [4], "alone over the bound, still kept");
    publishOps(feed, 5, 10);
    assert.equal(feed.since(4), undefined, "5,010 operations: ledger 4 went");
    assert.deepEqual(ledgers(feed, 5), [5]);
    publishOps(feed, 9, 900);
    publishOps(feed, 10, 100);
    assert.deepEqual(ledgers(feed, 9), [9, 10], "the window started again at 9: 1,000 operations, no count left from before the gap");
  });

  it("refuses a bad retainOperations", () => {
    assert.throws(() => new LedgerFeed({retainOperations: -1}, {reader}), RangeError);
    assert.throws(() => new LedgerFeed({retainOperations: 2.5}, {reader}), RangeError);
  });
});

/**
 * The streams bench's command line: --clients-nice sets how nicely the load generator and the
 * consumer process run (default 10, 0 = as started); a value the kernel would refuse or that
 * would put the clients ahead of the node is rejected, naming the flag, before anything runs.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {defaultStreamsBenchOptions, parseStreamsBenchArgs} from "../../../native-bench/streams.js";

describe("streams bench arguments", () => {
  it("defaults the clients' nice to 10 and leaves the e2e flags", () => {
    const a = parseStreamsBenchArgs(["--payments", "15000", "--accounts", "40"]);
    assert.equal(a.opts.clientsNice, 10);
    assert.equal(a.opts.wsSubscribers, defaultStreamsBenchOptions.wsSubscribers);
    assert.equal(a.opts.sseStreams, defaultStreamsBenchOptions.sseStreams);
    assert.deepEqual(a.e2eArgs, ["--payments", "15000", "--accounts", "40"]);
    assert.equal(a.nodeMain, undefined);
  });

  it("reads --clients-nice, --ws, --sse and --node-main wherever they stand", () => {
    const a = parseStreamsBenchArgs(["--payments", "5000", "--clients-nice", "0", "--ws", "20", "--node-main", "/x/main.js", "--sse", "3"]);
    assert.equal(a.opts.clientsNice, 0);
    assert.equal(a.opts.wsSubscribers, 20);
    assert.equal(a.opts.sseStreams, 3);
    assert.equal(a.nodeMain, "/x/main.js");
    assert.deepEqual(a.e2eArgs, ["--payments", "5000"]);
    assert.equal(parseStreamsBenchArgs(["--clients-nice", "19"]).opts.clientsNice, 19);
  });

  for (const bad of ["-1", "20", "1.5", "ten", "", "0x5", "1e1", " 5"]) {
    it(`rejects --clients-nice "${bad}" with the flag and the range`, () => {
      assert.throws(() => parseStreamsBenchArgs(["--clients-nice", bad]), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /--clients-nice takes a whole number 0\.\.19/);
        assert.ok(err.message.includes(`"${bad}"`), err.message);
        return true;
      });
    });
  }

  it("rejects --clients-nice with no value", () => {
    assert.throws(() => parseStreamsBenchArgs(["--clients-nice"]), /--clients-nice needs a value/);
    assert.throws(() => parseStreamsBenchArgs(["--clients-nice", "--payments", "10"]), /--clients-nice needs a value/);
  });

  it("rejects a negative or fractional subscriber count", () => {
    assert.throws(() => parseStreamsBenchArgs(["--ws", "-3"]), /--ws takes a whole number/);
    assert.throws(() => parseStreamsBenchArgs(["--sse", "2.5"]), /--sse takes a whole number/);
  });
});

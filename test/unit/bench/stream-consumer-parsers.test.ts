/**
 * The bench consumers' own wire parsers (no client library: a bare socket each) must read what
 * the node sends however TCP cuts it: WebSocket frames of every length encoding, fragmented
 * messages and pings; HTTP/1.1 responses chunked or with a length, back to back on one
 * keep-alive socket; SSE events cut anywhere, the blank line between two chunks included. Every
 * socket of the consumer process reads into one shared buffer, so the parsers are fed here
 * through a buffer overwritten after each push: anything they keep must be a copy.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import {ByteRuns, HttpResponseReader, RecordsDigest, RecordsFrameScanner, SseEventSplitter, WsFrameReader, indexOfTokenKey, scanRecordsFrame} from "../../../native-bench/stream-consumers.js";
import {prng} from "../../helpers/prng.js";

/** An unmasked server frame. */
function serverFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65536) {
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, payload]);
}

/** `bytes` cut at the given offsets. */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const a of [...at].sort((x, y) => x - y)) {
    out.push(bytes.subarray(from, a));
    from = a;
  }
  out.push(bytes.subarray(from));
  return out;
}

/** Pushes each chunk as a view of one buffer, overwritten after each push, as the consumers' shared read buffer is by the next read. */
function pushShared(chunks: readonly Buffer[], push: (chunk: Buffer) => void): void {
  const shared = Buffer.alloc(Math.max(1, ...chunks.map((c) => c.length)));
  for (const c of chunks) {
    c.copy(shared);
    push(shared.subarray(0, c.length));
    shared.fill(0x7e);
  }
}

function randomCuts(bytes: Buffer, n: number, rnd: () => number): Buffer[] {
  return cut(bytes, Array.from({length: n}, () => Math.floor(rnd() * bytes.length)));
}

describe("bench consumer parsers", () => {
  const big = Buffer.alloc(70_000, 0x61);
  const mid = Buffer.alloc(300, 0x62);
  const stream = Buffer.concat([
    serverFrame(1, Buffer.from('{"type":"subscribed"}')),
    serverFrame(9, Buffer.from("ping!")),
    serverFrame(1, mid),
    serverFrame(1, Buffer.from("frag-1/"), false),
    serverFrame(0, Buffer.from("frag-2/"), false),
    serverFrame(9, Buffer.alloc(0)),
    serverFrame(0, Buffer.from("frag-3"), true),
    serverFrame(2, big),
    serverFrame(8, Buffer.from([0x0f, 0xa8])),
  ]);
  const want: [number, string][] = [
    [1, '{"type":"subscribed"}'],
    [9, "ping!"],
    [1, mid.toString()],
    [9, ""],
    [1, "frag-1/frag-2/frag-3"],
    [2, big.toString()],
    [8, "\x0f\xa8"],
  ];

  it("reads WebSocket messages whatever the cuts", () => {
    const rnd = prng(3);
    const runs = [[stream], cut(stream, Array.from({length: 120}, (_, i) => i + 1)), ...Array.from({length: 30}, () => randomCuts(stream, 12, rnd))];
    for (const chunks of runs) {
      const got: [number, string][] = [];
      const held: Buffer[] = [];
      const r = new WsFrameReader((op, p) => {
        got.push([op, p.toString("latin1")]);
        held.push(p);
      });
      pushShared(chunks, (c) => r.push(c));
      assert.deepEqual(got, want);
      // Messages are the reader's own copies: still intact after the read buffer was overwritten.
      assert.deepEqual(
        held.map((p) => p.toString("latin1")),
        want.map(([, text]) => text),
      );
    }
  });

  it("hands a whole data frame to its sink piece by piece as it arrives; fragmented and control messages whole", () => {
    const rnd = prng(4);
    const runs = [[stream], cut(stream, Array.from({length: 120}, (_, i) => i + 1)), ...Array.from({length: 30}, () => randomCuts(stream, 12, rnd))];
    for (const chunks of runs) {
      const messages: [number, string][] = [];
      const frames: {length: number; bytes: Buffer[]}[] = [];
      const r = new WsFrameReader((op, p) => messages.push([op, p.toString("latin1")]), {
        start: (length) => frames.push({length, bytes: []}),
        piece: (buf, start, end) => frames[frames.length - 1]!.bytes.push(Buffer.from(buf.subarray(start, end))),
        end: () => frames.push({length: -1, bytes: []}),
      });
      pushShared(chunks, (c) => r.push(c));
      assert.deepEqual(messages, [
        [9, "ping!"],
        [9, ""],
        [1, "frag-1/frag-2/frag-3"],
        [8, "\x0f\xa8"],
      ]);
      // Each whole data frame: start with its length, its bytes, end.
      const whole = [Buffer.from('{"type":"subscribed"}'), mid, big];
      assert.equal(frames.length, 2 * whole.length);
      whole.forEach((w, k) => {
        assert.equal(frames[2 * k]!.length, w.length);
        assert.ok(Buffer.concat(frames[2 * k]!.bytes).equals(w));
        assert.equal(frames[2 * k + 1]!.length, -1);
      });
    }
  });

  it("takes a records frame's tokens and bytes whatever its pieces, tokens cut between pieces included", () => {
    const records = Array.from({length: 40}, (_, i) => JSON.stringify({id: String(i), paging_token: `${4294971393 + i * 4097}${i % 5 === 0 ? `-${i}` : ""}`, memo: "ü".repeat(i % 7)}));
    const frame = Buffer.from(`{"type":"records","channel":"payments","topic":"payments","ledger":1,"cursor":"x","records":[${records.join(",")}]}`);
    const region = Buffer.from(records.join(","));
    const tokens = records.map((r) => (JSON.parse(r) as {paging_token: string}).paging_token);
    const rnd = prng(7);
    const runs = [
      [frame],
      cut(frame, Array.from({length: frame.length - 1}, (_, i) => i + 1)),
      ...Array.from({length: 200}, () => randomCuts(frame, 1 + Math.floor(rnd() * 60), rnd).filter((b) => b.length > 0)),
    ];
    for (const pieces of runs) {
      const gotTokens: string[] = [];
      const gotBytes: Buffer[] = [];
      assert.ok(
        scanRecordsFrame(
          pieces.length === 1 ? pieces[0]! : pieces,
          (buf, start, end) => gotTokens.push(buf.toString("latin1", start, end)),
          (b) => gotBytes.push(Buffer.from(b)),
        ),
      );
      assert.deepEqual(gotTokens, tokens);
      assert.ok(Buffer.concat(gotBytes).equals(region));
    }
    // Streamed through one read buffer overwritten after each piece, cut in two at every byte
    // (inside the head, a key, a token, the closing "]}") and at random: the same tokens, the
    // same bytes, the count and the last token at the frame's end.
    const twoPieces = Array.from({length: frame.length - 1}, (_, i) => cut(frame, [i + 1]));
    for (const pieces of [...twoPieces, ...runs]) {
      const gotTokens: string[] = [];
      const digest = new RecordsDigest();
      const ends: [boolean, number, string][] = [];
      const scanner = new RecordsFrameScanner({
        token: (buf, start, end) => gotTokens.push(buf.toString("latin1", start, end)),
        bytes: (b) => digest.update(b),
        records: (ok, count, last) => ends.push([ok, count, last]),
        other: () => assert.fail("a records frame taken for another"),
      });
      // Twice in a row: the scanner's state starts again with each frame.
      for (let twice = 0; twice < 2; twice++) {
        scanner.start(frame.length);
        pushShared(pieces, (c) => scanner.piece(c, 0, c.length));
        scanner.end();
      }
      assert.deepEqual(gotTokens, [...tokens, ...tokens]);
      assert.equal(digest.digest(), new RecordsDigest().update(region).update(region).digest());
      assert.deepEqual(ends, [
        [true, tokens.length, tokens[tokens.length - 1]!],
        [true, tokens.length, tokens[tokens.length - 1]!],
      ]);
    }
    // Another message goes out whole, a copy, however it was cut.
    const subscribed = Buffer.from('{"type":"subscribed","id":"p"}');
    for (let at = 1; at < subscribed.length; at++) {
      const others: Buffer[] = [];
      const scanner = new RecordsFrameScanner({token: () => assert.fail(), bytes: () => assert.fail(), records: () => assert.fail(), other: (p) => others.push(p)});
      scanner.start(subscribed.length);
      pushShared(cut(subscribed, [at]), (c) => scanner.piece(c, 0, c.length));
      scanner.end();
      assert.deepEqual(others.map(String), [subscribed.toString()]);
    }
    // Not a records frame's layout: refused.
    assert.equal(scanRecordsFrame(Buffer.from('{"type":"records","records":[{"id":"1"}]}'), () => {}, () => {}), false);
    assert.equal(scanRecordsFrame(frame.subarray(0, frame.length - 1), () => {}, () => {}), false);
    assert.equal(scanRecordsFrame(Buffer.concat([frame.subarray(0, frame.length - 2), Buffer.from("}]")]), () => {}, () => {}), false);
    // A records frame's head that never reaches its records.
    assert.equal(scanRecordsFrame([Buffer.from('{"type":"records","ledger":1'), Buffer.from("}")], () => {}, () => {}), false);
  });

  it("finds a token's key through its tail exactly where a search for the whole key would", () => {
    const key = '"paging_token":"';
    // Decoys: the tail after other bytes, the key cut at either end, keys back to back.
    const text = `g_token":"x${key}1"ag_token":"${key}${key}2","xpaging_token":"3"${key.slice(0, 9)}` + `,{"a":"${key.slice(3)}`;
    const random = prng(7);
    const alphabet = ['"', "p", "a", "g", "i", "n", "_", "t", "o", "k", "e", ":", "1"];
    let noise = "";
    for (let i = 0; i < 4000; i++) noise += random() < 0.02 ? key : alphabet[Math.floor(random() * alphabet.length)]!;
    for (const hay of [Buffer.from(text), Buffer.from(noise), Buffer.from(key), Buffer.from(key.slice(1)), Buffer.alloc(0)]) {
      let found = 0;
      for (let from = 0; from <= hay.length + 1; from++) {
        const want = hay.indexOf(key, from);
        assert.equal(indexOfTokenKey(hay, from), want, `from ${from} in ${hay.length} bytes`);
        if (want === from) found++;
      }
      if (hay.length > 16) assert.ok(found > 0);
    }
  });

  it("refuses a masked server frame", () => {
    const r = new WsFrameReader(() => {});
    assert.throws(() => r.push(Buffer.from([0x81, 0x81, 1, 2, 3, 4, 5])), /masked/);
  });

  const events = ['id: 1\ndata: {"a":1}', 'id: 2\ndata: {"b":"x\\ny"}', ":", 'retry: 10\nevent: close\ndata: "byebye"'];
  const sse = Buffer.from(events.map((e) => e + "\n\n").join(""));

  it("cuts SSE events at their blank lines whatever the chunks, across them too", () => {
    const rnd = prng(5);
    const everyByte = cut(sse, Array.from({length: sse.length - 1}, (_, i) => i + 1));
    // Each blank line cut between its two newlines.
    const blankLines = cut(
      sse,
      [...sse.toString("latin1").matchAll(/\n\n/g)].map((m) => m.index! + 1),
    );
    for (const chunks of [[sse], everyByte, blankLines, ...Array.from({length: 40}, () => randomCuts(sse, 5, rnd))]) {
      const got: string[] = [];
      // Read when the chunk's events are done, as a consumer reads its chunk's last token: the bytes are still there.
      let ofChunk: [Buffer, number, number][] = [];
      const s = new SseEventSplitter(
        (b, start, end) => ofChunk.push([b, start, end]),
        () => {
          for (const [b, start, end] of ofChunk) got.push(b.toString("latin1", start, end));
          ofChunk = [];
        },
      );
      pushShared(chunks, (c) => s.push(c));
      assert.deepEqual(got, events);
    }
  });

  it("reads chunked and sized responses back to back on one connection", () => {
    const body1 = sse;
    const chunked = Buffer.concat([
      Buffer.from("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"),
      ...cut(body1, [10, 11, 40]).map((p) => Buffer.concat([Buffer.from(p.length.toString(16) + "\r\n"), p, Buffer.from("\r\n")])),
      Buffer.from("0\r\n\r\n"),
    ]);
    const sized = Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"a"}');
    const rnd = prng(9);
    for (const chunks of [[chunked], cut(chunked, Array.from({length: chunked.length - 1}, (_, i) => i + 1)), ...Array.from({length: 20}, () => randomCuts(chunked, 6, rnd))]) {
      const parts: Buffer[] = [];
      let ended = 0;
      const r = new HttpResponseReader(
        () => {},
        (b) => parts.push(Buffer.from(b)),
        () => ended++,
      );
      pushShared(chunks, (c) => r.push(c));
      assert.equal(r.status, 200);
      assert.equal(ended, 1);
      assert.ok(Buffer.concat(parts).equals(body1));
      assert.ok(r.keepAlive);
    }
    const parts: Buffer[] = [];
    const r = new HttpResponseReader(
      () => {},
      (b) => parts.push(Buffer.from(b)),
      () => parts.push(Buffer.from("<end>")),
    );
    pushShared(cut(sized, [3, 50, 70]), (c) => r.push(c));
    assert.equal(r.status, 400);
    assert.equal(r.keepAlive, false);
    assert.equal(Buffer.concat(parts).toString(), '{"a"}<end>');
  });

  it("hashes byte ranges in runs: the same digest as each range fed alone, a range in another buffer or not following breaking the run", () => {
    const rnd = prng(11);
    const a = Buffer.from(Array.from({length: 4000}, () => Math.floor(rnd() * 256)));
    const b = Buffer.from(a);
    const direct = new RecordsDigest();
    const updates: number[] = [];
    const viaRuns = new RecordsDigest();
    const runs = new ByteRuns({
      update(x: Buffer) {
        updates.push(x.length);
        viaRuns.update(x);
      },
    });
    const feed = (buf: Buffer, start: number, end: number): void => {
      direct.update(buf.subarray(start, end));
      runs.add(buf, start, end);
    };
    // Back to back in a: one run.
    feed(a, 0, 100);
    feed(a, 100, 250);
    feed(a, 250, 251);
    // The same offsets in another buffer, then a gap, then a range before the run's end.
    feed(b, 251, 400);
    feed(b, 410, 500);
    feed(b, 20, 30);
    runs.flush();
    runs.flush();
    assert.deepEqual(updates, [251, 149, 90, 10]);
    assert.equal(viaRuns.digest(), direct.digest());
    // Random ranges, flushed now and then, as reads end.
    for (let i = 0; i < 3000; i++) {
      const buf = rnd() < 0.5 ? a : b;
      const start = Math.floor(rnd() * 3900);
      feed(buf, start, start + Math.floor(rnd() * 100));
      if (rnd() < 0.1) runs.flush();
    }
    runs.flush();
    assert.equal(viaRuns.digest(), direct.digest());
  });

  it("a records digest is the CRC-32 and length of the bytes fed, however they are cut", () => {
    const rnd = prng(12);
    const all = Buffer.from(Array.from({length: 5000}, () => Math.floor(rnd() * 256)));
    const want = `crc32:${zlib.crc32(all).toString(16).padStart(8, "0")}:${all.length}`;
    for (const cut of [1, 7, 1000, 4999]) {
      const d = new RecordsDigest();
      for (let i = 0; i < all.length; i += cut) d.update(all.subarray(i, i + cut));
      assert.equal(d.digest(), want, `cut every ${cut}`);
    }
    // A string goes in as its UTF-8 bytes, counted as bytes.
    assert.equal(new RecordsDigest().update("é,").update("x").digest(), new RecordsDigest().update(Buffer.from("é,x")).digest());
    assert.match(new RecordsDigest().update("é").digest(), /^crc32:[0-9a-f]{8}:2$/);
    assert.equal(new RecordsDigest().digest(), "crc32:00000000:0");
  });
});

/**
 * The bounded buffer of one SSE connection, against a response that behaves as uWS's does: `write`
 * takes every chunk and reports false once the socket's buffer is full; `onWritable` fires when
 * it drained. Chunks wait in order while the socket is full, a client past the bound is closed
 * (and resumes from its last id), and the goodbye is written after what waited.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {SseConnection, SSE_GOODBYE, SSE_PREAMBLE, eventFrame, type CloseReason, type SseResponse} from "../../../src/api/stream/connection.js";

/** A socket whose buffer holds `capacity` bytes until `drain()` sends them on. */
class Socket {
  written = "";
  buffered = 0;
  ended = false;
  closed = false;
  status = "";
  headers: [string, string][] = [];
  private writable: ((offset: number) => boolean) | null = null;

  constructor(private readonly capacity: number) {}

  response(): SseResponse {
    const res = {
      cork: (cb: () => void) => {
        cb();
        return res;
      },
      writeStatus: (s: string) => {
        this.status = s;
        return res;
      },
      writeHeader: (k: string, v: string) => {
        this.headers.push([k, v]);
        return res;
      },
      write: (chunk: string | Buffer) => {
        assert.ok(!this.ended && !this.closed, "no write after the end");
        this.written += chunk.toString();
        this.buffered += Buffer.byteLength(chunk);
        return this.buffered <= this.capacity;
      },
      end: (chunk?: string) => {
        if (chunk !== undefined) this.written += chunk;
        this.ended = true;
        return res;
      },
      close: () => {
        this.closed = true;
        return res;
      },
      onWritable: (h: (offset: number) => boolean) => {
        this.writable = h;
        return res;
      },
    };
    return res as unknown as SseResponse;
  }

  /** The client read everything buffered. */
  drain(): void {
    this.buffered = 0;
    this.writable?.(0);
  }
}

function connection(capacity: number, bound: number) {
  const socket = new Socket(capacity);
  const ends: CloseReason[] = [];
  const conn = new SseConnection(socket.response(), bound, (r) => ends.push(r));
  conn.start();
  return {socket, conn, ends};
}

describe("SSE connection buffer", () => {
  it("writes the status, Horizon's headers and the preamble first", () => {
    const {socket} = connection(1 << 20, 1 << 20);
    assert.equal(socket.status, "200 OK");
    assert.deepEqual(socket.headers.find(([k]) => k === "Content-Type"), ["Content-Type", "text/event-stream; charset=utf-8"]);
    assert.equal(socket.written, SSE_PREAMBLE);
  });

  it("holds events while the socket is full and writes them in order once it drains", () => {
    const {socket, conn, ends} = connection(100, 10_000);
    const frames = Array.from({length: 20}, (_, i) => eventFrame(String(i + 1), JSON.stringify({n: i + 1, pad: "x".repeat(20)})));
    for (const f of frames) assert.equal(conn.send(f), true);
    // The socket took chunks until it reported full; the rest wait.
    assert.ok(conn.buffered > 0);
    assert.ok(!socket.written.includes(frames[19]!));
    for (let i = 0; i < 20 && conn.buffered > 0; i++) socket.drain();
    assert.equal(conn.buffered, 0);
    assert.equal(socket.written, SSE_PREAMBLE + frames.join(""));
    assert.deepEqual(ends, []);
  });

  it("closes a consumer past the bound and reports it as overflow; nothing is written after", () => {
    const {socket, conn, ends} = connection(64, 500);
    let accepted = 0;
    for (let i = 0; i < 100; i++) {
      if (!conn.send(eventFrame(String(i), JSON.stringify({i, pad: "y".repeat(40)})))) break;
      accepted++;
    }
    assert.ok(accepted > 1 && accepted < 100, `closed after ${accepted} events`);
    assert.equal(socket.closed, true);
    assert.deepEqual(ends, ["overflow"]);
    assert.equal(conn.open, false);
    assert.equal(conn.send(eventFrame("x", "{}")), false);
    socket.drain();
    assert.ok(!socket.written.includes("id: x\n"));
  });

  it("a transient chunk that must wait is copied: the caller may reuse its buffer at once", () => {
    const {socket, conn} = connection(SSE_PREAMBLE.length + 10, 10_000);
    const first = eventFrame("1", JSON.stringify({pad: "a".repeat(40)}));
    const second = eventFrame("2", JSON.stringify({pad: "b".repeat(40)}));
    conn.send(Buffer.from(first), true);
    assert.ok(conn.buffered === 0 && socket.buffered > SSE_PREAMBLE.length + 10, "the socket took the first and is full");
    const scratch = Buffer.from(second);
    assert.equal(conn.send(scratch, true), true);
    assert.equal(conn.buffered, scratch.length, "the second waits");
    // The caller overwrites its buffer for another connection.
    scratch.fill(0x78);
    socket.drain();
    assert.equal(socket.written, SSE_PREAMBLE + first + second);
  });

  it("says goodbye after the events that waited, then ends the response", () => {
    const {socket, conn, ends} = connection(64, 10_000);
    const frames = Array.from({length: 5}, (_, i) => eventFrame(String(i), JSON.stringify({i, pad: "z".repeat(40)})));
    for (const f of frames) conn.send(f);
    conn.goodbye();
    assert.equal(socket.ended, false, "not before what waits is written");
    assert.deepEqual(ends, ["limit"]);
    for (let i = 0; i < 10 && !socket.ended; i++) socket.drain();
    assert.equal(socket.ended, true);
    assert.equal(socket.written, SSE_PREAMBLE + frames.join("") + SSE_GOODBYE);
  });

  it("a client that went away is written nothing more", () => {
    const {socket, conn, ends} = connection(1 << 20, 1 << 20);
    conn.aborted();
    assert.equal(conn.send(eventFrame("1", "{}")), false);
    conn.goodbye();
    assert.equal(socket.written, SSE_PREAMBLE);
    assert.deepEqual(ends, ["client"]);
  });
});

describe("SseConnection.batch", () => {
  /** A response that records what each syscall would carry: one flush per outermost cork, or per write outside one. */
  function flushing(): {res: SseResponse; flushes: string[]} {
    const flushes: string[] = [];
    let depth = 0;
    let pending = "";
    const flush = (): void => {
      if (depth === 0 && pending !== "") {
        flushes.push(pending);
        pending = "";
      }
    };
    const res = {
      cork: (cb: () => void) => {
        depth++;
        cb();
        depth--;
        flush();
        return res;
      },
      writeStatus: () => res,
      writeHeader: () => res,
      write: (chunk: string | Buffer) => {
        pending += chunk.toString();
        flush();
        return true;
      },
      end: (chunk?: string) => {
        pending += chunk ?? "";
        flush();
        return res;
      },
      close: () => res,
      onWritable: () => res,
    };
    return {res: res as unknown as SseResponse, flushes};
  }

  it("a stream's last events and its goodbye leave in one flush", () => {
    const {res, flushes} = flushing();
    const ends: CloseReason[] = [];
    const conn = new SseConnection(res, 1 << 20, (r) => ends.push(r));
    conn.start();
    assert.deepEqual(flushes, [SSE_PREAMBLE]);
    conn.batch(() => {
      conn.send(eventFrame("1", "{}"));
      conn.send(eventFrame("2", "{}"));
      conn.goodbye();
    });
    assert.deepEqual(flushes, [SSE_PREAMBLE, eventFrame("1", "{}") + eventFrame("2", "{}") + SSE_GOODBYE]);
    assert.deepEqual(ends, ["limit"]);
    // An ended connection runs nothing more.
    let ran = false;
    conn.batch(() => (ran = true));
    assert.equal(ran, false);
  });
});

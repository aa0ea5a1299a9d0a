/** A /ws client for tests over the `ws` package: frames as parsed JSON, queued until taken. */
import WebSocket from "ws";

export interface WsFrame {
  type: string;
  id?: string;
  channel?: string;
  [k: string]: unknown;
}

export class TestWsClient {
  readonly ws: WebSocket;
  private readonly queue: WsFrame[] = [];
  private waiter: (() => void) | null = null;
  closed: {code: number; reason: string} | null = null;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(url.replace(/^http/, "ws") + "/ws");
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
    this.ws.on("message", (data) => {
      this.queue.push(JSON.parse(String(data)) as WsFrame);
      this.waiter?.();
    });
    this.ws.on("close", (code, reason) => {
      this.closed = {code, reason: String(reason)};
      this.waiter?.();
    });
  }

  send(value: unknown): void {
    this.ws.send(JSON.stringify(value));
  }

  /** The first queued or coming frame satisfying `pred` (others stay queued, in order), within `ms`. */
  async next(pred: (f: WsFrame) => boolean = () => true, ms = 15_000): Promise<WsFrame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.queue.findIndex(pred);
      if (i >= 0) return this.queue.splice(i, 1)[0]!;
      if (this.closed !== null) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) before the frame came`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no such frame in time");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  close(): void {
    this.ws.close();
  }
}

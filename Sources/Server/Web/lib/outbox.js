// Writes that must not be lost or doubled (sending a message, above all).
//
// Each write gets an Idempotency-Key when it is queued and keeps it through every retry, so a
// request that timed out after the cluster applied it is applied once: the retry answers with
// the first result. Writes go out one at a time, in order, so a conversation's messages keep
// the order they were typed in. With a storage key the queue is kept in localStorage and
// survives a reload.

import { ApiError, retryDelayMs } from "./api.js";
import { randomId } from "./ids.js";

const itemsMax = 200;

export class Outbox {
  /**
   * @param {object} options
   * @param {import("./api.js").Api} options.api
   * @param {string} [options.storageKey]  localStorage key; none keeps the queue in memory
   * @param {(item: object, result: object) => void} [options.onSent]
   * @param {(items: object[]) => void} [options.onChange]
   */
  constructor({ api, storageKey, onSent, onChange }) {
    this.api = api;
    this.storageKey = storageKey;
    this.onSent = onSent || (() => {});
    this.onChange = onChange || (() => {});
    this.items = this.load();
    this.pumping = false;
    this.wake = null;
  }

  /** Queues a write and starts sending. `meta` is kept for the page (what to show meanwhile). */
  enqueue(method, path, body, meta = {}) {
    if (this.items.length >= itemsMax) throw new Error("too many unsent changes; wait for the connection");
    const item = { key: randomId(), method, path, body, meta, state: "queued", attempts: 0, queuedAt: Date.now() };
    this.items.push(item);
    this.changed();
    this.pump();
    return item;
  }

  pending(filter = () => true) {
    return this.items.filter(filter);
  }

  retry(key) {
    const item = this.items.find((each) => each.key === key);
    if (!item) return;
    item.state = "queued";
    item.error = undefined;
    this.changed();
    this.nudge();
  }

  discard(key) {
    this.items = this.items.filter((each) => each.key !== key);
    this.changed();
  }

  /** Try now rather than after the backoff (the connection just came back). */
  nudge() {
    if (this.wake) this.wake();
    this.pump();
  }

  async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      let item;
      while ((item = this.items.find((each) => each.state === "queued"))) {
        await this.send(item);
      }
    } finally {
      this.pumping = false;
    }
  }

  async send(item) {
    item.state = "sending";
    item.attempts += 1;
    this.changed();
    try {
      const result = await this.api.request(item.method, item.path, { body: item.body, idempotencyKey: item.key });
      this.items = this.items.filter((each) => each !== item);
      this.changed();
      this.onSent(item, result);
    } catch (error) {
      if (isWorthRetrying(error)) {
        item.state = "queued";
        item.error = error.message;
        this.changed();
        await this.pause(retryDelayMs(error, Math.min(item.attempts, 6)));
      } else {
        item.state = "failed";
        item.error = error.message;
        this.changed();
      }
    }
  }

  pause(milliseconds) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, milliseconds);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }

  changed() {
    this.save();
    this.onChange(this.items);
  }

  load() {
    if (!this.storageKey) return [];
    try {
      const items = JSON.parse(localStorage.getItem(this.storageKey) || "[]");
      // A write that was in flight when the page went away is sent again with its key: the
      // server applies it at most once.
      return items.map((item) => ({ ...item, state: item.state === "failed" ? "failed" : "queued" }));
    } catch {
      return [];
    }
  }

  save() {
    if (!this.storageKey) return;
    try {
      localStorage.setItem(this.storageKey, JSON.stringify(this.items));
    } catch {
      // Storage full or blocked: the queue still works in memory.
    }
  }
}

/**
 * No answer, a busy or moving cluster, or expired credentials (the page signs in again and
 * the write goes out then) are worth another try; a refusal (4xx) is final.
 */
function isWorthRetrying(error) {
  return !(error instanceof ApiError) || error.transient || error.status === 401;
}

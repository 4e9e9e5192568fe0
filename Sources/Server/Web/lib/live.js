// The live event stream (WebSocket /v1/events) that never silently goes stale.
//
// Every event carries `seq`, the cluster-wide Raft index that produced it, so a client that
// reconnects to any node with ?after=<last seq> misses nothing. Events of one command share a
// seq and a connection may break between them, so a reconnect resumes one seq earlier and
// skips the events of that seq it already handled: nothing is lost and nothing is applied
// twice. Browsers cannot set headers on a WebSocket, so each connection first trades the
// bearer token for a short ticket (POST /v1/auth/ticket).

import { retryDelayMs, sleep } from "./api.js";

const healthCheckIntervalMs = 15000;
const healthFailuresMax = 2;
/** Close code of a node that is being drained: reconnect at once through the load balancer. */
const drainingCloseCode = 4001;
/** Close code of revoked credentials (the user was deactivated). */
const policyViolationCloseCode = 1008;

export class LiveEvents {
  /**
   * @param {object} options
   * @param {import("./api.js").Api} options.api  used for tickets and health checks
   * @param {string} [options.ticketPath]
   * @param {(event: object) => void|Promise<void>} options.onEvent
   * @param {(seq: number) => Promise<void>} options.onResync  reload state; events wait meanwhile
   * @param {(status: {state: string, attempt: number}) => void} [options.onStatus]
   * @param {() => void} [options.onRevoked]
   */
  constructor({ api, ticketPath = "/v1/auth/ticket", onEvent, onResync, onStatus, onRevoked }) {
    this.api = api;
    this.ticketPath = ticketPath;
    this.onEvent = onEvent;
    this.onResync = onResync;
    this.onStatus = onStatus || (() => {});
    this.onRevoked = onRevoked || (() => {});
    this.lastSeq = 0;
    this.seenAtLastSeq = new Set();
    this.socket = null;
    this.state = "idle";
    this.attempt = 0;
    this.stopped = false;
    this.work = Promise.resolve();
    this.healthFailures = 0;
    this.wasLive = false;
    this.onOffline = () => this.dropSocket() && this.scheduleReconnect(null);
    this.onOnline = () => this.reconnectNow();
  }

  /**
   * The newest seq some node has applied: load state after asking, then start() from it, so
   * every change after the load arrives as an event (some may repeat what the load saw;
   * handlers are idempotent).
   */
  async currentSeq() {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const response = await fetch(this.api.base + "/health/ready", { cache: "no-store" });
        const body = await response.json();
        if (body && body.applied !== undefined) return Number(body.applied);
      } catch {
        // The node behind the load balancer may be dying; ask again.
      }
      await sleep(retryDelayMs(null, Math.min(attempt, 5)));
    }
  }

  start(afterSeq) {
    this.lastSeq = afterSeq;
    this.stopped = false;
    window.addEventListener("offline", this.onOffline);
    window.addEventListener("online", this.onOnline);
    this.healthTimer = setInterval(() => this.checkHealth(), healthCheckIntervalMs);
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearInterval(this.healthTimer);
    clearTimeout(this.retryTimer);
    window.removeEventListener("offline", this.onOffline);
    window.removeEventListener("online", this.onOnline);
    this.dropSocket();
    this.setState("stopped");
  }

  setState(state) {
    this.state = state;
    this.onStatus({ state, attempt: this.attempt });
  }

  async connect() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.setState(this.wasLive ? "reconnecting" : "connecting");
    let ticket;
    try {
      ticket = (await this.api.post(this.ticketPath, undefined, { timeoutMs: 5000 })).ticket;
    } catch (error) {
      if (error.status === 401) return this.revoke();
      return this.scheduleReconnect(error);
    }
    if (this.stopped) return;
    this.open(ticket);
  }

  open(ticket) {
    const resumeAfter = Math.max(0, this.lastSeq - (this.seenAtLastSeq.size ? 1 : 0));
    const url = this.api.base.replace(/^http/, "ws") + `/v1/events?after=${resumeAfter}&ticket=${encodeURIComponent(ticket)}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.healthFailures = 0;
      this.wasLive = true;
      this.setState("live");
    };
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      this.work = this.work.then(() => this.handle(event)).catch((error) => console.error("event handler failed", error));
    };
    socket.onclose = (close) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (close.code === policyViolationCloseCode) return this.revoke();
      if (close.code === drainingCloseCode) return this.reconnectNow();
      this.scheduleReconnect(null);
    };
  }

  async handle(event) {
    if (event.type === "resync") {
      await this.onResync(event.seq);
      this.advance(event.seq, null);
      return;
    }
    const key = eventKey(event);
    if (event.seq < this.lastSeq || (event.seq === this.lastSeq && this.seenAtLastSeq.has(key))) return;
    this.advance(event.seq, key);
    await this.onEvent(event);
  }

  advance(seq, key) {
    if (seq !== this.lastSeq) {
      this.lastSeq = seq;
      this.seenAtLastSeq = new Set();
    }
    if (key) this.seenAtLastSeq.add(key);
  }

  scheduleReconnect(error) {
    if (this.stopped) return;
    this.attempt += 1;
    this.setState("reconnecting");
    this.retryTimer = setTimeout(() => this.connect(), retryDelayMs(error, Math.min(this.attempt, 6)));
  }

  reconnectNow() {
    if (this.stopped) return;
    this.dropSocket();
    this.attempt = 0;
    this.connect();
  }

  /**
   * Forgets the current socket at once. A close handshake over a dead connection can take
   * long, and nothing it could still deliver should count: the resume covers it.
   */
  dropSocket() {
    const socket = this.socket;
    if (!socket) return false;
    this.socket = null;
    socket.onopen = socket.onmessage = socket.onclose = null;
    socket.close();
    return true;
  }

  revoke() {
    this.stop();
    this.onRevoked();
  }

  /**
   * A connection can die without a close frame (a laptop that slept, a cable pulled), and the
   * server sends nothing while there is nothing new. A failing health check through the same
   * origin is the sign to drop the socket and reconnect rather than wait forever.
   */
  async checkHealth() {
    if (this.state !== "live") return;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 4000);
    try {
      const response = await fetch(this.api.base + "/health/live", { cache: "no-store", signal: controller.signal });
      this.healthFailures = response.ok ? 0 : this.healthFailures + 1;
    } catch {
      this.healthFailures += 1;
    } finally {
      clearTimeout(timer);
    }
    if (this.healthFailures >= healthFailuresMax && this.dropSocket()) this.scheduleReconnect(null);
  }
}

/**
 * What makes one event distinct among the events of a single command. Ticket comments have no
 * id of their own (a merge writes one on each ticket), and SLA alerts name the ticket and the
 * metric (a late reply can record two breaches at once).
 */
function eventKey(event) {
  const data = event.data || {};
  let id = data.id || data.conversationId || "";
  if (!id && data.ticketID) id = `${data.ticketID}#${data.seq}`;
  if (!id && data.ticket) id = `${data.ticket.id}#${data.kind}#${data.metric || ""}`;
  return `${event.type}|${event.conversationId || ""}|${id}`;
}

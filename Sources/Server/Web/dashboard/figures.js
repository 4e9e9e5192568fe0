// Live figures. The cluster's own figures (GET /v1/stats/live: queues and waits, agents and
// load, channels, average first-response and handle times) are fetched again soon after every
// live change and every few seconds anyway; the list of ongoing conversations comes from the
// conversations the live events keep current. Waits tick once a second without a reload.

import { clear, formatDuration, h } from "../lib/dom.js";

const historyPoints = 60;
const sampleEveryMs = 5000;
const statsRefreshMs = 5000;
/** After a live change, figures are fetched at most this often. */
const statsDebounceMs = 700;

export class Figures {
  constructor({ desk, api, supervision }) {
    this.desk = desk;
    this.api = api;
    this.supervision = supervision;
    this.waitingHistory = [];
    this.queued = false;
    this.stats = null;
    for (const type of ["conversation", "agent", "message", "customer"]) {
      desk.on(type, () => {
        this.schedule();
        this.scheduleStats();
      });
    }
  }

  async start() {
    await this.refreshStats();
    this.render();
    setInterval(() => this.tick(), 1000);
    this.sample();
    setInterval(() => this.sample(), sampleEveryMs);
    setInterval(() => this.refreshStats(), statsRefreshMs);
  }

  schedule() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.render();
    });
  }

  scheduleStats() {
    if (this.statsTimer) return;
    this.statsTimer = setTimeout(() => {
      this.statsTimer = null;
      this.refreshStats();
    }, statsDebounceMs);
  }

  async refreshStats() {
    try {
      this.stats = await this.api.request("GET", "/v1/stats/live?consistency=stale", { timeoutMs: 4000 });
      this.stats.receivedAt = Date.now();
      this.statsError = null;
    } catch (error) {
      this.statsError = error.message;
    }
    this.schedule();
  }

  conversations(...statuses) {
    return [...this.desk.conversations.values()].filter((conversation) => statuses.includes(conversation.status));
  }

  sample() {
    if (!this.stats) return;
    this.waitingHistory.push(this.stats.queues.reduce((sum, queue) => sum + queue.waiting, 0));
    if (this.waitingHistory.length > historyPoints) this.waitingHistory.shift();
  }

  render() {
    // Rows are rebuilt on every change; keyboard focus stays on the button it was on.
    const focused = document.activeElement?.closest("[data-conversation-id]");
    const focusedAction = focused && document.activeElement.className;
    this.renderTiles();
    this.renderOngoing();
    this.renderAgents();
    this.renderCharts();
    if (focused) {
      document.querySelector(`#ongoing [data-conversation-id="${CSS.escape(focused.dataset.conversationId)}"] .${focusedAction}`)?.focus();
    }
  }

  /** Once a second: waits grow without anything else changing. */
  tick() {
    this.renderTiles();
    const now = Date.now();
    for (const cell of document.querySelectorAll("#ongoing [data-since]")) {
      cell.textContent = formatDuration(now - Number(cell.dataset.since));
    }
  }

  renderTiles() {
    const element = clear(document.getElementById("tiles"));
    const stats = this.stats;
    if (!stats) {
      element.append(h("p", { class: "form-error", role: "alert" }, `Figures unavailable: ${this.statsError || "loading…"}`));
      return;
    }
    const age = Date.now() - stats.receivedAt;
    const waiting = stats.queues.reduce((sum, queue) => sum + queue.waiting, 0);
    const longest = Math.max(0, ...stats.queues.filter((queue) => queue.waiting > 0).map((queue) => queue.longestWaitSeconds));
    const byStatus = (status) => stats.agents.filter((agent) => agent.status === status).length;
    const tiles = [
      ["waiting", "Waiting in queues", String(waiting)],
      ["unassigned", "Open without an agent", String(this.conversations("open").filter((c) => !c.assigneeID).length)],
      ["longest-wait", "Longest wait", waiting ? formatDuration(longest * 1000 + age) : "—"],
      ["open", "Open and pending", String(stats.openConversations)],
      ["agents-online", "Agents online / away / offline", `${byStatus("online")} / ${byStatus("away")} / ${byStatus("offline")}`],
      ["first-response", "Average first response", seconds(stats.firstResponseSecondsAverage)],
      ["handle-time", "Average handle time", seconds(stats.handleSecondsAverage)],
      ["csat", "CSAT (4–5 of 5)", this.satisfaction()],
    ];
    element.append(...tiles.map(([id, label, value]) =>
      h("div", { class: "tile", id: `tile-${id}` }, h("span", { class: "tile-value" }, value), h("span", { class: "tile-label" }, label))));
    if (this.statsError) element.append(h("p", { class: "form-error stale", role: "status" }, `Figures may be stale: ${this.statsError}`));
  }

  /**
   * The share of rated conversations rated 4 or 5, over the newest 500 resolved and the
   * closed ones this page loaded and every rating since (the live figures have no CSAT yet).
   */
  satisfaction() {
    const scores = [...this.desk.conversations.values()].filter((c) => c.rating).map((c) => c.rating.score);
    if (scores.length === 0) return "—";
    const satisfied = scores.filter((score) => score >= 4).length;
    return `${Math.round((satisfied / scores.length) * 100)}% of ${scores.length}`;
  }

  renderOngoing() {
    const now = Date.now();
    const rows = this.conversations("open", "pending").sort((a, b) => a.createdAt - b.createdAt);
    const body = clear(document.querySelector("#ongoing tbody"));
    if (rows.length === 0) body.append(h("tr", {}, h("td", { colspan: 7, class: "empty" }, "No ongoing conversations.")));
    for (const conversation of rows) {
      const name = this.desk.customerName(conversation.customerID);
      body.append(h("tr", { dataset: { conversationId: conversation.id } },
        h("td", {}, name),
        h("td", {}, conversation.subject || "—"),
        h("td", {}, conversation.channel),
        h("td", {}, conversation.queue || "—"),
        h("td", {}, conversation.assigneeID ? this.desk.agentName(conversation.assigneeID) : h("span", { class: "pill pending" }, "waiting")),
        h("td", { dataset: { since: conversation.createdAt } }, formatDuration(now - conversation.createdAt)),
        h("td", { class: "row-actions" },
          this.action("Listen", "listen", conversation, name),
          this.action("Whisper", "whisper", conversation, name),
          this.action("Barge", "barge", conversation, name))));
    }
  }

  action(label, mode, conversation, name) {
    const run = mode === "barge"
      ? () => this.supervision.barge(conversation.id)
      : () => this.supervision.open(conversation.id, mode);
    return h("button", { type: "button", class: `action-${mode}`, onclick: run, "aria-label": `${label}: ${name}` }, label);
  }

  renderAgents() {
    const body = clear(document.querySelector("#agents tbody"));
    const order = { online: 0, away: 1, offline: 2 };
    const agents = [...(this.stats?.agents || [])].sort((a, b) => order[a.status] - order[b.status] || a.name.localeCompare(b.name));
    for (const agent of agents) {
      const capacity = agent.concurrentConversationsMax || 1;
      body.append(h("tr", { dataset: { agentId: agent.id } },
        h("td", {}, agent.name),
        h("td", {}, h("span", { class: `presence ${agent.status}` }, agent.status)),
        h("td", {}, h("meter", { min: 0, max: capacity, value: Math.min(agent.load, capacity), "aria-label": `${agent.load} of ${capacity}` }),
          ` ${agent.load}/${agent.concurrentConversationsMax ?? "—"}`)));
    }
  }

  renderCharts() {
    const stats = this.stats || { channels: [], queues: [] };
    clear(document.getElementById("charts")).append(
      barChart("Open and pending by channel", "chart-channel", stats.channels.map((c) => [c.channel, c.open + c.pending]).filter(([, n]) => n > 0)),
      barChart("Waiting by queue", "chart-queue", stats.queues.map((q) => [q.queue || "(no queue)", q.waiting]).filter(([, n]) => n > 0)),
      sparkline("Waiting, last 5 minutes", this.waitingHistory));
  }
}
function barChart(title, id, entries) {
  const largest = Math.max(1, ...entries.map(([, count]) => count));
  return h("figure", { class: "chart", id },
    h("figcaption", {}, title),
    entries.length === 0 ? h("p", { class: "empty" }, "Nothing ongoing.") : null,
    h("dl", { class: "bars" }, entries.map(([label, count]) => [
      h("dt", {}, label),
      h("dd", {}, h("span", { class: "bar", style: `width:${(count / largest) * 100}%` }), h("span", { class: "bar-value" }, String(count))),
    ])));
}

function sparkline(title, values) {
  const width = 240;
  const height = 48;
  const largest = Math.max(1, ...values);
  const step = width / Math.max(1, historyPoints - 1);
  const points = values.map((value, index) => `${(index * step).toFixed(1)},${(height - (value / largest) * (height - 4) - 2).toFixed(1)}`).join(" ");
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${title}: now ${values[values.length - 1] ?? 0}, at most ${largest}`);
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", points);
  line.setAttribute("class", "spark");
  svg.append(line);
  return h("figure", { class: "chart" }, h("figcaption", {}, title), svg);
}

function seconds(value) {
  return value === undefined || value === null ? "—" : formatDuration(value * 1000);
}

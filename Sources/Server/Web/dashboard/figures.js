// Live figures computed from the conversations and agents the dashboard holds, which the live
// events keep current: waiting conversations and the longest wait, agents by status and load,
// conversations per channel and queue, first-response and handle times. Re-rendered on every
// change and once a second, so waits tick without a reload.

import { clear, formatDuration, h } from "../lib/dom.js";

const historyPoints = 60;
const sampleEveryMs = 5000;

export class Figures {
  constructor({ desk, supervision }) {
    this.desk = desk;
    this.supervision = supervision;
    this.waitingHistory = [];
    this.queued = false;
    for (const type of ["conversation", "agent", "message", "customer"]) desk.on(type, () => this.schedule());
  }

  start() {
    this.render();
    setInterval(() => this.tick(), 1000);
    this.sample();
    setInterval(() => this.sample(), sampleEveryMs);
  }

  schedule() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.render();
    });
  }

  conversations(...statuses) {
    return [...this.desk.conversations.values()].filter((conversation) => statuses.includes(conversation.status));
  }

  waiting() {
    return this.conversations("open").filter((conversation) => !conversation.assigneeID);
  }

  sample() {
    this.waitingHistory.push(this.waiting().length);
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
    const now = Date.now();
    const waiting = this.waiting();
    const longest = waiting.reduce((oldest, each) => Math.min(oldest, each.createdAt), now);
    const agents = [...this.desk.agents.values()].filter((agent) => agent.active !== false);
    const byStatus = (status) => agents.filter((agent) => agent.status === status).length;
    const today = startOfDay();
    const answered = [...this.desk.conversations.values()].filter((c) => c.firstResponseAt && c.createdAt >= today);
    const resolvedToday = this.conversations("resolved", "closed").filter((c) => c.resolvedAt && c.resolvedAt >= today);
    const tiles = [
      ["waiting", "Waiting for an agent", String(waiting.length)],
      ["longest-wait", "Longest wait", waiting.length ? formatDuration(now - longest) : "—"],
      ["open", "Open", String(this.conversations("open").length)],
      ["pending", "Pending", String(this.conversations("pending").length)],
      ["agents-online", "Agents online / away / offline", `${byStatus("online")} / ${byStatus("away")} / ${byStatus("offline")}`],
      ["first-response", "Median first response today", durationOrDash(median(answered.map((c) => c.firstResponseAt - c.createdAt)))],
      ["handle-time", "Median handle time today", durationOrDash(median(resolvedToday.map((c) => c.resolvedAt - c.createdAt)))],
      ["resolved-today", "Resolved today", String(resolvedToday.length)],
    ];
    clear(document.getElementById("tiles")).append(...tiles.map(([id, label, value]) =>
      h("div", { class: "tile", id: `tile-${id}` }, h("span", { class: "tile-value" }, value), h("span", { class: "tile-label" }, label))));
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
    const load = new Map();
    for (const conversation of this.conversations("open", "pending")) {
      if (conversation.assigneeID) load.set(conversation.assigneeID, (load.get(conversation.assigneeID) || 0) + 1);
    }
    const order = { online: 0, away: 1, offline: 2 };
    const agents = [...this.desk.agents.values()].filter((agent) => agent.active !== false)
      .sort((a, b) => order[a.status] - order[b.status] || a.name.localeCompare(b.name));
    const body = clear(document.querySelector("#agents tbody"));
    for (const agent of agents) {
      const count = load.get(agent.id) || 0;
      const capacity = agent.concurrentConversationsMax || 1;
      body.append(h("tr", { dataset: { agentId: agent.id } },
        h("td", {}, agent.name, h("span", { class: "role" }, ` ${agent.role}`)),
        h("td", {}, h("span", { class: `presence ${agent.status}` }, agent.status)),
        h("td", {}, h("meter", { min: 0, max: capacity, value: Math.min(count, capacity), "aria-label": `${count} of ${capacity}` }),
          ` ${count}/${agent.concurrentConversationsMax ?? "—"}`)));
    }
  }

  renderCharts() {
    const ongoing = this.conversations("open", "pending");
    clear(document.getElementById("charts")).append(
      barChart("By channel", "chart-channel", countBy(ongoing, (c) => c.channel)),
      barChart("By queue", "chart-queue", countBy(ongoing, (c) => c.queue || "(no queue)")),
      sparkline("Waiting, last 5 minutes", this.waitingHistory));
  }
}

function countBy(items, key) {
  const counts = new Map();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) || 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
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

function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function durationOrDash(milliseconds) {
  return milliseconds === null ? "—" : formatDuration(milliseconds);
}

function startOfDay() {
  const date = new Date();
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

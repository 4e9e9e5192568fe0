// The inbox: conversations matching the chosen view (mine, unassigned, all), status and queue,
// newest activity first. Filtering happens both on the server (the first load) and here (every
// live change), so a conversation appears, moves or leaves the list the moment it changes.

import { formatTime, h } from "../lib/dom.js";
import { LiveList } from "./list.js";

const listLimit = 100;

export class Inbox extends LiveList {
  constructor({ desk, api, onOpen }) {
    super({
      desk, api, onOpen,
      list: document.getElementById("inbox-list"),
      viewButtons: [...document.querySelectorAll("#conversation-nav .inbox-views [data-view]")],
      viewKey: "view", idKey: "conversationId",
      filter: { view: "mine", status: "open", queue: "" },
    });
    this.statusSelect = document.getElementById("filter-status");
    this.queueSelect = document.getElementById("filter-queue");
    this.knownQueues = new Set();
    this.statusSelect.addEventListener("change", () => this.setFilter({ status: this.statusSelect.value }));
    this.queueSelect.addEventListener("change", () => this.setFilter({ queue: this.queueSelect.value }));
    for (const type of ["conversation", "message", "unread", "customer"]) this.desk.on(type, () => this.scheduleRender());
  }

  query() {
    const parameters = new URLSearchParams({ limit: String(listLimit) });
    if (this.filter.status) parameters.set("status", this.filter.status);
    if (this.filter.queue) parameters.set("queue", this.filter.queue);
    if (this.filter.view === "mine") parameters.set("assignee", this.desk.me.id);
    if (this.filter.view === "unassigned") parameters.set("assignee", "none");
    return `/v1/conversations?${parameters}`;
  }

  /** Loads the server's answer for the current filter into the desk (events keep it current). */
  async load() {
    const answer = await this.api.get(this.query());
    for (const conversation of answer.items) this.desk.putConversation(conversation);
    this.render();
    await this.desk.fetchMissingCustomers(this.api);
  }

  matches(conversation) {
    const { view, status, queue } = this.filter;
    if (status && conversation.status !== status) return false;
    if (queue && conversation.queue !== queue) return false;
    if (view === "mine") return conversation.assigneeID === this.desk.me.id;
    if (view === "unassigned") return !conversation.assigneeID;
    return true;
  }

  visible() {
    return [...this.desk.conversations.values()]
      .filter((conversation) => this.matches(conversation))
      .sort((a, b) => this.desk.activity(b) - this.desk.activity(a));
  }

  rendered() {
    this.renderCounts();
    this.renderQueues();
  }

  item(conversation) {
    const selected = conversation.id === this.selectedId;
    const unread = this.desk.unread.has(conversation.id);
    const assignee = conversation.assigneeID ? this.desk.agentName(conversation.assigneeID) : "Unassigned";
    return h("li", { class: "inbox-item", dataset: { conversationId: conversation.id } },
      h("button", {
        type: "button", class: unread ? "unread" : "", "aria-current": selected ? "true" : false,
        onclick: () => this.open(conversation.id),
      },
      h("span", { class: "inbox-line" },
        h("strong", { class: "inbox-customer" }, this.desk.customerName(conversation.customerID)),
        unread ? h("span", { class: "unread-dot", "aria-label": "new messages" }) : null,
        h("time", { class: "inbox-time" }, formatTime(this.desk.activity(conversation)))),
      h("span", { class: "inbox-subject" }, conversation.subject || "(no subject)"),
      h("span", { class: "inbox-line inbox-meta" },
        h("span", { class: `pill ${conversation.status}` }, conversation.status),
        ["high", "urgent"].includes(conversation.priority) ? h("span", { class: `pill ${conversation.priority}` }, conversation.priority) : null,
        h("span", {}, conversation.channel),
        conversation.queue ? h("span", {}, `· ${this.desk.queueName(conversation.queue)}`) : null,
        h("span", { class: "inbox-assignee" }, `· ${assignee}`))));
  }

  renderCounts() {
    const open = [...this.desk.conversations.values()].filter((each) => each.status === "open");
    const counts = {
      mine: open.filter((each) => each.assigneeID === this.desk.me.id).length,
      unassigned: open.filter((each) => !each.assigneeID).length,
    };
    for (const [view, count] of Object.entries(counts)) {
      document.querySelector(`[data-count="${view}"]`).textContent = count ? String(count) : "";
    }
  }

  /** Queues come from /v1/queues and from the conversations seen. */
  addQueues(ids) {
    for (const id of ids) if (id) this.knownQueues.add(id);
    this.renderQueues();
  }

  renderQueues() {
    for (const conversation of this.desk.conversations.values()) {
      if (conversation.queue) this.knownQueues.add(conversation.queue);
    }
    const present = new Set([...this.queueSelect.options].map((option) => option.value));
    for (const id of [...this.knownQueues].sort()) {
      if (!present.has(id)) this.queueSelect.append(h("option", { value: id }, this.desk.queueName(id)));
    }
  }
}

// The inbox: conversations matching the chosen view (mine, unassigned, all), status and queue,
// newest activity first. Filtering happens both on the server (the first load) and here (every
// live change), so a conversation appears, moves or leaves the list the moment it changes.

import { clear, formatTime, h } from "../lib/dom.js";

const listLimit = 100;

export class Inbox {
  constructor({ desk, api, onOpen }) {
    this.desk = desk;
    this.api = api;
    this.onOpen = onOpen;
    this.list = document.getElementById("inbox-list");
    this.statusSelect = document.getElementById("filter-status");
    this.queueSelect = document.getElementById("filter-queue");
    this.viewButtons = [...document.querySelectorAll(".inbox-views [data-view]")];
    this.filter = { view: "mine", status: "open", queue: "" };
    this.selectedId = null;
    this.renderQueued = false;
    this.knownQueues = new Set();
    this.bind();
  }

  bind() {
    for (const button of this.viewButtons) {
      button.addEventListener("click", () => this.setView(button.dataset.view));
    }
    this.statusSelect.addEventListener("change", () => this.setFilter({ status: this.statusSelect.value }));
    this.queueSelect.addEventListener("change", () => this.setFilter({ queue: this.queueSelect.value }));
    for (const type of ["conversation", "message", "unread", "customer"]) this.desk.on(type, () => this.scheduleRender());
  }

  setView(view) {
    for (const button of this.viewButtons) button.setAttribute("aria-pressed", String(button.dataset.view === view));
    return this.setFilter({ view });
  }

  async setFilter(change) {
    Object.assign(this.filter, change);
    this.render();
    await this.load();
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

  scheduleRender() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  render() {
    const conversations = this.visible();
    // Live updates rebuild the list; keyboard focus stays on the conversation it was on.
    const focused = document.activeElement && document.activeElement.closest("[data-conversation-id]");
    const focusedId = focused && this.list.contains(focused) ? focused.dataset.conversationId : null;
    clear(this.list);
    if (conversations.length === 0) this.list.append(h("li", { class: "empty" }, "Nothing here right now."));
    for (const conversation of conversations) this.list.append(this.item(conversation));
    if (focusedId) this.buttonFor(focusedId)?.focus();
    this.renderCounts();
    this.renderQueues();
  }

  buttonFor(id) {
    return this.list.querySelector(`[data-conversation-id="${CSS.escape(id)}"] button`);
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

  open(id) {
    this.selectedId = id;
    this.render();
    this.onOpen(id);
  }

  /** j/k: the next or previous conversation in the list as shown. */
  step(delta) {
    const ids = this.visible().map((conversation) => conversation.id);
    if (ids.length === 0) return;
    const index = ids.indexOf(this.selectedId);
    const next = index < 0 ? 0 : Math.min(ids.length - 1, Math.max(0, index + delta));
    this.open(ids[next]);
    this.buttonFor(ids[next])?.scrollIntoView({ block: "nearest" });
  }
}

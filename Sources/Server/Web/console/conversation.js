// One conversation: header with its state and actions, the message history (live), and the
// composer. Messages are keyed by id, so one that arrives both as the answer to our send and
// as a live event (or twice around a reconnect) is shown once. Sends go through the outbox,
// so they survive a dying node and are never doubled.

import { clear, h } from "../lib/dom.js";
import { randomId } from "../lib/ids.js";
import { Composer } from "./composer.js";
import { openNewTicketDialog } from "./new-ticket.js";
import { authorName, entryItem, pendingItem, unconfirmedSends } from "./thread.js";

const messagePageLimit = 500;
const typingIntervalMs = 3000;
/** Channels whose customers read the conversation live; on the others staff messages go out
 * through the channel's gateway, and each shows how that went. */
const liveChannels = new Set(["web", "app"]);
const channelNames = { email: "email", wechat: "WeChat", weibo: "Weibo", messenger: "Messenger", phone: "the phone gateway" };

export class ConversationView {
  /**
   * @param {object} options
   * @param {"agent"|"listen"|"whisper"} [options.mode]  listen is read-only; whisper posts notes only
   */
  constructor({ desk, api, outbox, notify, element, profile, mode = "agent", onAction, onOpenTicket }) {
    this.desk = desk;
    this.api = api;
    this.outbox = outbox;
    this.notify = notify;
    this.element = element;
    this.profile = profile;
    this.mode = mode;
    this.onAction = onAction || (() => {});
    this.onOpenTicket = onOpenTicket || ((id) => location.assign(`../console/#t=${encodeURIComponent(id)}`));
    this.id = null;
    this.messages = new Map();
    /** Message id → its outbox item (how it went out through the channel's gateway). */
    this.deliveries = new Map();
    this.lastTypingAt = 0;
    desk.on("outbox.updated", (event) => this.onDelivery(event.data));
    desk.on("message", (message) => this.onMessage(message));
    desk.on("conversation", ({ conversation, previous }) => {
      if (conversation.id !== this.id) return;
      this.renderHeader();
      if (conversation.customerReadSeq !== previous?.customerReadSeq) this.renderMessages();
    });
    desk.on("agent", () => this.id && this.renderHeader());
    desk.on("ticket", ({ ticket }) => ticket.conversationID === this.id && this.renderHeader());
    desk.on("conversation.typing", (event) => this.onTyping(event));
    desk.on("customer", (customer) => {
      if (customer.id !== this.conversation?.customerID) return;
      this.renderHeader();
      this.renderMessages();
    });
  }

  get conversation() {
    return this.desk.conversations.get(this.id);
  }

  async open(id) {
    this.id = id;
    this.messages = new Map();
    this.deliveries = new Map();
    this.readSent = 0;
    this.desk.markRead(id);
    this.build();
    const opening = id;
    try {
      const conversation = await this.api.get(`/v1/conversations/${encodeURIComponent(id)}`);
      if (this.id !== opening) return;
      this.desk.putConversation(conversation);
      if (this.profile) this.profile.show(conversation.customerID, id);
      else this.desk.fetchMissingCustomers(this.api);
      await this.loadMessages(opening);
    } catch (error) {
      if (this.id === opening) this.notify.error(`Could not open the conversation: ${error.message}`);
    }
  }

  async loadMessages(opening) {
    const messages = await this.api.getAfterSeq(`/v1/conversations/${encodeURIComponent(opening)}/messages`, 0, messagePageLimit);
    if (this.id !== opening) return;
    for (const message of messages) this.messages.set(message.id, message);
    this.renderMessages();
    this.markRead();
    await this.loadDeliveries(opening);
  }

  /** How staff messages went out, for a conversation on a channel that is not live. */
  async loadDeliveries(opening) {
    const channel = this.conversation?.channel;
    if (!channel || liveChannels.has(channel)) return;
    try {
      const answer = await this.api.get(`/v1/conversations/${encodeURIComponent(opening)}/deliveries`);
      if (this.id !== opening) return;
      for (const item of answer.items || []) if (item.messageID) this.deliveries.set(item.messageID, item);
      this.renderMessages();
    } catch {
      // Without the statuses the thread still reads; the next live update fills them in.
    }
  }

  onDelivery(item) {
    if (!item || item.conversationID !== this.id || !item.messageID) return;
    this.deliveries.set(item.messageID, item);
    this.renderMessages();
  }

  /** "Sent to WeChat", "Sending to WeChat…", or why it did not go out. */
  deliveryLine(message) {
    const channel = this.conversation?.channel;
    if (!channel || liveChannels.has(channel) || message.author.type === "customer" || message.internal) return null;
    const where = channelNames[channel] || channel;
    const item = this.deliveries.get(message.id);
    let text = `Sending to ${where}…`;
    let state = "pending";
    if (item?.status === "delivered") [text, state] = [`Sent to ${where}`, "delivered"];
    else if (item?.status === "failed") [text, state] = [`Not delivered to ${where}: ${item.lastError || "failed"}`, "failed"];
    else if (item?.attempts) [text, state] = [`Not delivered yet (${item.attempts} attempts: ${item.lastError || "failed"}); trying again`, "retrying"];
    return h("div", { class: `message-delivery message-delivery--${state}`, dataset: { delivery: state } }, text);
  }

  /** Reloads what a resync may have skipped. */
  async reload() {
    if (this.id) await this.loadMessages(this.id);
  }

  close() {
    this.id = null;
    clear(this.element).append(h("p", { class: "empty" }, "Pick a conversation from the inbox."));
  }

  build() {
    this.header = h("header", { class: "conversation-header" });
    this.log = h("ol", { id: "messages", class: "messages", role: "log", "aria-live": "polite", "aria-label": "Messages" });
    this.typingLine = h("p", { id: "customer-typing", class: "typing-line", "aria-live": "polite" });
    this.composer = this.mode === "listen" ? null : new Composer({
      desk: this.desk, notesOnly: this.mode === "whisper",
      onSubmit: (text, internal) => this.send(text, internal),
      onTyping: () => this.typing(),
    });
    clear(this.element).append(this.header, this.log, this.typingLine,
      this.composer ? this.composer.element : this.listenNotice());
    this.renderHeader();
    this.renderMessages();
  }

  listenNotice() {
    return h("p", { class: "listen-notice", role: "note" }, "Listening: you see this conversation live; nothing you do here reaches the customer.");
  }

  onMessage(message) {
    if (message.conversationID !== this.id) return;
    this.messages.set(message.id, message);
    this.desk.markRead(this.id);
    if (message.author.type === "customer") this.typingLine.textContent = "";
    this.renderMessages();
    this.markRead();
  }

  /** The customer is typing: shown for a few seconds after each signal. */
  onTyping(event) {
    const data = event.data || {};
    if (event.conversationId !== this.id || data.type !== "customer" || !this.typingLine) return;
    this.typingLine.textContent = `${data.name || this.desk.customerName(data.id)} is typing…`;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => { this.typingLine.textContent = ""; }, 6000);
  }

  /** Tells the customer the agent has seen their messages (a supervisor looking on does not count). */
  markRead() {
    if (this.mode !== "agent" || document.hidden || !this.id) return;
    const newest = Math.max(0, ...[...this.messages.values()].map((m) => m.seq));
    if (newest <= Math.max(this.readSent, this.conversation?.staffReadSeq || 0)) return;
    this.readSent = newest;
    this.api.post(`/v1/conversations/${encodeURIComponent(this.id)}/read`, { seq: newest })
      .then((conversation) => this.desk.putConversation(conversation))
      .catch(() => { this.readSent = 0; });
  }

  renderHeader() {
    const conversation = this.conversation;
    if (!conversation || !this.header) return;
    const assignee = conversation.assigneeID ? this.desk.agentName(conversation.assigneeID) : "nobody";
    clear(this.header).append(
      h("div", { class: "conversation-heading" },
        h("h2", { id: "conversation-title" }, this.desk.customerName(conversation.customerID)),
        h("span", { class: "conversation-subject" }, conversation.subject || "(no subject)"),
        h("span", { class: "conversation-meta" },
          h("span", { id: "conversation-status", class: `pill ${conversation.status}` }, conversation.status), " ",
          h("span", { class: `pill ${conversation.priority}` }, conversation.priority), " ",
          `${conversation.channel}`, conversation.queue ? ` · ${this.desk.queueName(conversation.queue)}` : "",
          " · assigned to ", h("span", { id: "conversation-assignee" }, assignee),
          conversation.tags?.length ? ` · ${conversation.tags.join(", ")}` : ""),
        this.linkedTickets()),
      this.mode === "agent" ? this.actions(conversation) : "");
  }

  /** Tickets opened from this conversation, each a button that opens it. */
  linkedTickets() {
    const tickets = this.desk.ticketsOf(this.id);
    if (tickets.length === 0) return null;
    return h("span", { class: "conversation-tickets", id: "conversation-tickets" }, "Tickets: ",
      tickets.map((ticket) => h("button", { type: "button", class: "link", dataset: { ticketId: ticket.id },
        onclick: () => this.onOpenTicket(ticket.id) }, `${ticket.subject} (${ticket.status})`)));
  }

  actions(conversation) {
    const me = this.desk.me.id;
    const buttons = [];
    if (conversation.assigneeID !== me && conversation.status !== "closed") {
      buttons.push(h("button", { type: "button", id: "assign-self", onclick: () => this.assignToMe(), title: "Assign to me (a)" }, "Assign to me"));
    }
    if (conversation.assigneeID === me && conversation.status !== "closed") {
      buttons.push(h("button", { type: "button", id: "transfer", onclick: () => this.openTransfer(), title: "Transfer (t)" }, "Transfer"));
    }
    if (conversation.status === "open" || conversation.status === "pending") {
      buttons.push(h("button", { type: "button", id: "resolve", class: "primary", onclick: () => this.setStatus("resolved"), title: "Resolve (e)" }, "Resolve"));
    }
    if (conversation.status === "resolved") {
      buttons.push(h("button", { type: "button", id: "reopen", onclick: () => this.setStatus("open") }, "Reopen"));
    }
    if (conversation.status === "open") {
      buttons.push(h("button", { type: "button", id: "snooze", onclick: () => this.setStatus("pending"), title: "Waiting on the customer" }, "Pending"));
    }
    if (this.mayCreateTicket(conversation)) {
      buttons.push(h("button", { type: "button", id: "create-ticket", onclick: () => this.createTicket(), title: "Create a ticket (c)" }, "Create ticket"));
    }
    buttons.push(this.prioritySelect(conversation));
    return h("div", { class: "conversation-actions" }, buttons);
  }

  prioritySelect(conversation) {
    const select = h("select", { id: "conversation-priority", "aria-label": "Priority",
      onchange: () => this.update({ priority: select.value }) },
    ["low", "normal", "high", "urgent"].map((level) => h("option", { value: level, selected: level === conversation.priority }, level)));
    return select;
  }

  renderMessages() {
    if (!this.log) return;
    const nearBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
    const ordered = [...this.messages.values()].sort((a, b) => a.seq - b.seq);
    clear(this.log);
    if (ordered.length === 0) this.log.append(h("li", { class: "empty" }, "No messages yet."));
    // "Seen" goes under the newest public staff message the customer has read.
    const readSeq = this.conversation?.customerReadSeq || 0;
    const seenSeq = Math.max(0, ...ordered.filter((m) => m.author.type !== "customer" && !m.internal && m.seq <= readSeq).map((m) => m.seq));
    for (const message of ordered) this.log.append(this.messageItem(message, message.seq === seenSeq));
    const unconfirmed = unconfirmedSends(this.outbox, (item) => item.meta.conversationId === this.id, ordered, this.desk.me.id);
    for (const item of unconfirmed) this.log.append(pendingItem(item, this.outbox, "Internal note"));
    if (nearBottom) this.log.scrollTop = this.log.scrollHeight;
  }

  messageItem(message, seen) {
    const delivery = this.deliveryLine(message);
    const read = seen ? h("div", { class: "message-seen" }, "Seen by the customer") : null;
    return entryItem(message, {
      author: authorName(this.desk, message.author), internalLabel: "Internal note",
      dataset: { messageId: message.id, seq: message.seq },
      footer: delivery || read ? h("div", {}, delivery, read) : null,
    });
  }

  send(text, internal) {
    const path = `/v1/conversations/${encodeURIComponent(this.id)}/messages`;
    try {
      this.outbox.enqueue("POST", path, { text, internal }, { conversationId: this.id });
    } catch (error) {
      this.notify.error(error.message);
    }
    this.renderMessages();
  }

  /** Tells the customer the agent is typing, at most every few seconds. */
  typing() {
    const now = Date.now();
    if (!this.id || now - this.lastTypingAt < typingIntervalMs) return;
    this.lastTypingAt = now;
    this.api.post(`/v1/conversations/${encodeURIComponent(this.id)}/typing`, {}).catch(() => {
      // A lost typing signal is harmless; the next keystrokes send another.
    });
  }

  /** Agents open tickets from the conversations they may change (unassigned or theirs). */
  mayCreateTicket(conversation) {
    const me = this.desk.me;
    return me.role !== "agent" || !conversation.assigneeID || conversation.assigneeID === me.id;
  }

  createTicket() {
    const conversation = this.conversation;
    if (!conversation || this.mode !== "agent" || !this.mayCreateTicket(conversation)) return;
    openNewTicketDialog({
      desk: this.desk, api: this.api, conversation,
      onCreated: (ticket) => {
        this.notify.info(`Ticket created: ${ticket.subject}`);
        this.onOpenTicket(ticket.id);
      },
    });
  }

  assignToMe() {
    this.onAction("assign", this.id);
    return this.update({ assignee: this.desk.me.id });
  }

  setStatus(status) {
    return this.update({ status });
  }

  /**
   * Transfer to a queue (routing finds the next agent) or to a colleague (who is offered it and
   * accepts or declines), with an optional note for whoever takes it over.
   */
  openTransfer() {
    const conversation = this.conversation;
    if (!conversation) return;
    const queue = h("select", { id: "transfer-queue" }, h("option", { value: "" }, "—"),
      [...this.desk.queues.values()].map((each) => h("option", { value: each.id }, each.name)));
    const agent = h("select", { id: "transfer-agent" }, h("option", { value: "" }, "—"),
      [...this.desk.agents.values()].filter((each) => each.id !== this.desk.me.id && each.active !== false)
        .map((each) => h("option", { value: each.id }, `${each.name} (${each.status})`)));
    const note = h("textarea", { id: "transfer-note", rows: 2, placeholder: "What they should know (staff only)" });
    const error = h("p", { class: "form-error", role: "alert" });
    const dialog = h("dialog", { id: "transfer-dialog", "aria-labelledby": "transfer-title" },
      h("form", { method: "dialog", class: "transfer-form" },
        h("h2", { id: "transfer-title" }, "Transfer conversation"),
        h("p", { class: "hint" }, "Choose a queue or a colleague."),
        h("label", { for: "transfer-queue" }, "Queue"), queue,
        h("label", { for: "transfer-agent" }, "Colleague"), agent,
        h("label", { for: "transfer-note" }, "Note"), note, error,
        h("div", { class: "dialog-actions" },
          h("button", { type: "button", onclick: () => dialog.close() }, "Cancel"),
          h("button", { type: "submit", class: "primary", id: "transfer-submit" }, "Transfer"))));
    dialog.querySelector("form").addEventListener("submit", async (event) => {
      event.preventDefault();
      if (Boolean(queue.value) === Boolean(agent.value)) {
        error.textContent = "Choose either a queue or a colleague.";
        return;
      }
      const body = queue.value ? { toQueue: queue.value } : { toAgent: agent.value };
      if (note.value.trim()) body.note = note.value.trim();
      if (await this.post("transfer", body, error)) dialog.close();
    });
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  }

  /** A conversation action (transfer, accept…), retried with one idempotency key. */
  async post(action, body, errorElement) {
    const path = `/v1/conversations/${encodeURIComponent(this.id)}/${action}`;
    const key = randomId();
    try {
      const conversation = await this.api.withRetries(() => this.api.post(path, body, { idempotencyKey: key }));
      if (conversation && conversation.id) this.desk.putConversation(conversation);
      return true;
    } catch (error) {
      errorElement.textContent = `Could not ${action}: ${error.message}`;
      return false;
    }
  }

  /** A conversation change, retried with one idempotency key while the cluster is moving. */
  async update(change, errorElement) {
    const path = `/v1/conversations/${encodeURIComponent(this.id)}`;
    const key = randomId();
    try {
      const conversation = await this.api.withRetries(() => this.api.patch(path, change, { idempotencyKey: key }));
      this.desk.putConversation(conversation);
      return true;
    } catch (error) {
      const text = `Could not update the conversation: ${error.message}`;
      if (errorElement) errorElement.textContent = text;
      else this.notify.error(text);
      return false;
    }
  }
}

// The chat widget a customer sees on a business's web site.
//
// The customer gets their own scoped session (POST /v1/widget/sessions with the widget's public
// key), never a staff token. The visitor id, token and open conversation are kept in the host
// page's localStorage, so a reload picks the chat up where it was; sends go through an outbox
// with idempotency keys that is kept there too, so nothing typed is lost or sent twice.

import { Api, ApiError } from "../lib/api.js";
import { clear, formatTime, h } from "../lib/dom.js";
import { randomId } from "../lib/ids.js";
import { LiveEvents } from "../lib/live.js";
import { Outbox } from "../lib/outbox.js";

const typingIntervalMs = 3000;
const typingShownMs = 6000;
const messagePageLimit = 500;

export function mountWidget(root, options) {
  return new ChatWidget(root, options);
}

class ChatWidget {
  constructor(root, { origin, widgetKey }) {
    this.root = root;
    this.origin = origin;
    this.widgetKey = widgetKey;
    this.storageKey = `switchboard.widget.${widgetKey}`;
    this.saved = this.load();
    this.api = new Api({ base: origin, token: () => this.saved.token || null, onUnauthorized: () => this.renewSession() });
    // Sessions are opened without a token: a stale one must not make a refusal look like expiry.
    this.sessionApi = new Api({ base: origin, token: () => null });
    this.outbox = new Outbox({
      api: this.api, storageKey: `${this.storageKey}.outbox`,
      onSent: (item, message) => this.addMessage(message),
      onChange: () => this.renderMessages(),
    });
    this.messages = new Map();
    // Names of agents learned from their typing signals, kept so a reload still shows them.
    this.agentNames = new Map(Object.entries(this.saved.agentNames || {}));
    this.agentReadSeq = 0;
    this.unread = 0;
    this.lastTypingSentAt = 0;
    this.build();
    this.setOpen(Boolean(this.saved.open));
    if (this.saved.conversationId) this.resume();
    else this.showPrechat();
  }

  // MARK: stored state

  load() {
    try {
      return JSON.parse(localStorage.getItem(this.storageKey) || "{}");
    } catch {
      return {};
    }
  }

  save(change) {
    Object.assign(this.saved, change);
    try {
      localStorage.setItem(this.storageKey, JSON.stringify(this.saved));
    } catch {
      // Private browsing may refuse storage; the chat still works until the page closes.
    }
  }

  // MARK: frame

  build() {
    this.root.append(h("link", { rel: "stylesheet", href: `${this.origin}/widget/widget.css` }));
    this.badge = h("span", { class: "badge", hidden: true, "aria-live": "polite" });
    this.launcher = h("button", {
      type: "button", class: "launcher", "aria-label": "Chat with us", "aria-expanded": "false",
      "aria-controls": "switchboard-chat", onclick: () => this.setOpen(!this.isOpen),
    }, chatIcon(), this.badge);
    this.title = h("h2", { id: "chat-title" }, "Chat with us");
    this.statusLine = h("p", { class: "status-line", role: "status" });
    this.body = h("div", { class: "body" });
    this.panel = h("section", { id: "switchboard-chat", class: "panel", role: "dialog", "aria-labelledby": "chat-title", hidden: true },
      h("header", {}, h("div", {}, this.title, this.statusLine),
        h("button", { type: "button", class: "close", "aria-label": "Close the chat", onclick: () => this.setOpen(false) }, "×")),
      this.body);
    this.panel.addEventListener("keydown", (event) => event.key === "Escape" && this.setOpen(false));
    this.root.append(this.launcher, this.panel);
  }

  get isOpen() {
    return !this.panel.hidden;
  }

  setOpen(open) {
    this.panel.hidden = !open;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.launcher.classList.toggle("open", open);
    this.save({ open });
    if (!open) return this.launcher.focus({ preventScroll: true });
    this.unread = 0;
    this.renderBadge();
    this.markRead();
    const field = this.panel.querySelector("input, textarea");
    if (field) field.focus();
  }

  setStatus(text) {
    this.statusLine.textContent = text;
  }

  // MARK: session

  /** Opens a session; the first one gets a visitor id from the server, kept to come back as the same customer. */
  async session(details = {}) {
    const body = { widgetKey: this.widgetKey, ...details };
    if (this.saved.visitorId) body.visitorId = this.saved.visitorId;
    const answer = await this.sessionApi.withRetries(() => this.sessionApi.post("/v1/widget/sessions", body));
    this.save({ token: answer.token, expiresAt: answer.expiresAt, customerId: answer.customerId, visitorId: answer.visitorId });
    this.widget = answer.widget || {};
    this.save({ widgetName: this.widget.name, greeting: this.widget.greeting });
    this.title.textContent = this.widget.name || "Chat with us";
    return answer;
  }

  /** A session token expired or was revoked: the same visitor id gets the same customer back. */
  renewSession() {
    if (this.renewing) return this.renewing;
    this.save({ token: null });
    this.renewing = this.session({})
      .then(() => this.outbox.nudge())
      .catch((error) => {
        if (error.status === 401) this.setStatus("This chat is no longer available.");
      })
      .finally(() => { this.renewing = null; });
    return this.renewing;
  }

  // MARK: pre-chat form

  showPrechat(error) {
    const name = h("input", { id: "prechat-name", name: "name", autocomplete: "name", required: true, value: this.saved.name || "" });
    const email = h("input", { id: "prechat-email", name: "email", type: "email", autocomplete: "email", required: true, value: this.saved.email || "" });
    const topic = h("input", { id: "prechat-topic", name: "topic", maxlength: 200 });
    const problem = h("p", { class: "error", role: "alert" }, error || "");
    const submit = h("button", { type: "submit", class: "primary" }, "Start chat");
    const form = h("form", { class: "prechat", id: "prechat" },
      h("p", {}, "Tell us who you are and we will be right with you."),
      h("label", { for: "prechat-name" }, "Name"), name,
      h("label", { for: "prechat-email" }, "Email"), email,
      h("label", { for: "prechat-topic" }, "What is it about? (optional)"), topic,
      problem, submit);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      submit.disabled = true;
      problem.textContent = "";
      try {
        await this.startConversation(name.value.trim(), email.value.trim(), topic.value.trim());
      } catch (failure) {
        problem.textContent = describe(failure);
        submit.disabled = false;
      }
    });
    clear(this.body).append(form);
    this.setStatus("");
    if (this.isOpen) name.focus();
  }

  async startConversation(name, email, topic) {
    this.save({ name, email });
    await this.session({ name, email });
    // One key for this start, so a retry after a lost answer opens one conversation, not two.
    const key = randomId();
    const body = topic ? { subject: topic } : {};
    const conversation = await this.api.withRetries(() => this.api.post("/v1/conversations", body, { idempotencyKey: key }));
    this.save({ conversationId: conversation.id, rated: false });
    await this.enterChat(conversation);
  }

  // MARK: chat

  async resume() {
    try {
      if (!this.saved.token || (this.saved.expiresAt && this.saved.expiresAt * 1000 < Date.now())) await this.session({});
      else this.title.textContent = this.saved.widgetName || "Chat with us";
      const conversation = await this.api.get(`/v1/conversations/${encodeURIComponent(this.saved.conversationId)}`);
      await this.enterChat(conversation);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.save({ conversationId: null });
        return this.showPrechat();
      }
      this.setStatus("Cannot reach the chat right now; retrying…");
      setTimeout(() => this.resume(), 3000);
    }
  }

  async enterChat(conversation) {
    this.conversation = conversation;
    this.agentReadSeq = conversation.staffReadSeq || 0;
    this.buildChat();
    this.live?.stop();
    this.live = new LiveEvents({
      api: this.api,
      onEvent: (event) => this.onEvent(event),
      onResync: () => this.loadMessages(),
      onStatus: (status) => this.onLiveStatus(status),
      onRevoked: () => this.renewSession().then(() => this.live.start(this.live.lastSeq)),
    });
    const seq = await this.live.currentSeq();
    await this.loadMessages();
    this.live.start(seq);
    this.outbox.pump();
    if (isFinished(conversation)) this.showRating();
  }

  buildChat() {
    this.log = h("ol", { class: "messages", id: "chat-messages", role: "log", "aria-live": "polite", "aria-label": "Messages" });
    this.typingLine = h("p", { class: "typing", id: "chat-typing", "aria-live": "polite" });
    this.text = h("textarea", { id: "chat-text", rows: 2, "aria-label": "Your message", placeholder: "Write a message…",
      onkeydown: (event) => this.onKeyDown(event), oninput: () => this.sendTyping() });
    this.composer = h("form", { class: "composer", id: "chat-composer", onsubmit: (event) => this.submit(event) },
      this.text, h("button", { type: "submit", class: "primary", id: "chat-send" }, "Send"));
    this.ending = h("div", { class: "ending", id: "chat-ending", hidden: true });
    clear(this.body).append(this.log, this.typingLine, this.ending, this.composer);
    this.messages = new Map();
    this.renderMessages();
  }

  async loadMessages() {
    const id = encodeURIComponent(this.conversation.id);
    let after = 0;
    for (;;) {
      const page = await this.api.get(`/v1/conversations/${id}/messages?after=${after}&limit=${messagePageLimit}`);
      for (const message of page.items) this.messages.set(message.id, message);
      if (page.items.length < messagePageLimit) break;
      after = page.items[page.items.length - 1].seq;
    }
    this.renderMessages();
    this.markRead();
  }

  onEvent(event) {
    if (event.conversationId && event.conversationId !== this.conversation.id) return;
    const data = event.data || {};
    switch (event.type) {
      case "message.created":
        return this.addMessage(data);
      case "conversation.updated":
      case "conversation.read":
        return this.updateConversation(data);
      case "conversation.typing":
        // Typists get their own signal back; only the agent's is shown.
        return data.type === "agent" && this.showTyping(data);
      default:
    }
  }

  updateConversation(conversation) {
    const wasFinished = isFinished(this.conversation);
    this.conversation = conversation;
    if ((conversation.staffReadSeq || 0) > this.agentReadSeq) {
      this.agentReadSeq = conversation.staffReadSeq;
      this.renderMessages();
    }
    if (isFinished(conversation) && !wasFinished) this.showRating();
    else if (!isFinished(conversation) && wasFinished) this.hideEnding();
  }

  onLiveStatus({ state }) {
    if (state === "live") {
      this.setStatus("We reply as soon as we can.");
      this.outbox.nudge();
    } else if (state === "connecting") {
      this.setStatus("Connecting…");
    } else {
      this.setStatus("Reconnecting… your messages will be sent when the connection is back.");
    }
  }

  addMessage(message) {
    if (!message || !message.id || message.internal) return;
    const isNew = !this.messages.has(message.id);
    this.messages.set(message.id, message);
    if (isNew && message.author.type !== "customer") {
      this.hideTyping();
      if (!this.isOpen || document.hidden) {
        this.unread += 1;
        this.renderBadge();
      }
    }
    this.renderMessages();
    this.markRead();
  }

  renderMessages() {
    if (!this.log) return;
    const ordered = [...this.messages.values()].sort((a, b) => a.seq - b.seq);
    const seenSeq = Math.max(0, ...ordered.filter((m) => m.author.type === "customer" && m.seq <= this.agentReadSeq).map((m) => m.seq));
    clear(this.log);
    const greeting = this.saved.greeting;
    if (greeting) this.log.append(h("li", { class: "message from-agent greeting" }, h("div", { class: "text" }, greeting)));
    for (const message of ordered) this.log.append(this.messageItem(message, message.seq === seenSeq));
    for (const item of this.unconfirmed(ordered)) this.log.append(this.pendingItem(item));
    this.log.scrollTop = this.log.scrollHeight;
  }

  messageItem(message, seen) {
    const mine = message.author.type === "customer";
    return h("li", { class: `message ${mine ? "from-me" : "from-agent"}`, dataset: { messageId: message.id } },
      mine ? null : h("div", { class: "author" }, this.agentNames.get(message.author.id) || this.saved.widgetName || "Support"),
      h("div", { class: "text" }, message.text),
      h("div", { class: "meta" }, h("time", {}, formatTime(message.createdAt)), seen ? h("span", { class: "seen" }, " · Seen") : null));
  }

  /** Queued sends not yet shown as a message (the live event may beat the HTTP answer). */
  unconfirmed(ordered) {
    const claimed = new Set();
    return this.outbox.pending((item) => item.meta.conversationId === this.conversation?.id).filter((item) => {
      const match = ordered.find((message) => !claimed.has(message.id) && message.author.type === "customer"
        && message.text === item.body.text && message.createdAt >= item.queuedAt - 60000);
      if (match) claimed.add(match.id);
      return !match;
    });
  }

  pendingItem(item) {
    const failed = item.state === "failed";
    return h("li", { class: "message from-me pending", dataset: { pendingKey: item.key } },
      h("div", { class: "text" }, item.body.text),
      h("div", { class: "meta", role: failed ? "alert" : null }, failed ? `Not sent: ${item.error} ` : "Sending…",
        failed ? h("button", { type: "button", class: "link", onclick: () => this.outbox.retry(item.key) }, "Retry") : null));
  }

  onKeyDown(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.composer.requestSubmit();
    }
  }

  submit(event) {
    event.preventDefault();
    const text = this.text.value.trim();
    if (!text) return;
    const path = `/v1/conversations/${encodeURIComponent(this.conversation.id)}/messages`;
    this.outbox.enqueue("POST", path, { text }, { conversationId: this.conversation.id });
    this.text.value = "";
    this.renderMessages();
  }

  sendTyping() {
    const now = Date.now();
    if (now - this.lastTypingSentAt < typingIntervalMs) return;
    this.lastTypingSentAt = now;
    this.api.post(`/v1/conversations/${encodeURIComponent(this.conversation.id)}/typing`, {}).catch(() => {});
  }

  /** Tells the agent what the customer has seen: the newest message while the chat is open. */
  markRead() {
    if (!this.isOpen || document.hidden || !this.conversation) return;
    const newest = Math.max(0, ...[...this.messages.values()].map((message) => message.seq));
    if (newest <= (this.readSent || 0)) return;
    if (newest <= (this.conversation.customerReadSeq || 0)) return;
    this.readSent = newest;
    this.api.post(`/v1/conversations/${encodeURIComponent(this.conversation.id)}/read`, { seq: newest }).catch(() => {
      this.readSent = 0;
    });
  }

  showTyping(data) {
    if (data.id && data.name && this.agentNames.get(data.id) !== data.name) {
      this.agentNames.set(data.id, data.name);
      this.save({ agentNames: Object.fromEntries(this.agentNames) });
      this.renderMessages();
    }
    this.typingLine.textContent = `${data.name || "Support"} is typing…`;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.hideTyping(), typingShownMs);
  }

  hideTyping() {
    if (this.typingLine) this.typingLine.textContent = "";
  }

  renderBadge() {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = String(this.unread);
    this.badge.setAttribute("aria-label", `${this.unread} new messages`);
  }

  // MARK: the end: rating and a new conversation

  showRating() {
    this.composer.hidden = true;
    this.ending.hidden = false;
    if (this.saved.rated) return this.showThanks();
    const stars = [1, 2, 3, 4, 5].map((score) => h("button", {
      type: "button", class: "star", dataset: { score }, "aria-label": `${score} of 5`,
      onclick: () => this.rate(score, comment.value.trim()),
    }, "★"));
    const comment = h("textarea", { id: "rating-comment", rows: 2, "aria-label": "Anything to add? (optional)", placeholder: "Anything to add? (optional)" });
    clear(this.ending).append(
      h("p", { id: "rating-question" }, "This conversation has ended. How did we do?"),
      h("div", { class: "stars", role: "group", "aria-labelledby": "rating-question" }, stars),
      comment, h("p", { class: "error", role: "alert" }));
  }

  async rate(score, comment) {
    const path = `/v1/conversations/${encodeURIComponent(this.conversation.id)}/rating`;
    const body = comment ? { score, comment } : { score };
    try {
      await this.api.withRetries(() => this.api.post(path, body, { idempotencyKey: `rating-${this.conversation.id}` }));
      this.save({ rated: true });
      this.showThanks();
    } catch (error) {
      // Nodes that do not take ratings from visitors answer 404 (no such route) or 403.
      const unavailable = (error.status === 404 && error.code !== "not_found") || error.status === 403;
      this.ending.querySelector(".error").textContent = unavailable ? "Ratings cannot be recorded right now." : describe(error);
    }
  }

  showThanks() {
    clear(this.ending).append(
      h("p", { id: "rating-thanks" }, "Thank you! Your conversation has ended."),
      h("button", { type: "button", class: "primary", id: "chat-new", onclick: () => this.startOver() }, "Start a new conversation"));
  }

  hideEnding() {
    this.ending.hidden = true;
    this.composer.hidden = false;
  }

  startOver() {
    this.live?.stop();
    this.save({ conversationId: null, rated: false });
    this.conversation = null;
    this.log = null;
    this.showPrechat();
  }
}

/** A speech bubble drawn inline, so it shows without any icon font on the host page. */
function chatIcon() {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "launcher-icon");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
  svg.append(path);
  return svg;
}

function isFinished(conversation) {
  return conversation.status === "resolved" || conversation.status === "closed";
}

function describe(error) {
  if (error instanceof ApiError && error.status === 0) return "We cannot reach the chat right now. Please try again.";
  if (error instanceof ApiError && error.status === 404) return "This chat is not available (unknown widget key).";
  return error.message || "Something went wrong.";
}

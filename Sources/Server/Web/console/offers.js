// Offers: routing (or a colleague's transfer) offers a conversation to this agent, who accepts
// or declines before the offer expires. Offers sit above the inbox with a countdown, and a
// notification says one arrived, so none expires unseen.

import { clear, formatDuration, h } from "../lib/dom.js";
import { randomId } from "../lib/ids.js";

export class OfferTray {
  constructor({ desk, api, notify, element, onAccepted }) {
    this.desk = desk;
    this.api = api;
    this.notify = notify;
    this.element = element;
    this.onAccepted = onAccepted;
    desk.on("conversation", ({ conversation, previous }) => this.onConversation(conversation, previous));
    setInterval(() => this.tick(), 1000);
  }

  mine(conversation) {
    return conversation.offer && conversation.offer.agentID === this.desk.me.id && conversation.offer.expiresAt > Date.now();
  }

  onConversation(conversation, previous) {
    const isNew = this.mine(conversation) && !(previous && previous.offer && previous.offer.agentID === this.desk.me.id
      && previous.offer.offeredAt === conversation.offer.offeredAt);
    if (isNew && this.live) {
      this.notify.info(`Conversation offered to you: ${this.desk.customerName(conversation.customerID)}`,
        { label: "Accept", run: () => this.answer(conversation.id, true) });
    }
    this.render();
  }

  /** Offers seen while loading are shown but not announced; from now on new ones are. */
  announceFromNow() {
    this.live = true;
  }

  offers() {
    return [...this.desk.conversations.values()].filter((conversation) => this.mine(conversation))
      .sort((a, b) => a.offer.expiresAt - b.offer.expiresAt);
  }

  render() {
    const offers = this.offers();
    clear(this.element);
    this.element.hidden = offers.length === 0;
    for (const conversation of offers) {
      this.element.append(h("div", { class: "offer", dataset: { conversationId: conversation.id }, role: "group",
        "aria-label": `Offer: ${this.desk.customerName(conversation.customerID)}` },
      h("div", { class: "offer-text" },
        h("strong", {}, this.desk.customerName(conversation.customerID)), " ",
        h("span", {}, conversation.subject || "(no subject)"),
        h("span", { class: "offer-countdown", dataset: { expiresAt: conversation.offer.expiresAt } }, this.remaining(conversation.offer.expiresAt))),
      h("div", { class: "offer-actions" },
        h("button", { type: "button", class: "primary accept", onclick: () => this.answer(conversation.id, true) }, "Accept"),
        h("button", { type: "button", class: "decline", onclick: () => this.answer(conversation.id, false) }, "Decline"))));
    }
  }

  remaining(expiresAt) {
    return ` · ${formatDuration(Math.max(0, expiresAt - Date.now()))} left`;
  }

  tick() {
    let expired = false;
    for (const countdown of this.element.querySelectorAll("[data-expires-at]")) {
      const expiresAt = Number(countdown.dataset.expiresAt);
      countdown.textContent = this.remaining(expiresAt);
      expired ||= expiresAt <= Date.now();
    }
    if (expired) this.render();
  }

  /** Accepts (then opens) or declines the oldest offer, for the keyboard. */
  answerFirst(accept) {
    const first = this.offers()[0];
    if (first) this.answer(first.id, accept);
  }

  async answer(conversationId, accept) {
    const path = `/v1/conversations/${encodeURIComponent(conversationId)}/${accept ? "accept" : "decline"}`;
    const key = randomId();
    try {
      if (accept) this.onAccepted(conversationId, "before");
      const conversation = await this.api.withRetries(() => this.api.post(path, {}, { idempotencyKey: key }));
      if (conversation && conversation.id) this.desk.putConversation(conversation);
      if (accept) this.onAccepted(conversationId, "after");
    } catch (error) {
      this.notify.error(`Could not ${accept ? "accept" : "decline"}: ${error.message}`);
    }
  }
}

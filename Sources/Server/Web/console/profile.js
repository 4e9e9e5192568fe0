// The customer side panel: who they are and their other conversations, so an agent sees the
// history without leaving the conversation.

import { clear, formatTime, h } from "../lib/dom.js";

const historyLimit = 20;

export class ProfilePanel {
  constructor({ desk, api, element, onOpen }) {
    this.desk = desk;
    this.api = api;
    this.element = element;
    this.onOpen = onOpen;
    this.customerId = null;
    this.history = [];
    desk.on("customer", (customer) => customer.id === this.customerId && this.render());
    desk.on("conversation", ({ conversation }) => {
      if (conversation.customerID !== this.customerId) return;
      this.history = [conversation, ...this.history.filter((each) => each.id !== conversation.id)];
      this.render();
    });
  }

  async show(customerId, currentConversationId) {
    this.customerId = customerId;
    this.currentConversationId = currentConversationId;
    this.history = [];
    this.render();
    try {
      const [customer, history] = await Promise.all([
        this.api.get(`/v1/customers/${encodeURIComponent(customerId)}`),
        this.api.get(`/v1/conversations?customer=${encodeURIComponent(customerId)}&limit=${historyLimit}`),
      ]);
      if (this.customerId !== customerId) return;
      this.history = history.items;
      this.desk.putCustomer(customer);
    } catch (error) {
      if (this.customerId === customerId) this.element.append(h("p", { class: "form-error" }, `Profile unavailable: ${error.message}`));
    }
  }

  render() {
    const customer = this.desk.customers.get(this.customerId);
    clear(this.element);
    if (!customer) return;
    this.element.append(
      h("h2", { id: "profile-name" }, customer.name, customer.tier === "vip" ? h("span", { class: "pill urgent" }, "VIP") : null),
      h("dl", { class: "profile-facts" },
        fact("Email", customer.email, "profile-email"),
        fact("Phone", customer.phone),
        fact("Language", customer.language),
        Object.entries(customer.externalIDs || {}).map(([channel, id]) => fact(`${channel} id`, id)),
        Object.entries(customer.attributes || {}).map(([name, value]) => fact(name, value)),
        fact("Customer since", formatTime(customer.createdAt))),
      h("h3", {}, "Conversations"),
      h("ul", { id: "customer-history", class: "history" }, this.history.map((conversation) => this.historyItem(conversation))));
  }

  historyItem(conversation) {
    const current = conversation.id === this.currentConversationId;
    return h("li", { dataset: { conversationId: conversation.id } },
      h("button", { type: "button", "aria-current": current ? "true" : false, onclick: () => this.onOpen(conversation.id) },
        h("span", { class: `pill ${conversation.status}` }, conversation.status), " ",
        conversation.subject || "(no subject)", " ",
        h("time", {}, formatTime(conversation.createdAt))));
  }
}

function fact(name, value, id) {
  if (!value) return null;
  return [h("dt", {}, name), h("dd", { id }, value)];
}

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
    this.editing = false;
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
    if (this.editing) return this.element.append(this.editForm(customer));
    this.element.append(
      h("h2", { id: "profile-name" }, customer.name, customer.tier === "vip" ? h("span", { class: "pill urgent" }, "VIP") : null),
      h("button", { type: "button", id: "profile-edit", class: "profile-edit", onclick: () => { this.editing = true; this.render(); } }, "Edit"),
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

  /** Name, email, phone and tier: what agents most often correct during a conversation. */
  editForm(customer) {
    const field = (name, label, type = "text") => {
      const input = h("input", { id: `profile-${name}-input`, name, type });
      input.value = customer[name] || "";
      return [h("label", { for: input.id }, label), input];
    };
    const tier = h("select", { id: "profile-tier-input", name: "tier" },
      ["standard", "vip"].map((value) => h("option", { value, selected: customer.tier === value }, value)));
    const error = h("p", { class: "form-error", role: "alert" });
    const form = h("form", { class: "profile-form", id: "profile-form" },
      field("name", "Name"), field("email", "Email", "email"), field("phone", "Phone", "tel"),
      h("label", { for: "profile-tier-input" }, "Tier"), tier, error,
      h("div", { class: "dialog-actions" },
        h("button", { type: "button", onclick: () => { this.editing = false; this.render(); } }, "Cancel"),
        h("button", { type: "submit", class: "primary" }, "Save")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const values = Object.fromEntries(new FormData(form));
      const change = { name: values.name.trim(), tier: values.tier };
      // Empty contact fields are cleared (null), not sent as empty strings.
      for (const name of ["email", "phone"]) change[name] = values[name].trim() || null;
      try {
        const updated = await this.api.patch(`/v1/customers/${encodeURIComponent(customer.id)}`, change);
        this.editing = false;
        this.desk.putCustomer(updated);
      } catch (failure) {
        error.textContent = failure.message;
      }
    });
    return form;
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

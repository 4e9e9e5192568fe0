// Channels: where each channel's customer notifications are delivered (a webhook of the
// business's own gateway), and the notifications that are not delivered yet or failed. A new
// webhook's signing secret is shown once, right after it is made.

import { clear, h } from "../lib/dom.js";
import { randomId } from "../lib/ids.js";

const channels = ["web", "app", "email", "wechat", "weibo", "messenger", "phone"];
const undeliveredShown = 50;

export class ChannelsSection {
  constructor({ api, notify }) {
    Object.assign(this, { api, notify });
    this.id = "channels";
    this.title = "Channels";
    this.webhooks = [];
    this.undelivered = [];
    this.secret = null;
    this.element = h("section", { id: "section-channels", class: "admin-section", "aria-labelledby": "channels-heading" });
  }

  async load() {
    const [webhooks, pending, failed] = await Promise.all([
      this.api.get("/v1/channels/webhooks"),
      this.api.get(`/v1/outbox?status=pending&limit=${undeliveredShown}`),
      this.api.get(`/v1/outbox?status=failed&limit=${undeliveredShown}`),
    ]);
    this.webhooks = webhooks.items || [];
    this.undelivered = [...(failed.items || []), ...(pending.items || [])];
    this.render();
  }

  render() {
    // Element.append draws a null as the text "null": children that may be absent are filtered.
    clear(this.element).append(...[
      h("h2", { id: "channels-heading" }, this.title),
      h("p", {}, "What reaches customers on each channel (staff messages in conversations that are not live, public ticket replies, solved tickets) is posted to its webhook, signed with its secret."),
      this.secretNotice(),
      h("table", { class: "grid", id: "channels-table" },
        h("thead", {}, h("tr", {}, ["Channel", "Webhook", "Since"].map((label) => h("th", { scope: "col" }, label)),
          h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
        h("tbody", {}, channels.map((channel) => this.row(channel)))),
      this.form(),
      h("h3", {}, "Not delivered"),
      this.undeliveredTable(),
    ].filter(Boolean));
  }

  secretNotice() {
    if (!this.secret) return null;
    return h("div", { class: "embed", id: "webhook-secret", role: "status" },
      h("p", {}, `Signing secret of the ${this.secret.channel} webhook, shown only now: keep it in the gateway to check X-Switchboard-Signature.`),
      h("code", {}, this.secret.value));
  }

  row(channel) {
    const webhook = this.webhooks.find((each) => each.channel === channel);
    return h("tr", { dataset: { channel } },
      h("td", {}, channel),
      h("td", {}, webhook ? webhook.url : "— (notifications wait)"),
      h("td", {}, webhook ? new Date(webhook.updatedAt).toLocaleString() : "—"),
      h("td", { class: "row-actions" }, webhook ? [
        h("button", { type: "button", class: "rotate", onclick: () => this.save(channel, webhook.url, true), "aria-label": `New secret for ${channel}` }, "New secret"),
        h("button", { type: "button", class: "danger delete", onclick: () => this.remove(channel), "aria-label": `Remove the ${channel} webhook` }, "Remove"),
      ] : null));
  }

  form() {
    const error = h("p", { class: "form-error", role: "alert" });
    const channel = h("select", { id: "channels-channel", name: "channel" }, channels.map((each) => h("option", { value: each }, each)));
    const url = h("input", { id: "channels-url", name: "url", type: "url", required: true, placeholder: "https://gateway.example.com/switchboard" });
    const form = h("form", { class: "admin-form", id: "channels-form" },
      h("h3", {}, "Set a webhook"),
      h("div", { class: "field" }, h("label", { for: "channels-channel" }, "Channel"), channel),
      h("div", { class: "field" }, h("label", { for: "channels-url" }, "URL"), url,
        h("small", {}, "http:// or https://; it gets a POST per notification and must answer 2xx.")),
      error,
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" }, "Save")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      try {
        await this.save(channel.value, url.value.trim(), false);
      } catch (failure) {
        error.textContent = failure.message;
      }
    });
    return form;
  }

  async save(channel, url, rotateSecret) {
    const answer = await this.api.put(`/v1/channels/${channel}/webhook`, rotateSecret ? { url, rotateSecret } : { url },
      { idempotencyKey: randomId() });
    this.secret = answer.secret ? { channel, value: answer.secret } : null;
    this.notify.info("Saved.");
    await this.load();
  }

  async remove(channel) {
    if (!confirm(`Stop delivering ${channel} notifications? They wait until a webhook is set again.`)) return;
    try {
      await this.api.delete(`/v1/channels/${channel}/webhook`);
      this.secret = null;
      await this.load();
    } catch (error) {
      this.notify.error(error.message);
    }
  }

  undeliveredTable() {
    if (!this.undelivered.length) return h("p", { class: "empty" }, "Every notification was delivered.");
    return h("table", { class: "grid", id: "undelivered-table" },
      h("thead", {}, h("tr", {}, ["Notification", "Channel", "Ticket or conversation", "Status", "Attempts", "Last error", "Next attempt"]
        .map((label) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, this.undelivered.map((item) => h("tr", { dataset: { id: item.id } },
        h("td", {}, `${item.kind}: ${item.text}`),
        h("td", {}, item.channel),
        h("td", {}, item.ticketID || item.conversationID || "—"),
        h("td", {}, item.status),
        h("td", {}, String(item.attempts || 0)),
        h("td", {}, item.lastError || "—"),
        h("td", {}, item.nextAttemptAt ? new Date(item.nextAttemptAt).toLocaleString() : "—")))));
  }
}

// A ticket from a conversation: when a request needs more than the chat (a refund to approve,
// a fault to investigate), the agent opens a ticket that keeps the link to the conversation
// and its customer, and follows SLA targets from then on.

import { h } from "../lib/dom.js";
import { randomId } from "../lib/ids.js";

/**
 * Shows the dialog; `onCreated(ticket)` runs once the cluster has the ticket.
 * @param {object} options
 * @param {import("./desk.js").Desk} options.desk
 * @param {import("../lib/api.js").Api} options.api
 * @param {object} options.conversation
 */
export function openNewTicketDialog({ desk, api, conversation, onCreated }) {
  const subject = h("input", { id: "new-ticket-subject", required: true, maxlength: 1000 });
  subject.value = conversation.subject || "";
  const description = h("textarea", { id: "new-ticket-description", rows: 3, placeholder: "What needs to happen (the customer does not see this)" });
  const priority = h("select", { id: "new-ticket-priority" },
    ["low", "normal", "high", "urgent"].map((level) => h("option", { value: level, selected: level === conversation.priority }, level)));
  const type = h("select", { id: "new-ticket-type" },
    ["question", "incident", "problem", "task"].map((kind) => h("option", { value: kind }, kind)));
  const policies = [...desk.slaPolicies.values()];
  const standard = policies.find((policy) => policy.isDefault);
  // With a default policy, "None" sends `"slaPolicy": null` (no policy at all).
  const none = standard ? h("option", { value: "" }, "None") : null;
  const policy = h("select", { id: "new-ticket-policy" },
    h("option", { value: "" }, standard ? `Default (${standard.name})` : "None (no default policy)"),
    policies.filter((each) => each !== standard).map((each) => h("option", { value: each.id }, each.name)),
    none);
  const team = h("select", { id: "new-ticket-team" }, h("option", { value: "" }, "—"),
    [...desk.teams.values()].map((each) => h("option", { value: each.id, selected: each.id === conversation.teamID }, each.name)));
  const assign = h("input", { id: "new-ticket-assign", type: "checkbox", checked: true });
  const error = h("p", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary", id: "new-ticket-submit" }, "Create ticket");
  const dialog = h("dialog", { id: "new-ticket-dialog", "aria-labelledby": "new-ticket-title" },
    h("form", { method: "dialog", class: "transfer-form" },
      h("h2", { id: "new-ticket-title" }, "Create a ticket"),
      h("p", { class: "hint" }, `For ${desk.customerName(conversation.customerID)}; the ticket links back to this conversation.`),
      h("label", { for: "new-ticket-subject" }, "Subject"), subject,
      h("label", { for: "new-ticket-description" }, "Description"), description,
      h("div", { class: "dialog-row" },
        h("div", { class: "field" }, h("label", { for: "new-ticket-priority" }, "Priority"), priority),
        h("div", { class: "field" }, h("label", { for: "new-ticket-type" }, "Type"), type)),
      h("label", { for: "new-ticket-policy" }, "SLA policy"), policy,
      h("label", { for: "new-ticket-team" }, "Team"), team,
      h("label", { class: "checkbox-line" }, assign, " Assign to me"),
      error,
      h("div", { class: "dialog-actions" },
        h("button", { type: "button", onclick: () => dialog.close() }, "Cancel"),
        submit)));
  // One key for every try of this form, so a retry after a lost answer creates no second
  // ticket; a refusal (a 4xx) gets a fresh key, so the corrected form is not answered from it.
  let key = randomId();
  dialog.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { subject: subject.value.trim(), priority: priority.value, type: type.value };
    if (description.value.trim()) body.description = description.value.trim();
    if (none && policy.selectedOptions[0] === none) body.slaPolicy = null;
    else if (policy.value) body.slaPolicy = policy.value;
    if (team.value) body.team = team.value;
    if (assign.checked) body.assignee = desk.me.id;
    submit.disabled = true;
    error.textContent = "";
    try {
      const path = `/v1/conversations/${encodeURIComponent(conversation.id)}/ticket`;
      const ticket = await api.withRetries(() => api.post(path, body, { idempotencyKey: key }));
      desk.putTicket(ticket);
      dialog.close();
      onCreated(ticket);
    } catch (failure) {
      error.textContent = `Could not create the ticket: ${failure.message}`;
      if (!failure.transient) key = randomId();
    } finally {
      submit.disabled = false;
    }
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  subject.focus();
}

// One ticket: subject, requester, status (only the moves the API allows), priority and
// assignee, the SLA countdowns, public replies and internal comments (live, sent through the
// outbox like messages), and beside it the details, the watchers and the history.

import { clear, formatTime, h } from "../lib/dom.js";
import { randomId } from "../lib/ids.js";
import { Composer } from "./composer.js";
import { slaPanel } from "./sla.js";
import { statusLabels } from "./tickets.js";
import { authorName, entryItem, pendingItem, unconfirmedSends } from "./thread.js";

const pageLimit = 500;
const priorities = ["low", "normal", "high", "urgent"];
const ticketLabels = { reply: "Public reply", note: "Internal comment", whisper: "Internal comment", sendNote: "Add comment" };

/** Where a ticket may go from each status (the table of `Ticket.swift`); staying put is always allowed. */
export const statusMoves = {
  new: ["open", "pending", "onHold", "solved", "closed"],
  open: ["pending", "onHold", "solved", "closed"],
  pending: ["open", "onHold", "solved", "closed"],
  onHold: ["open", "pending", "solved", "closed"],
  solved: ["open", "closed"],
  closed: [],
};

export class TicketView {
  constructor({ desk, api, outbox, notify, element, side, onOpenConversation }) {
    this.desk = desk;
    this.api = api;
    this.outbox = outbox;
    this.notify = notify;
    this.element = element;
    this.side = side;
    this.onOpenConversation = onOpenConversation;
    this.id = null;
    this.comments = new Map();
    this.history = [];
    desk.on("ticket", ({ ticket, visible }) => {
      if (ticket.id !== this.id) return;
      if (!visible) return this.close("This ticket was handed to someone outside your teams.");
      this.render();
    });
    desk.on("ticketComment", (comment) => this.onComment(comment));
    desk.on("ticketHistory", (entry) => this.onHistory(entry));
    for (const type of ["agent", "customer", "team", "slaPolicy"]) desk.on(type, () => this.id && this.render());
  }

  get ticket() {
    return this.desk.tickets.get(this.id);
  }

  /** Staff may change a ticket (status, priority, assignee, public replies) when the API lets them. */
  get canManage() {
    const ticket = this.ticket;
    const me = this.desk.me;
    return Boolean(ticket) && (me.role !== "agent" || !ticket.assigneeID || ticket.assigneeID === me.id);
  }

  async open(id) {
    this.id = id;
    this.comments = new Map();
    this.history = [];
    this.built = false;
    clear(this.element).append(h("p", { class: "empty" }, "Loading the ticket…"));
    clear(this.side);
    const opening = id;
    try {
      const ticket = await this.api.get(`/v1/tickets/${encodeURIComponent(id)}`);
      if (this.id !== opening) return;
      this.desk.putTicket(ticket);
      this.desk.fetchMissingCustomers(this.api);
      this.render();
      await Promise.all([this.loadComments(opening), this.loadHistory(opening)]);
    } catch (error) {
      if (this.id === opening) this.close(`Could not open the ticket: ${error.message}`);
    }
  }

  /** Reloads what a resync may have skipped. */
  async reload() {
    if (!this.id) return;
    this.desk.putTicket(await this.api.get(`/v1/tickets/${encodeURIComponent(this.id)}`));
    await Promise.all([this.loadComments(this.id), this.loadHistory(this.id)]);
  }

  close(text = "Pick a ticket from the list, or press j.") {
    this.id = null;
    this.built = false;
    clear(this.element).append(h("p", { class: "empty" }, text));
    clear(this.side);
  }

  async loadComments(opening) {
    const comments = await this.api.getAfterSeq(`/v1/tickets/${encodeURIComponent(opening)}/comments`, 0, pageLimit);
    if (this.id !== opening) return;
    for (const comment of comments) this.comments.set(comment.seq, comment);
    this.renderComments();
  }

  /** Reads the history entries after the last one shown. */
  async loadHistory(opening) {
    const after = this.history.length ? this.history[this.history.length - 1].seq : 0;
    const entries = await this.api.getAfterSeq(`/v1/tickets/${encodeURIComponent(opening)}/history`, after, pageLimit);
    if (this.id !== opening) return;
    // Two reads may overlap (a change during a load); each entry is kept once.
    const last = this.history.length ? this.history[this.history.length - 1].seq : 0;
    this.history.push(...entries.filter((entry) => entry.seq > last));
    this.renderHistory();
  }

  /** Every change writes a history entry, and an event brings it; a gap (entries missed while
   * the page loaded or the connection resumed) is read from the API. */
  onHistory(entry) {
    if (entry.ticketID !== this.id) return;
    const last = this.history.length ? this.history[this.history.length - 1].seq : 0;
    if (entry.seq <= last) return;
    if (entry.seq > last + 1) return void this.loadHistory(this.id).catch(() => {});
    this.history.push(entry);
    this.renderHistory();
  }

  onComment(comment) {
    if (comment.ticketID !== this.id) return;
    this.comments.set(comment.seq, comment);
    this.renderComments();
  }

  /** Builds the page once per ticket, then redraws only the parts that change. */
  render() {
    const ticket = this.ticket;
    if (!ticket) return;
    if (!this.built) this.build();
    this.renderHeader(ticket);
    this.renderComposer(ticket);
    this.renderSide(ticket);
  }

  build() {
    this.built = true;
    this.header = h("header", { class: "conversation-header ticket-header" });
    this.slaSlot = h("div", { class: "ticket-sla" });
    this.log = h("ol", { id: "ticket-comments", class: "messages", role: "log", "aria-live": "polite", "aria-label": "Comments" });
    this.composerSlot = h("div", { class: "ticket-composer" });
    this.composer = null;
    this.composerKind = null;
    clear(this.element).append(this.header, this.slaSlot, this.log, this.composerSlot);
    this.historyList = h("ol", { id: "ticket-history", class: "ticket-history", "aria-label": "History" });
    this.details = h("div", { class: "ticket-details" });
    clear(this.side).append(this.details, h("h3", {}, "History"), this.historyList);
    this.renderComments();
    this.renderHistory();
  }

  renderHeader(ticket) {
    const assignee = ticket.assigneeID ? this.desk.agentName(ticket.assigneeID) : "nobody";
    clear(this.header).append(
      h("div", { class: "conversation-heading" },
        h("h2", { id: "ticket-subject" }, ticket.subject),
        h("span", { class: "conversation-subject" }, "Requested by ",
          h("span", { id: "ticket-requester" }, this.desk.customerName(ticket.requesterID)),
          ` · ${ticket.type} · ${ticket.channel}`),
        h("span", { class: "conversation-meta" },
          h("span", { id: "ticket-status-pill", class: `pill ${ticket.status}`, dataset: { status: ticket.status } }, statusLabels[ticket.status]), " ",
          h("span", { class: `pill ${ticket.priority}` }, ticket.priority),
          " · assigned to ", h("span", { id: "ticket-assignee-name" }, assignee),
          ticket.mergedInto ? ` · merged into ${ticket.mergedInto}` : "")),
      this.actions(ticket));
    const policy = this.desk.slaPolicies.get(ticket.slaPolicyID);
    clear(this.slaSlot).append(slaPanel(ticket, policy));
  }

  actions(ticket) {
    if (ticket.status === "closed") return h("div", { class: "conversation-actions" }, h("span", { class: "hint" }, "Closed tickets take no changes."));
    const disabled = !this.canManage;
    const me = this.desk.me.id;
    const status = h("select", { id: "ticket-status", "aria-label": "Status", disabled, title: "Status",
      onchange: () => this.update({ status: status.value }) },
    [ticket.status, ...statusMoves[ticket.status]].map((value) =>
      h("option", { value, selected: value === ticket.status }, statusLabels[value])));
    const priority = h("select", { id: "ticket-priority", "aria-label": "Priority", disabled,
      onchange: () => this.update({ priority: priority.value }) },
    priorities.map((level) => h("option", { value: level, selected: level === ticket.priority }, level)));
    const assignee = h("select", { id: "ticket-assignee", "aria-label": "Assignee", disabled,
      onchange: () => this.update({ assignee: assignee.value || null }) },
    this.assigneeOptions(ticket));
    return h("div", { class: "conversation-actions" },
      ticket.assigneeID !== me && !disabled
        ? h("button", { type: "button", id: "ticket-assign-self", onclick: () => this.assignToMe(), title: "Assign to me (a)" }, "Assign to me")
        : null,
      statusMoves[ticket.status].includes("solved") && !disabled
        ? h("button", { type: "button", id: "ticket-solve", class: "primary", onclick: () => this.setStatus("solved"), title: "Solve (e)" }, "Solve")
        : null,
      status, priority, assignee);
  }

  /** Supervisors hand tickets to anyone active; agents take them or let them go. */
  assigneeOptions(ticket) {
    const me = this.desk.me;
    const people = me.role === "agent"
      ? [me, ...(ticket.assigneeID && ticket.assigneeID !== me.id ? [this.desk.agents.get(ticket.assigneeID) || { id: ticket.assigneeID }] : [])]
      : [...this.desk.agents.values()].filter((agent) => agent.active !== false || agent.id === ticket.assigneeID);
    return [h("option", { value: "", selected: !ticket.assigneeID }, "Unassigned"),
      ...people.map((person) => h("option", { value: person.id, selected: person.id === ticket.assigneeID },
        person.id === me.id ? `${person.name || person.id} (me)` : person.name || person.id))];
  }

  /** Public replies need the right to change the ticket; internal comments only sight of it. */
  renderComposer(ticket) {
    const kind = ticket.status === "closed" ? "closed" : this.canManage ? "full" : "notes";
    if (kind === this.composerKind) return;
    this.composerKind = kind;
    if (kind === "closed") {
      this.composer = null;
      clear(this.composerSlot).append(h("p", { class: "listen-notice", role: "note" }, "This ticket is closed: it takes no more comments."));
      return;
    }
    this.composer = new Composer({
      desk: this.desk, notesOnly: kind === "notes", idPrefix: "ticket-", labels: ticketLabels,
      onSubmit: (text, internal) => this.send(text, internal),
    });
    clear(this.composerSlot).append(this.composer.element);
  }

  renderComments() {
    if (!this.log) return;
    const nearBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
    const ordered = [...this.comments.values()].sort((a, b) => a.seq - b.seq);
    clear(this.log);
    const ticket = this.ticket;
    if (ticket?.description) {
      this.log.append(h("li", { class: "message message--customer ticket-description" },
        h("div", { class: "message-author" }, "Description"), h("div", { class: "message-text" }, ticket.description)));
    }
    if (ordered.length === 0 && !ticket?.description) this.log.append(h("li", { class: "empty" }, "No comments yet."));
    for (const comment of ordered) {
      this.log.append(entryItem(comment, {
        author: authorName(this.desk, comment.author), internalLabel: "Internal comment", dataset: { commentSeq: comment.seq },
      }));
    }
    const unconfirmed = unconfirmedSends(this.outbox, (item) => item.meta.ticketId === this.id, ordered, this.desk.me.id);
    for (const item of unconfirmed) this.log.append(pendingItem(item, this.outbox, "Internal comment"));
    if (nearBottom) this.log.scrollTop = this.log.scrollHeight;
  }

  renderSide(ticket) {
    const watching = ticket.watcherIDs.includes(this.desk.me.id);
    const policy = this.desk.slaPolicies.get(ticket.slaPolicyID);
    clear(this.details).append(
      h("h2", {}, "Ticket"),
      h("dl", { class: "profile-facts" },
        fact("Id", ticket.id, "ticket-id"),
        fact("Requester", this.desk.customerName(ticket.requesterID)),
        fact("Type", ticket.type),
        fact("Team", ticket.teamID ? this.teamName(ticket.teamID) : "—"),
        fact("Tags", ticket.tags.join(", ") || "—"),
        fact("SLA policy", ticket.slaPolicyID ? policy?.name || ticket.slaPolicyID : "none"),
        fact("Created", formatTime(ticket.createdAt)),
        fact("Updated", formatTime(ticket.updatedAt)),
        Object.entries(ticket.fields || {}).map(([name, value]) => fact(name, value))),
      ticket.conversationID
        ? h("button", { type: "button", id: "ticket-conversation", onclick: () => this.onOpenConversation(ticket.conversationID) },
          "Open the conversation")
        : null,
      h("h3", {}, "Watchers"),
      h("ul", { id: "ticket-watchers", class: "ticket-watchers" },
        ticket.watcherIDs.length ? ticket.watcherIDs.map((id) => h("li", {}, this.desk.agentName(id))) : h("li", { class: "hint" }, "Nobody")),
      // Anyone who sees a ticket may follow it, also one held by someone else.
      ticket.status !== "closed"
        ? h("button", { type: "button", id: "ticket-watch", onclick: () => this.toggleWatch() }, watching ? "Stop watching" : "Watch")
        : null);
  }

  teamName(id) {
    const team = this.desk.teams.get(id);
    return team ? team.name : id;
  }

  renderHistory() {
    if (!this.historyList) return;
    clear(this.historyList);
    if (this.history.length === 0) this.historyList.append(h("li", { class: "hint" }, "Nothing yet."));
    for (const entry of [...this.history].reverse()) {
      this.historyList.append(h("li", { dataset: { action: entry.action } },
        h("div", { class: "ticket-history-head" },
          h("strong", {}, this.actorName(entry.actor)), " ", describeAction(entry),
          h("time", { datetime: new Date(entry.time).toISOString() }, formatTime(entry.time))),
        entry.changes.filter((change) => change.field !== "comment").map((change) =>
          h("div", { class: "ticket-change" }, `${fieldLabel(change.field)}: `,
            // A value set for the first time (at creation, say) has no "before" to show.
            change.from === undefined ? "" : [this.changeValue(change.field, change.from), " → "],
            this.changeValue(change.field, change.to)))));
    }
  }

  actorName(actor) {
    if (actor.staff) return actor.staff.id === this.desk.me.id ? "You" : this.desk.agentName(actor.staff.id);
    if (actor.customer) return this.desk.customerName(actor.customer.id);
    if (actor.adminToken) return "Administrator";
    return "System";
  }

  changeValue(field, value) {
    if (value === undefined || value === null || value === "") return "—";
    if (field === "assignee") return this.desk.agentName(value);
    if (field === "watchers") return value.split(",").map((id) => this.desk.agentName(id)).join(", ");
    if (field === "status") return statusLabels[value] || value;
    if (field === "team") return this.teamName(value);
    if (field === "slaPolicy") return this.desk.slaPolicies.get(value)?.name || value;
    if (field === "requester") return this.desk.customerName(value);
    return value.length > 80 ? `${value.slice(0, 80)}…` : value;
  }

  send(text, internal) {
    try {
      this.outbox.enqueue("POST", `/v1/tickets/${encodeURIComponent(this.id)}/comments`, { text, internal }, { ticketId: this.id });
    } catch (error) {
      this.notify.error(error.message);
    }
    this.renderComments();
  }

  assignToMe() {
    if (!this.ticket || !this.canManage) return null;
    return this.update({ assignee: this.desk.me.id });
  }

  setStatus(status) {
    const ticket = this.ticket;
    if (!ticket || !this.canManage || !statusMoves[ticket.status].includes(status)) return null;
    return this.update({ status });
  }

  toggleWatch() {
    const me = this.desk.me.id;
    const watchers = this.ticket.watcherIDs;
    return this.update({ watchers: watchers.includes(me) ? watchers.filter((id) => id !== me) : [...watchers, me] });
  }

  /** A ticket change, retried with one idempotency key while the cluster is moving. */
  async update(change) {
    const path = `/v1/tickets/${encodeURIComponent(this.id)}`;
    const key = randomId();
    try {
      this.desk.putTicket(await this.api.withRetries(() => this.api.patch(path, change, { idempotencyKey: key })));
      return true;
    } catch (error) {
      this.notify.error(`Could not update the ticket: ${error.message}`);
      this.render(); // the controls go back to what the ticket is
      return false;
    }
  }
}

function fact(name, value, id) {
  return [h("dt", {}, name), h("dd", { id }, value)];
}

const fieldLabels = { slaPolicy: "SLA policy", mergedInto: "merged into", "sla.breached": "SLA breached", "sla.warned": "SLA warned" };

function fieldLabel(field) {
  return fieldLabels[field] || field.replace(/^fields\./, "");
}

const metricNames = { firstResponse: "first response", nextResponse: "next response", resolution: "resolution" };

function describeAction(entry) {
  const comment = entry.changes.find((change) => change.field === "comment");
  switch (entry.action) {
    case "created": return "created the ticket";
    case "commented": return comment && comment.to.endsWith("internal") ? "added an internal comment" : "replied publicly";
    case "sla_breached": return `recorded an SLA breach${metric(entry, "sla.breached")}`;
    case "sla_warning": return `warned that an SLA target is near${metric(entry, "sla.warned")}`;
    case "reminded": return "reminded the assignee";
    case "merged": return "merged another ticket into this one";
    case "merged_into": return "merged this ticket into another";
    default: return "changed";
  }
}

/** The metric an alert added, from the change of the breached or warned list. */
function metric(entry, field) {
  const change = entry.changes.find((each) => each.field === field);
  if (!change) return "";
  const before = new Set((change.from || "").split(",").filter(Boolean));
  const added = (change.to || "").split(",").filter((name) => name && !before.has(name));
  return added.length ? ` (${added.map((name) => metricNames[name] || name).join(", ")})` : "";
}

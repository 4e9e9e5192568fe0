// The ticket list: tickets matching the chosen view (mine, unassigned, all), status, priority
// and search words, the one whose SLA target falls due first on top, each with a countdown to
// that target. `ticket.*` events keep it current.

import { formatTime, h } from "../lib/dom.js";
import { LiveList } from "./list.js";
import { countdown, nearestDue, slaMetrics } from "./sla.js";

const listLimit = 100;
const searchDelayMs = 300;
/** The server takes search words up to 200 bytes; characters are at most 4 bytes. */
const searchBytesMax = 50;
/** "Active" is every status in which work remains. */
export const activeStatuses = ["new", "open", "pending", "onHold"];
export const statusLabels = { new: "new", open: "open", pending: "pending", onHold: "on hold", solved: "solved", closed: "closed" };

export class TicketList extends LiveList {
  constructor({ desk, api, onOpen }) {
    super({
      desk, api, onOpen,
      list: document.getElementById("ticket-list"),
      viewButtons: [...document.querySelectorAll("#ticket-nav [data-ticket-view]")],
      viewKey: "ticketView", idKey: "ticketId",
      filter: { view: "mine", status: "active", priority: "", search: "" },
    });
    this.statusSelect = document.getElementById("ticket-filter-status");
    this.prioritySelect = document.getElementById("ticket-filter-priority");
    this.searchInput = document.getElementById("ticket-search");
    this.statusSelect.addEventListener("change", () => this.setFilter({ status: this.statusSelect.value }));
    this.prioritySelect.addEventListener("change", () => this.setFilter({ priority: this.prioritySelect.value }));
    // Typing narrows what is loaded at once; after a pause the server is asked too, so tickets
    // beyond the loaded page are found.
    this.searchInput.addEventListener("input", () => {
      this.filter.search = this.searchInput.value.trim().toLowerCase();
      this.render();
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.filter.search && this.load().catch(() => {}), searchDelayMs);
    });
    this.searchInput.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.searchInput.blur();
      if (event.key === "Enter") this.step(0);
    });
    // A comment that moves a response clock sends `ticket.updated` too, so events suffice.
    for (const type of ["ticket", "customer", "agent"]) desk.on(type, () => this.scheduleRender());
  }

  query() {
    const parameters = new URLSearchParams({ limit: String(listLimit) });
    const status = this.filter.status === "active" ? activeStatuses.join(",") : this.filter.status;
    if (status) parameters.set("status", status);
    if (this.filter.priority) parameters.set("priority", this.filter.priority);
    if (this.filter.search) parameters.set("q", this.filter.search.slice(0, searchBytesMax));
    if (this.filter.view === "mine") parameters.set("assignee", this.desk.me.id);
    if (this.filter.view === "unassigned") parameters.set("assignee", "none");
    return `/v1/tickets?${parameters}`;
  }

  /** Loads the server's answer for the current filter into the desk (events keep it current). */
  async load() {
    const answer = await this.api.get(this.query());
    answer.items.forEach((ticket) => this.desk.putTicket(ticket));
    this.render();
    await this.desk.fetchMissingCustomers(this.api);
  }

  matches(ticket) {
    const { view, status, priority, search } = this.filter;
    if (status === "active" ? !activeStatuses.includes(ticket.status) : status && ticket.status !== status) return false;
    if (priority && ticket.priority !== priority) return false;
    if (search) {
      const text = this.searchText(ticket);
      if (!search.split(/\s+/).every((word) => text.includes(word))) return false;
    }
    if (view === "mine") return ticket.assigneeID === this.desk.me.id;
    if (view === "unassigned") return !ticket.assigneeID;
    return true;
  }

  /** What the server searches too: id, subject, description, tags, requester name and email. */
  searchText(ticket) {
    const customer = this.desk.customers.get(ticket.requesterID) || {};
    const fields = [ticket.id, ticket.subject, ticket.description, customer.name, customer.email, ...(ticket.tags || [])];
    return fields.join(" ").toLowerCase();
  }

  /** Running SLA targets first, the nearest on top; then the most recently changed. */
  visible() {
    const dueAt = (ticket) => nearestDue(ticket)?.due.dueAt ?? Infinity;
    return [...this.desk.tickets.values()]
      .filter((ticket) => this.matches(ticket))
      .sort((a, b) => dueAt(a) - dueAt(b) || b.updatedAt - a.updatedAt);
  }

  rendered() {
    const active = [...this.desk.tickets.values()].filter((ticket) => activeStatuses.includes(ticket.status));
    const counts = {
      mine: active.filter((ticket) => ticket.assigneeID === this.desk.me.id).length,
      unassigned: active.filter((ticket) => !ticket.assigneeID).length,
    };
    for (const [view, count] of Object.entries(counts)) {
      for (const badge of document.querySelectorAll(`[data-ticket-count="${view}"]`)) badge.textContent = count ? String(count) : "";
    }
  }

  item(ticket) {
    const selected = ticket.id === this.selectedId;
    const assignee = ticket.assigneeID ? this.desk.agentName(ticket.assigneeID) : "Unassigned";
    return h("li", { class: "inbox-item", dataset: { ticketId: ticket.id } },
      h("button", { type: "button", "aria-current": selected ? "true" : false, onclick: () => this.open(ticket.id) },
        h("span", { class: "inbox-line" },
          h("strong", { class: "ticket-subject" }, ticket.subject),
          h("time", { class: "inbox-time" }, formatTime(ticket.updatedAt))),
        h("span", { class: "inbox-subject" }, this.desk.customerName(ticket.requesterID)),
        h("span", { class: "inbox-line inbox-meta" },
          h("span", { class: `pill ${ticket.status}`, dataset: { status: ticket.status } }, statusLabels[ticket.status]),
          ["high", "urgent"].includes(ticket.priority) ? h("span", { class: `pill ${ticket.priority}` }, ticket.priority) : null,
          h("span", { class: "inbox-assignee" }, assignee),
          slaBadge(ticket))));
  }
}

/** The nearest running target as a countdown, or a red mark for a ticket with a breach. */
function slaBadge(ticket) {
  const nearest = nearestDue(ticket);
  if (nearest) {
    const short = slaMetrics.find(([metric]) => metric === nearest.metric)[2];
    return countdown(nearest.due, short);
  }
  if (ticket.sla?.breached?.length) return h("span", { class: "pill urgent" }, "SLA breached");
  return null;
}

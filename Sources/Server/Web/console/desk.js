// What the console knows of the service desk: conversations, tickets, customers, staff, canned
// responses and SLA policies, kept current by the live events. Views subscribe to changes instead of polling,
// so nothing waits for a refresh.

export class Desk {
  constructor(me) {
    this.me = me;
    this.conversations = new Map();
    this.customers = new Map();
    this.agents = new Map();
    this.teams = new Map();
    this.canned = new Map();
    this.queues = new Map();
    this.tickets = new Map();
    this.slaPolicies = new Map();
    /** Conversation id → time of its newest message seen (messages do not touch updatedAt). */
    this.lastActivity = new Map();
    /** Conversations with customer messages the agent has not opened since. */
    this.unread = new Set();
    this.listeners = new Map();
  }

  on(type, listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(listener);
  }

  emit(type, detail) {
    for (const listener of this.listeners.get(type) || []) listener(detail);
  }

  activity(conversation) {
    return Math.max(conversation.updatedAt || 0, this.lastActivity.get(conversation.id) || 0);
  }

  putConversation(conversation) {
    const { customer, ...plain } = conversation;
    if (customer) this.putCustomer(customer);
    const previous = this.conversations.get(plain.id);
    this.conversations.set(plain.id, plain);
    this.emit("conversation", { conversation: plain, previous });
  }

  /**
   * A ticket as this person may see it: an agent loses sight of a ticket handed to someone
   * outside their teams (its last event still reaches them), so it leaves their lists.
   */
  putTicket(ticket) {
    const previous = this.tickets.get(ticket.id);
    const visible = this.canSeeTicket(ticket);
    if (visible) this.tickets.set(ticket.id, ticket);
    else this.tickets.delete(ticket.id);
    this.emit("ticket", { ticket, previous, visible });
  }

  canSeeTicket(ticket) {
    if (this.me.role !== "agent" || !ticket.assigneeID || ticket.assigneeID === this.me.id) return true;
    return Boolean(ticket.teamID && (this.me.teamIDs || []).includes(ticket.teamID));
  }

  /** Tickets opened from a conversation, among those known. */
  ticketsOf(conversationId) {
    return [...this.tickets.values()].filter((ticket) => ticket.conversationID === conversationId);
  }

  /**
   * Conversation and ticket listings name only the customer id; this fetches the customers not
   * known yet (a few at a time), so lists show names rather than ids.
   */
  async fetchMissingCustomers(api) {
    this.customersRequested ||= new Set();
    const ids = [...this.conversations.values()].map((conversation) => conversation.customerID)
      .concat([...this.tickets.values()].map((ticket) => ticket.requesterID));
    const missing = ids.filter((id) => id && !this.customers.has(id) && !this.customersRequested.has(id));
    const unique = [...new Set(missing)];
    unique.forEach((id) => this.customersRequested.add(id));
    for (let start = 0; start < unique.length; start += 8) {
      const batch = unique.slice(start, start + 8);
      const answers = await Promise.allSettled(batch.map((id) => api.get(`/v1/customers/${encodeURIComponent(id)}`)));
      answers.forEach((answer, index) => {
        if (answer.status === "fulfilled") this.putCustomer(answer.value);
        else this.customersRequested.delete(batch[index]);
      });
    }
  }

  putCustomer(customer) {
    this.customers.set(customer.id, customer);
    this.emit("customer", customer);
  }

  putAgent(agent) {
    this.agents.set(agent.id, agent);
    if (agent.id === this.me.id) this.me = agent;
    this.emit("agent", agent);
  }

  noteMessage(message, openConversationId) {
    const seen = this.lastActivity.get(message.conversationID) || 0;
    this.lastActivity.set(message.conversationID, Math.max(seen, message.createdAt || 0));
    const fromCustomer = message.author && message.author.type === "customer";
    if (fromCustomer && message.conversationID !== openConversationId) this.unread.add(message.conversationID);
    this.emit("message", message);
  }

  markRead(conversationId) {
    if (this.unread.delete(conversationId)) this.emit("unread", conversationId);
  }

  /** Applies one live event; `openConversationId` decides what counts as unread. */
  apply(event, openConversationId) {
    const data = event.data;
    // Every conversation event but typing carries the conversation after the change
    // (updated, read, offered, routed, accepted, declined, transferred, rated, …).
    if (event.type.startsWith("conversation.") && event.type !== "conversation.typing") {
      this.putConversation(data);
      return this.emit(event.type, event);
    }
    // Ticket events carry the ticket after the change; SLA alerts carry it inside the alert.
    if (event.type.startsWith("ticket.")) {
      this.putTicket(data.ticket || data);
      return this.emit(event.type, event);
    }
    switch (event.type) {
      case "ticket_comment.created":
        return this.emit("ticketComment", data);
      case "ticket_history.created":
        return this.emit("ticketHistory", data);
      case "sla_policy.created":
      case "sla_policy.updated":
        this.slaPolicies.set(data.id, data);
        return this.emit("slaPolicy", data);
      case "message.created":
        return this.noteMessage(data, openConversationId);
      case "customer.created":
      case "customer.updated":
        return this.putCustomer(data);
      case "staff.created":
      case "staff.updated":
      case "agent.status":
        return this.putAgent(data);
      case "team.created":
      case "team.updated":
        this.teams.set(data.id, data);
        return this.emit("team", data);
      case "canned_response.created":
      case "canned_response.updated":
        this.canned.set(data.id, data);
        return this.emit("canned", data);
      case "queue.created":
      case "queue.updated":
        this.queues.set(data.id, data);
        return this.emit("queue", data);
      case "canned_response.deleted":
        this.canned.delete(data.id);
        return this.emit("canned", data);
      default:
        // Newer servers send more event types; pages that do not know one pass it to
        // whoever subscribed to it by name.
        return this.emit(event.type, event);
    }
  }

  agentName(id) {
    const agent = this.agents.get(id);
    return agent ? agent.name : id;
  }

  queueName(id) {
    const queue = this.queues.get(id);
    return queue ? queue.name : id;
  }

  customerName(id) {
    const customer = this.customers.get(id);
    return customer ? customer.name : "Customer";
  }
}

// The agent console: signs in, loads the desk, then keeps it current from the live events.
// The left column switches between the conversation inbox and the ticket list (g); the
// address says what is open (#c=<conversation> or #t=<ticket>), so a reload comes back to it.

import { ConnectionBanner } from "../lib/connection-banner.js";
import { h } from "../lib/dom.js";
import { LiveEvents } from "../lib/live.js";
import { Notifier } from "../lib/notify.js";
import { Outbox } from "../lib/outbox.js";
import { clearSession, loadSession, signIn, staffApi } from "../lib/staff-session.js";
import { ConversationView } from "./conversation.js";
import { Desk } from "./desk.js";
import { Inbox } from "./inbox.js";
import { OfferTray } from "./offers.js";
import { ProfilePanel } from "./profile.js";
import { installShortcuts, shortcutList } from "./shortcuts.js";
import { startCountdowns } from "./sla.js";
import { TicketView } from "./ticket.js";
import { TicketList } from "./tickets.js";

const byId = (id) => document.getElementById(id);

async function main() {
  loadSession() || await signIn(byId("login"), { title: "Sign in to the console" });
  const api = staffApi(signOut);
  const me = (await api.get("/v1/auth/me")).user;
  if (!me) return signOut();
  byId("app").hidden = false;
  await startConsole(api, me);
}

function signOut() {
  clearSession();
  location.reload();
}

async function startConsole(api, me) {
  const desk = new Desk(me);
  const notify = new Notifier({ region: byId("toasts"), enableButton: byId("enable-notifications"), title: "Switchboard console" });
  const banner = new ConnectionBanner(byId("connection"));
  const selfAssigned = new Set();
  const profile = new ProfilePanel({ desk, api, element: byId("profile"), onOpen: (id) => inbox.open(id) });
  const outbox = new Outbox({
    api, storageKey: `switchboard.console.outbox.${me.id}`,
    onSent: (item, result) => (item.meta.ticketId ? desk.emit("ticketComment", result) : desk.noteMessage(result, view.id)),
    onChange: (items) => {
      banner.setUnsent(items.filter((item) => item.state !== "failed" && item.attempts > 1).length);
      view.renderMessages();
      ticketView.renderComments();
    },
  });
  const view = new ConversationView({
    desk, api, outbox, notify, profile, element: byId("conversation"),
    onAction: (action, id) => action === "assign" && selfAssigned.add(id),
    onOpenTicket: (id) => tickets.open(id),
  });
  const inbox = new Inbox({ desk, api, onOpen: (id) => openConversation(id) });
  const tickets = new TicketList({ desk, api, onOpen: (id) => openTicket(id) });
  const ticketView = new TicketView({
    desk, api, outbox, notify, element: byId("ticket"), side: byId("ticket-side"),
    onOpenConversation: (id) => inbox.open(id),
  });
  const offers = new OfferTray({
    desk, api, notify, element: byId("offers"),
    onAccepted: (id, phase) => (phase === "before" ? selfAssigned.add(id) : inbox.open(id)),
  });

  let mode = "conversations";

  /** Shows the conversation side (inbox, conversation, customer) or the ticket side. */
  function setMode(next) {
    mode = next;
    const showTickets = next === "tickets";
    for (const button of document.querySelectorAll(".mode-tabs [data-mode]")) {
      button.setAttribute("aria-pressed", String(button.dataset.mode === next));
    }
    for (const id of ["conversation-nav", "conversation", "profile"]) byId(id).hidden = showTickets;
    for (const id of ["ticket-nav", "ticket", "ticket-side"]) byId(id).hidden = !showTickets;
  }

  function openConversation(id) {
    setMode("conversations");
    history.replaceState(null, "", `#c=${encodeURIComponent(id)}`);
    view.open(id);
  }

  function openTicket(id) {
    setMode("tickets");
    history.replaceState(null, "", `#t=${encodeURIComponent(id)}`);
    ticketView.open(id);
  }

  for (const button of document.querySelectorAll(".mode-tabs [data-mode]")) {
    button.addEventListener("click", () => setMode(button.dataset.mode));
  }

  const live = new LiveEvents({
    api,
    onEvent: (event) => applyLive(event),
    onResync: () => reloadAll(),
    onStatus: (status) => {
      banner.setLive(status);
      if (status.state === "live") outbox.nudge();
    },
    onRevoked: signOut,
  });

  function applyLive(event) {
    const before = event.conversationId ? desk.conversations.get(event.conversationId) : null;
    desk.apply(event, view.id);
    if (event.type === "conversation.updated" || event.type === "conversation.created") {
      announceAssignment(event.data, before);
    }
    if (event.type === "ticket.sla_breached" || event.type === "ticket.sla_warning") announceSLA(event.data);
  }

  /** A breach or near-breach on one of my tickets is worth interrupting for. */
  function announceSLA(alert) {
    const ticket = alert.ticket;
    if (ticket.assigneeID !== me.id) return;
    const what = { firstResponse: "first response", nextResponse: "next response", resolution: "resolution" }[alert.metric] || "SLA";
    const text = alert.kind === "breach" ? `SLA breached (${what}): ${ticket.subject}` : `SLA ${what} due soon: ${ticket.subject}`;
    notify.info(text, { label: "Open", run: () => tickets.open(ticket.id) });
  }

  function announceAssignment(conversation, before) {
    if (conversation.assigneeID !== me.id || (before && before.assigneeID === me.id)) return;
    if (selfAssigned.delete(conversation.id)) return;
    const who = desk.customerName(conversation.customerID);
    notify.info(`New conversation assigned to you: ${who}${conversation.subject ? ` — ${conversation.subject}` : ""}`,
      { label: "Open", run: () => inbox.open(conversation.id) });
  }

  async function reloadAll() {
    await Promise.all([loadDirectory(), inbox.load(), view.reload(), tickets.load(), ticketView.reload()]);
  }

  async function loadDirectory() {
    const [agents, teams, canned, open, queues, policies] = await Promise.all([
      api.getAll("/v1/agents?limit=500"),
      api.get("/v1/teams"),
      api.get("/v1/canned-responses"),
      api.get("/v1/conversations?status=open&limit=500"),
      api.get("/v1/queues"),
      api.get("/v1/sla-policies"),
    ]);
    policies.items.forEach((policy) => desk.slaPolicies.set(policy.id, policy));
    agents.forEach((agent) => desk.putAgent(agent));
    teams.items.forEach((team) => desk.teams.set(team.id, team));
    queues.items.forEach((queue) => desk.queues.set(queue.id, queue));
    inbox.addQueues(queues.items.map((queue) => queue.id));
    canned.items.forEach((response) => desk.canned.set(response.id, response));
    open.items.forEach((conversation) => desk.putConversation(conversation));
    desk.fetchMissingCustomers(api);
  }

  setUpHeader(api, desk, me, notify);
  // The same keys act on whichever side is shown: the inbox and conversation, or the tickets.
  const onTickets = () => mode === "tickets";
  const list = () => (onTickets() ? tickets : inbox);
  installShortcuts({
    j: () => list().step(1),
    k: () => list().step(-1),
    r: () => (onTickets() ? ticketView : view).composer?.focus("reply"),
    n: () => (onTickets() ? ticketView : view).composer?.focus("note"),
    a: () => (onTickets() ? ticketView.id && ticketView.assignToMe() : view.id && view.assignToMe()),
    e: () => (onTickets() ? ticketView.id && ticketView.setStatus("solved") : view.id && view.setStatus("resolved")),
    t: () => !onTickets() && view.id && view.openTransfer(),
    c: () => !onTickets() && view.id && view.createTicket(),
    g: () => setMode(onTickets() ? "conversations" : "tickets"),
    "/": () => onTickets() && byId("ticket-search").focus(),
    y: () => offers.answerFirst(true),
    d: () => offers.answerFirst(false),
    1: () => list().setView("mine"),
    2: () => list().setView("unassigned"),
    3: () => list().setView("all"),
    s: () => togglePresence(api, desk),
    "?": () => byId("shortcuts-help").showModal(),
  });

  const seq = await live.currentSeq();
  await Promise.all([loadDirectory(), inbox.load(), tickets.load()]);
  live.start(seq);
  offers.announceFromNow();
  startCountdowns();
  const hash = /^#([ct])=(.+)$/.exec(location.hash);
  if (hash) (hash[1] === "t" ? tickets : inbox).open(decodeURIComponent(hash[2]));
}

function setUpHeader(api, desk, me, notify) {
  byId("me").textContent = me.name;
  byId("sign-out").addEventListener("click", signOut);
  byId("show-shortcuts").addEventListener("click", () => byId("shortcuts-help").showModal());
  byId("shortcut-list").append(...shortcutList.flatMap(([keys, what]) => [h("dt", {}, h("kbd", {}, keys)), h("dd", {}, what)]));
  const presence = byId("presence");
  presence.value = me.status || "offline";
  presence.addEventListener("change", () => setPresence(api, desk, presence.value).catch((error) => {
    notify.error(`Could not change your status: ${error.message}`);
    presence.value = desk.me.status;
  }));
  desk.on("agent", (agent) => {
    if (agent.id === me.id) presence.value = agent.status;
  });
}

async function setPresence(api, desk, status) {
  const agent = await api.withRetries(() => api.put(`/v1/agents/${encodeURIComponent(desk.me.id)}/status`, { status }));
  desk.putAgent(agent);
}

function togglePresence(api, desk) {
  const presence = byId("presence");
  presence.value = desk.me.status === "online" ? "away" : "online";
  presence.dispatchEvent(new Event("change"));
}

main().catch((error) => {
  console.error(error);
  document.body.append(h("p", { class: "form-error", role: "alert" }, `The console could not start: ${error.message}`));
});

// The agent console: signs in, loads the desk, then keeps it current from the live events.

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
    onSent: (item, message) => desk.noteMessage(message, view.id),
    onChange: (items) => {
      banner.setUnsent(items.filter((item) => item.state !== "failed" && item.attempts > 1).length);
      view.renderMessages();
    },
  });
  const view = new ConversationView({
    desk, api, outbox, notify, profile, element: byId("conversation"),
    onAction: (action, id) => action === "assign" && selfAssigned.add(id),
  });
  const inbox = new Inbox({ desk, api, onOpen: (id) => openConversation(id) });
  const offers = new OfferTray({
    desk, api, notify, element: byId("offers"),
    onAccepted: (id, phase) => (phase === "before" ? selfAssigned.add(id) : inbox.open(id)),
  });

  function openConversation(id) {
    history.replaceState(null, "", `#c=${encodeURIComponent(id)}`);
    view.open(id);
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
  }

  function announceAssignment(conversation, before) {
    if (conversation.assigneeID !== me.id || (before && before.assigneeID === me.id)) return;
    if (selfAssigned.delete(conversation.id)) return;
    const who = desk.customerName(conversation.customerID);
    notify.info(`New conversation assigned to you: ${who}${conversation.subject ? ` — ${conversation.subject}` : ""}`,
      { label: "Open", run: () => inbox.open(conversation.id) });
  }

  async function reloadAll() {
    await Promise.all([loadDirectory(), inbox.load(), view.reload()]);
  }

  async function loadDirectory() {
    const [agents, teams, canned, open, queues] = await Promise.all([
      api.getAll("/v1/agents?limit=500"),
      api.get("/v1/teams"),
      api.get("/v1/canned-responses"),
      api.get("/v1/conversations?status=open&limit=500"),
      api.get("/v1/queues"),
    ]);
    agents.forEach((agent) => desk.putAgent(agent));
    teams.items.forEach((team) => desk.teams.set(team.id, team));
    queues.items.forEach((queue) => desk.queues.set(queue.id, queue));
    inbox.addQueues(queues.items.map((queue) => queue.id));
    canned.items.forEach((response) => desk.canned.set(response.id, response));
    open.items.forEach((conversation) => desk.putConversation(conversation));
    desk.fetchMissingCustomers(api);
  }

  setUpHeader(api, desk, me, notify);
  installShortcuts({
    j: () => inbox.step(1),
    k: () => inbox.step(-1),
    r: () => view.composer?.focus("reply"),
    n: () => view.composer?.focus("note"),
    a: () => view.id && view.assignToMe(),
    e: () => view.id && view.setStatus("resolved"),
    t: () => view.id && view.openTransfer(),
    y: () => offers.answerFirst(true),
    d: () => offers.answerFirst(false),
    1: () => inbox.setView("mine"),
    2: () => inbox.setView("unassigned"),
    3: () => inbox.setView("all"),
    s: () => togglePresence(api, desk),
    "?": () => byId("shortcuts-help").showModal(),
  });

  const seq = await live.currentSeq();
  await Promise.all([loadDirectory(), inbox.load()]);
  live.start(seq);
  offers.announceFromNow();
  const hash = /^#c=(.+)$/.exec(location.hash);
  if (hash) inbox.open(decodeURIComponent(hash[1]));
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

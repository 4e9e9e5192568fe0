// The supervisor dashboard: live figures, ongoing conversations (listen, whisper, barge), agents
// and their load, and the cluster's health. Figures follow the live events; the cluster panel,
// which has no events, is polled.

import { ConnectionBanner } from "../lib/connection-banner.js";
import { h } from "../lib/dom.js";
import { LiveEvents } from "../lib/live.js";
import { Notifier } from "../lib/notify.js";
import { Outbox } from "../lib/outbox.js";
import { clearSession, loadSession, signIn, staffApi } from "../lib/staff-session.js";
import { ConversationView } from "../console/conversation.js";
import { Desk } from "../console/desk.js";
import { ClusterPanel } from "./cluster.js";
import { Figures } from "./figures.js";

const byId = (id) => document.getElementById(id);
const supervisorRoles = ["supervisor", "admin"];

async function main() {
  loadSession() || await signIn(byId("login"), { title: "Sign in to supervise", allowedRoles: supervisorRoles });
  const api = staffApi(signOut);
  const me = (await api.get("/v1/auth/me")).user;
  if (!me || !supervisorRoles.includes(me.role)) {
    clearSession();
    return signIn(byId("login"), { title: "Sign in to supervise", allowedRoles: supervisorRoles }).then(() => location.reload());
  }
  byId("app").hidden = false;
  byId("me").textContent = me.name;
  byId("sign-out").addEventListener("click", signOut);
  await startDashboard(api, me);
}

function signOut() {
  clearSession();
  location.reload();
}

async function startDashboard(api, me) {
  const desk = new Desk(me);
  const notify = new Notifier({ region: byId("toasts"), title: "Switchboard dashboard" });
  const banner = new ConnectionBanner(byId("connection"));
  const outbox = new Outbox({
    api, storageKey: `switchboard.dashboard.outbox.${me.id}`,
    onSent: (item, message) => desk.noteMessage(message, view.id),
    onChange: () => view.renderMessages(),
  });
  const view = new ConversationView({ desk, api, outbox, notify, element: byId("supervise-conversation"), mode: "listen" });
  const supervision = new Supervision({ desk, api, view, notify });
  const figures = new Figures({ desk, api, supervision });
  const cluster = new ClusterPanel({ api, element: byId("cluster") });

  const live = new LiveEvents({
    api,
    onEvent: (event) => desk.apply(event, view.id),
    onResync: () => Promise.all([load(), view.reload()]),
    onStatus: (status) => {
      banner.setLive(status);
      if (status.state === "live") outbox.nudge();
    },
    onRevoked: signOut,
  });

  async function load() {
    const [agents, ...lists] = await Promise.all([
      api.getAll("/v1/agents?limit=500"),
      ...["open", "pending", "resolved", "closed"].map((status) => api.get(`/v1/conversations?status=${status}&limit=500`)),
    ]);
    agents.forEach((agent) => desk.putAgent(agent));
    lists.flatMap((list) => list.items).forEach((conversation) => desk.putConversation(conversation));
    desk.fetchMissingCustomers(api);
  }

  const seq = await live.currentSeq();
  await load();
  live.start(seq);
  outbox.pump();
  figures.start();
  cluster.start();
}

/** Listen (read-only), whisper (notes only the agent sees) and barge (take the conversation). */
class Supervision {
  constructor({ desk, api, view, notify }) {
    this.desk = desk;
    this.api = api;
    this.view = view;
    this.notify = notify;
    this.panel = byId("supervise");
    byId("supervise-close").addEventListener("click", () => this.close());
  }

  async open(conversationId, mode) {
    const labels = { listen: "Listening (read-only)", whisper: "Whispering: notes only the agent sees", agent: "You took over this conversation" };
    this.view.mode = mode;
    byId("supervise-mode").textContent = labels[mode];
    this.panel.hidden = false;
    this.panel.dataset.mode = mode;
    await this.view.open(conversationId);
    if (mode === "whisper") this.view.composer.focus("note");
  }

  async barge(conversationId) {
    try {
      const conversation = await this.api.withRetries(() =>
        this.api.patch(`/v1/conversations/${encodeURIComponent(conversationId)}`, { assignee: this.desk.me.id }));
      this.desk.putConversation(conversation);
      await this.open(conversationId, "agent");
    } catch (error) {
      this.notify.error(`Could not take over: ${error.message}`);
    }
  }

  close() {
    this.panel.hidden = true;
    this.view.close();
  }
}

main().catch((error) => {
  console.error(error);
  document.body.append(h("p", { class: "form-error", role: "alert" }, `The dashboard could not start: ${error.message}`));
});

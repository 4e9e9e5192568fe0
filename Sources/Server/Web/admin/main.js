// Administration pages: each section manages one kind of record through the API. Sections
// appear for the caller's role, and only for what this server's API offers (a node older than
// a feature answers 404 for its listing, and its section is left out rather than shown broken).

import { h } from "../lib/dom.js";
import { Notifier } from "../lib/notify.js";
import { clearSession, loadSession, signIn, staffApi } from "../lib/staff-session.js";
import { ChannelsSection } from "./channels.js";
import { ResourceSection } from "./resource.js";
import { calendarSection, slaPolicySection } from "./sla.js";

const byId = (id) => document.getElementById(id);
const allowedRoles = ["supervisor", "admin"];

async function main() {
  loadSession() || await signIn(byId("login"), { title: "Sign in to administer", allowedRoles });
  const api = staffApi(signOut);
  const me = (await api.get("/v1/auth/me")).user;
  if (!me || !allowedRoles.includes(me.role)) {
    clearSession();
    return signIn(byId("login"), { title: "Sign in to administer", allowedRoles }).then(() => location.reload());
  }
  byId("app").hidden = false;
  byId("me").textContent = me.name;
  byId("sign-out").addEventListener("click", signOut);
  const notify = new Notifier({ region: byId("toasts"), title: document.title });
  const [teams, queues] = await Promise.all([api.get("/v1/teams"), api.get("/v1/queues")]);
  const directory = { teams: teams.items, queues: queues.items, calendars: [] };
  const sections = await available(api, sectionsFor(me.role, { api, notify, directory }));
  showNavigation(sections);
}

function signOut() {
  clearSession();
  location.reload();
}

function sectionsFor(role, { api, notify, directory }) {
  // Read when a form is drawn, so a team created a moment ago is offered at once.
  const teamOptions = () => directory.teams.map((team) => [team.id, team.name]);
  const common = { api, notify };
  const admin = role === "admin";
  return [
    admin && new ResourceSection({
      ...common, id: "agents", title: "Agents", path: "/v1/agents?limit=500",
      columns: [["name", "Name"], ["email", "Email"], ["role", "Role"], ["teamIDs", "Teams"], ["languages", "Languages"],
        ["skills", "Skills"], ["concurrentConversationsMax", "Max chats"], ["status", "Status"], ["active", "Active"]],
      fields: [
        { name: "name", label: "Name", required: true },
        { name: "email", label: "Email", type: "email", required: true },
        { name: "role", label: "Role", type: "select", options: [["agent", "Agent"], ["supervisor", "Supervisor"], ["admin", "Admin"]] },
        { name: "password", label: "Password", type: "password", required: true, hint: "At least 10 characters; on edit, leave empty to keep it." },
        { name: "teamIDs", label: "Teams", type: "multiselect", options: teamOptions },
        { name: "languages", label: "Languages", type: "list", placeholder: "en, zh" },
        { name: "skills", label: "Skills", type: "levels", placeholder: "billing:3, refunds:2", hint: "skill:level, level 1 to 5" },
        { name: "concurrentConversationsMax", label: "Max concurrent chats", type: "number", default: 5 },
        { name: "active", label: "Active (may sign in)", type: "checkbox", editOnly: true },
      ],
    }),
    admin && new ResourceSection({
      ...common, id: "teams", title: "Teams", path: "/v1/teams", onLoaded: (items) => { directory.teams = items; },
      columns: [["id", "Id"], ["name", "Name"], ["description", "Description"]],
      fields: [
        { name: "id", label: "Id (optional)", createOnly: true, placeholder: "billing" },
        { name: "name", label: "Name", required: true },
        { name: "description", label: "Description", type: "textarea" },
      ],
    }),
    new ResourceSection({
      ...common, id: "canned", title: "Canned responses", path: "/v1/canned-responses", deletable: true,
      columns: [["shortcut", "Shortcut"], ["title", "Title"], ["text", "Text"], ["teamID", "Team"]],
      fields: [
        { name: "shortcut", label: "Shortcut", required: true, placeholder: "refund", hint: "Agents type /shortcut in a reply." },
        { name: "title", label: "Title", required: true },
        { name: "text", label: "Text", type: "textarea", required: true },
        { name: "teamID", label: "Team", type: "select", options: () => [["", "All teams"], ...teamOptions()], emptyValue: null },
      ],
    }),
    new ResourceSection({
      ...common, id: "queues", title: "Queues", path: "/v1/queues", onLoaded: (items) => { directory.queues = items; },
      columns: [["id", "Id"], ["name", "Name"], ["teamID", "Team"], ["strategy", "Strategy"], ["requiredSkills", "Skills"],
        ["language", "Language"], ["offerTimeoutSeconds", "Offer (s)"], ["overflowQueueID", "Overflow to"], ["overflowAfterSeconds", "after (s)"]],
      fields: [
        { name: "id", label: "Id", required: true, createOnly: true, placeholder: "sales" },
        { name: "name", label: "Name", required: true },
        { name: "teamID", label: "Team", type: "select", options: () => [["", "Any team"], ...teamOptions()], emptyValue: null },
        { name: "strategy", label: "Strategy", type: "select",
          options: [["leastLoaded", "Least loaded"], ["roundRobin", "Round robin"], ["skillsWeighted", "Best skills"]] },
        { name: "requiredSkills", label: "Required skills", type: "levels", placeholder: "billing:2", hint: "skill:minimum level" },
        { name: "language", label: "Language", placeholder: "en", emptyValue: null },
        { name: "offerTimeoutSeconds", label: "Seconds to accept an offer", type: "number", default: 0, hint: "0 assigns without asking" },
        { name: "overflowQueueID", label: "Overflow to", type: "select",
          options: () => [["", "Nowhere"], ...directory.queues.map((queue) => [queue.id, queue.name])], emptyValue: null },
        { name: "overflowAfterSeconds", label: "Overflow after (seconds)", type: "number", default: 0 },
        { name: "stickinessWaitSeconds", label: "Wait for the last agent (seconds)", type: "number", default: 0 },
      ],
    }),
    new ResourceSection({
      ...common, id: "rules", title: "Routing rules", path: "/v1/routing-rules", deletable: true,
      columns: [["position", "#"], ["name", "Name"], ["enabled", "On"], [(rule) => describeConditions(rule.conditions), "When"],
        [(rule) => directory.queues.find((queue) => queue.id === rule.queueID)?.name || rule.queueID, "Queue"],
        ["raisePriorityTo", "Priority"]],
      fields: [
        { name: "name", label: "Name", required: true },
        { name: "position", label: "Position", type: "number", default: 0, hint: "lower runs first" },
        { name: "queueID", label: "Send to queue", type: "select", options: () => directory.queues.map((queue) => [queue.id, queue.name]) },
        { name: "raisePriorityTo", label: "Raise priority to", type: "select",
          options: [["", "Keep"], ["low", "low"], ["normal", "normal"], ["high", "high"], ["urgent", "urgent"]], emptyValue: null },
        { name: "enabled", label: "Enabled", type: "checkbox" },
        { name: "channels", group: "conditions", label: "Channels", type: "multiselect",
          options: ["web", "app", "email", "wechat", "weibo", "messenger", "phone"].map((channel) => [channel, channel]) },
        { name: "languages", group: "conditions", label: "Languages", type: "list", placeholder: "zh, en" },
        { name: "tags", group: "conditions", label: "Tags", type: "list", placeholder: "refund" },
        { name: "tier", group: "conditions", label: "Customer tier", type: "select", options: [["", "Any"], ["standard", "standard"], ["vip", "vip"]] },
        { name: "sentiments", group: "conditions", label: "Sentiments", type: "multiselect",
          options: ["positive", "neutral", "negative", "angry"].map((sentiment) => [sentiment, sentiment]) },
      ],
    }),
    admin && new ResourceSection({
      ...common, id: "widgets", title: "Chat widgets", path: "/v1/widgets",
      columns: [["name", "Name"], ["publicKey", "Public key"], ["queue", "Queue"], ["teamID", "Team"], ["greeting", "Greeting"], ["active", "Active"]],
      fields: [
        { name: "name", label: "Name", required: true, placeholder: "Web shop" },
        { name: "queue", label: "Queue", placeholder: "sales", emptyValue: null },
        { name: "team", from: "teamID", label: "Team", type: "select", options: () => [["", "Any team"], ...teamOptions()], emptyValue: null },
        { name: "greeting", label: "Greeting", type: "textarea", placeholder: "Hi! How can we help?" },
        { name: "active", label: "Active (opens new chats)", type: "checkbox", editOnly: true },
      ],
      describe: (widget) => h("div", { class: "embed" },
        h("p", {}, "Put this on the pages where the chat should appear:"),
        h("code", { id: "widget-snippet" }, `<script src="${location.origin}/widget.js" data-widget-key="${widget.publicKey}" async></script>`)),
    }),
    calendarSection({ ...common, onLoaded: (items) => { directory.calendars = items; } }),
    slaPolicySection({ ...common, directory, teamOptions }),
    admin && new ChannelsSection(common),
  ].filter(Boolean);
}

function describeConditions(conditions = {}) {
  const parts = [];
  if (conditions.channels?.length) parts.push(`channel ${conditions.channels.join("/")}`);
  if (conditions.languages?.length) parts.push(`language ${conditions.languages.join("/")}`);
  if (conditions.tags?.length) parts.push(`tag ${conditions.tags.join("/")}`);
  if (conditions.tier) parts.push(`tier ${conditions.tier}`);
  if (conditions.sentiments?.length) parts.push(`feeling ${conditions.sentiments.join("/")}`);
  if (conditions.returningCustomer !== undefined) parts.push(conditions.returningCustomer ? "returning" : "new customer");
  return parts.join(", ") || "always";
}

/** Loads each section; those whose listing this server does not have (404) are left out. */
async function available(api, sections) {
  const results = await Promise.allSettled(sections.map((section) => section.load()));
  return sections.filter((section, index) => results[index].status === "fulfilled" || results[index].reason.status !== 404);
}

function showNavigation(sections) {
  const nav = byId("admin-nav");
  const main = byId("admin-main");
  const show = (section) => {
    for (const button of nav.querySelectorAll("button")) {
      button.setAttribute("aria-current", button.dataset.section === section.id ? "page" : "false");
    }
    section.render(); // forms offer what other sections changed meanwhile (new teams)
    main.replaceChildren(section.element);
    history.replaceState(null, "", `#${section.id}`);
  };
  for (const section of sections) {
    nav.append(h("li", {}, h("button", { type: "button", dataset: { section: section.id }, onclick: () => show(section) }, section.title)));
  }
  const wanted = sections.find((section) => `#${section.id}` === location.hash) || sections[0];
  if (wanted) show(wanted);
}

main().catch((error) => {
  console.error(error);
  document.body.append(h("p", { class: "form-error", role: "alert" }, `The administration pages could not start: ${error.message}`));
});

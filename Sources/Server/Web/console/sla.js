// A ticket's SLA clocks as countdowns. The server sends, for each running target, the instant
// it falls due and the instant its near-breach warning is due (both already worked out in the
// business hours of the ticket's policy); the page counts down to them once a second without
// asking the server again. A countdown turns to "warning" at the warning instant and to
// "breached" at the due instant.

import { formatTime, h } from "../lib/dom.js";

export const slaMetrics = [
  ["firstResponse", "First response", "Reply"],
  ["nextResponse", "Next response", "Next reply"],
  ["resolution", "Resolution", "Resolve"],
];

/** "ok", "warning" or "breached": where a running target stands at `now`. */
export function dueState(due, now = Date.now()) {
  if (now >= due.dueAt) return "breached";
  if (due.warnAt < due.dueAt && now >= due.warnAt) return "warning";
  return "ok";
}

/** "0:59:58", "2 d 3:04:05": a countdown that visibly moves every second. */
export function formatCountdown(milliseconds) {
  const total = Math.floor(Math.abs(milliseconds) / 1000);
  const days = Math.floor(total / 86400);
  const hours = Math.floor(total / 3600) % 24;
  const clock = `${hours}:${String(Math.floor(total / 60) % 60).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
  return days > 0 ? `${days} d ${clock}` : clock;
}

/** The running target that falls due first: {metric, due}, or null. */
export function nearestDue(ticket) {
  let nearest = null;
  for (const [metric] of slaMetrics) {
    const due = ticket.sla?.[metric];
    if (due && (!nearest || due.dueAt < nearest.due.dueAt)) nearest = { metric, due };
  }
  return nearest;
}

/** A countdown element; `tickCountdowns` keeps its text and state current. */
export function countdown(due, label = "") {
  const element = h("span", { class: "sla-countdown", dataset: { dueAt: due.dueAt, warnAt: due.warnAt, label } });
  renderCountdown(element);
  return element;
}

function renderCountdown(element, now = Date.now()) {
  const due = { dueAt: Number(element.dataset.dueAt), warnAt: Number(element.dataset.warnAt) };
  const state = dueState(due, now);
  const left = due.dueAt - now;
  const label = element.dataset.label ? `${element.dataset.label} ` : "";
  element.textContent = state === "breached" ? `${label}overdue ${formatCountdown(left)}` : `${label}${formatCountdown(left)} left`;
  element.dataset.state = state;
}

/** Moves every countdown on the page on by a second; started once per page. */
export function startCountdowns() {
  setInterval(() => {
    const now = Date.now();
    for (const element of document.querySelectorAll(".sla-countdown[data-due-at]")) renderCountdown(element, now);
  }, 1000);
}

/**
 * The ticket's three clocks: a countdown for each running one; for the others whether the
 * target was met, breached, is paused (with the business time it has left) or has none.
 */
export function slaPanel(ticket, policy) {
  if (!ticket.slaPolicyID) return h("p", { id: "ticket-sla", class: "sla-panel hint" }, "No SLA policy applies to this ticket.");
  return h("dl", { id: "ticket-sla", class: "sla-panel", "aria-label": `SLA: ${policy ? policy.name : ticket.slaPolicyID}` },
    slaMetrics.map(([metric, label]) => {
      const due = ticket.sla?.[metric];
      const [state, content] = due ? ["running", [countdown(due), h("small", {}, ` due ${formatTime(due.dueAt)}`)]]
        : stoppedClock(ticket, metric, policy);
      return h("div", { class: "sla-row", dataset: { metric, state } }, h("dt", {}, label), h("dd", {}, content));
    }));
}

function stoppedClock(ticket, metric, policy) {
  const breached = (ticket.sla?.breached || []).includes(metric);
  const target = policy?.targets?.[ticket.priority]?.[`${metric}Minutes`];
  if (metric === "firstResponse" && ticket.firstRespondedAt) {
    return breached ? ["breached", `Breached · answered ${formatTime(ticket.firstRespondedAt)}`]
      : ["met", `Met · answered ${formatTime(ticket.firstRespondedAt)}`];
  }
  if (metric === "resolution" && (ticket.status === "pending" || ticket.status === "onHold") && target) {
    const left = target * 60000 - (ticket.sla?.resolutionElapsedMilliseconds || 0);
    return [breached ? "breached" : "paused", `Paused (${ticket.status === "onHold" ? "on hold" : "pending"}) · ${formatCountdown(Math.max(0, left))} left`];
  }
  if (metric === "resolution" && (ticket.status === "solved" || ticket.status === "closed")) {
    return breached ? ["breached", "Breached"] : ["met", target ? "Met" : "No target"];
  }
  if (breached) return ["breached", metric === "nextResponse" ? "Not running · breached earlier" : "Breached"];
  if (!target) return ["none", "No target"];
  return ["none", metric === "nextResponse" ? "Not running (no customer waiting)" : "Not running"];
}

// SLA policies and the business calendars their clocks follow. A policy sets, per ticket
// priority, how many business minutes may pass until the first response, the next response
// and the resolution; a calendar says which minutes are business minutes (weekly opening hours
// in a time zone, minus holidays).

import { h } from "../lib/dom.js";
import { ResourceSection } from "./resource.js";

const priorities = ["urgent", "high", "normal", "low"];
const metrics = [["firstResponseMinutes", "First response"], ["nextResponseMinutes", "Next response"], ["resolutionMinutes", "Resolution"]];
const weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
/** Opening hours of a new calendar, to edit rather than type: Monday to Friday, 9 to 5. */
const officeHours = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, startMinuteOfDay: 540, endMinuteOfDay: 1020 }));

export function slaPolicySection({ api, notify, directory, teamOptions }) {
  const calendarName = (id) => directory.calendars.find((calendar) => calendar.id === id)?.name || id;
  return new ResourceSection({
    api, notify, id: "policies", title: "SLA policies", singular: "SLA policy", path: "/v1/sla-policies",
    columns: [["name", "Name"], ["isDefault", "Default"],
      [(policy) => (policy.calendarID ? calendarName(policy.calendarID) : "around the clock"), "Business hours"],
      [(policy) => describeTargets(policy.targets), "Targets (first / next / resolution)"],
      ["warningMinutes", "Warn (min before)"], ["reminderMinutes", "Remind (min)"],
      [(policy) => describeEscalation(policy.escalation, directory), "On breach"]],
    fields: [
      { name: "name", label: "Name", required: true, placeholder: "Standard support" },
      { name: "calendarID", label: "Business hours", type: "select", emptyValue: null,
        options: () => [["", "Around the clock"], ...directory.calendars.map((calendar) => [calendar.id, calendar.name])] },
      { name: "warningMinutes", label: "Warn before a target (minutes)", type: "number", default: 0,
        hint: "Business minutes before the target; 0: no warning" },
      { name: "reminderMinutes", label: "Remind the assignee every (minutes)", type: "number", emptyValue: null,
        hint: "Empty: no reminders" },
      { name: "isDefault", label: "Default for new tickets", type: "checkbox", default: false },
      { name: "targets", label: "Targets per priority, in business minutes (empty: not measured)", type: "custom",
        render: targetsTable, read: readTargets },
      { name: "raisePriority", group: "escalation", label: "On breach, raise the priority", type: "checkbox", default: false },
      { name: "unassign", group: "escalation", label: "On breach, unassign", type: "checkbox", default: false },
      { name: "teamID", group: "escalation", label: "On breach, hand to team", type: "select",
        options: () => [["", "Keep the team"], ...teamOptions()] },
    ],
  });
}

export function calendarSection({ api, notify, onLoaded }) {
  return new ResourceSection({
    api, notify, id: "calendars", title: "Business hours", singular: "business calendar", path: "/v1/business-calendars", onLoaded,
    columns: [["name", "Name"], ["timeZone", "Time zone"], [(calendar) => describeHours(calendar.openingHours), "Open"],
      [(calendar) => calendar.holidays, "Holidays"]],
    fields: [
      { name: "id", label: "Id (optional)", createOnly: true, placeholder: "berlin" },
      { name: "name", label: "Name", required: true, placeholder: "Berlin office" },
      { name: "timeZone", label: "Time zone", required: true, default: Intl.DateTimeFormat().resolvedOptions().timeZone,
        suggestions: () => (Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : []), placeholder: "Europe/Berlin" },
      { name: "openingHours", label: "Weekly opening hours, local time (empty: closed that day)", type: "custom",
        default: officeHours, render: weeklyHours, read: readWeeklyHours,
        hint: "Periods like 09:00-17:00; several with commas: 09:00-12:00, 13:00-17:00" },
      { name: "holidays", label: "Holidays (closed all day)", type: "list", emptyValue: [], placeholder: "2026-12-25, 2027-01-01",
        hint: "Local dates, YYYY-MM-DD, separated by commas" },
    ],
  });
}

// MARK: Targets

function targetsTable({ id, value }) {
  const targets = value || {};
  return h("table", { class: "grid targets", id },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Priority"), metrics.map(([, label]) => h("th", { scope: "col" }, label)))),
    h("tbody", {}, priorities.map((priority) => h("tr", {},
      h("th", { scope: "row" }, priority),
      metrics.map(([metric, label]) => {
        const input = h("input", { id: `${id}-${priority}-${metric}`, type: "number", min: 1, max: 100000,
          "aria-label": `${priority}: ${label.toLowerCase()} (minutes)` });
        input.value = targets[priority]?.[metric] ?? "";
        return h("td", {}, input);
      })))));
}

function readTargets(form, id) {
  const targets = {};
  for (const priority of priorities) {
    for (const [metric] of metrics) {
      const text = form.querySelector(`#${CSS.escape(`${id}-${priority}-${metric}`)}`).value.trim();
      if (text === "") continue;
      const minutes = Number(text);
      if (!Number.isInteger(minutes) || minutes < 1) throw new Error(`${priority} ${metric.replace("Minutes", "")}: whole minutes, at least 1`);
      (targets[priority] ||= {})[metric] = minutes;
    }
  }
  return targets;
}

/** "45 min", "8 h", "1 h 30 min". */
function minutes(value) {
  if (!value) return "–";
  const hours = Math.floor(value / 60);
  if (hours === 0) return `${value} min`;
  return value % 60 ? `${hours} h ${value % 60} min` : `${hours} h`;
}

function describeTargets(targets = {}) {
  return priorities.filter((priority) => targets[priority])
    .map((priority) => `${priority}: ${metrics.map(([metric]) => minutes(targets[priority][metric])).join(" / ")}`)
    .join("; ") || "none";
}

function describeEscalation(escalation = {}, directory) {
  const parts = [];
  if (escalation.raisePriority) parts.push("raise priority");
  if (escalation.teamID) parts.push(`to ${directory.teams.find((team) => team.id === escalation.teamID)?.name || escalation.teamID}`);
  if (escalation.unassign) parts.push("unassign");
  return parts.join(", ") || "nothing";
}

// MARK: Weekly hours

function weeklyHours({ id, value }) {
  const periods = value || [];
  return h("div", { class: "weekly-hours", id }, weekdays.map((name, index) => {
    const weekday = index + 1;
    const input = h("input", { id: `${id}-${weekday}`, placeholder: "closed", autocomplete: "off" });
    input.value = periods.filter((period) => period.weekday === weekday).map(formatPeriod).join(", ");
    return h("div", { class: "weekday" }, h("label", { for: input.id }, name), input);
  }));
}

function readWeeklyHours(form, id) {
  const periods = [];
  for (let weekday = 1; weekday <= 7; weekday += 1) {
    const text = form.querySelector(`#${CSS.escape(`${id}-${weekday}`)}`).value.trim();
    for (const part of text.split(",").map((piece) => piece.trim()).filter(Boolean)) {
      const match = /^(\d{1,2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?$/.exec(part);
      const start = match && Number(match[1]) * 60 + Number(match[2] || 0);
      const end = match && Number(match[3]) * 60 + Number(match[4] || 0);
      if (!match || start >= end || end > 1440 || Number(match[2] || 0) > 59 || Number(match[4] || 0) > 59) {
        throw new Error(`${weekdays[weekday - 1]}: "${part}" is not a period like 09:00-17:00`);
      }
      periods.push({ weekday, startMinuteOfDay: start, endMinuteOfDay: end });
    }
  }
  return periods;
}

function formatPeriod(period) {
  return `${clock(period.startMinuteOfDay)}-${clock(period.endMinuteOfDay)}`;
}

function clock(minuteOfDay) {
  return `${String(Math.floor(minuteOfDay / 60)).padStart(2, "0")}:${String(minuteOfDay % 60).padStart(2, "0")}`;
}

/** "Mon–Fri 09:00-17:00; Sat 10:00-14:00": days with the same hours run together. */
function describeHours(periods = []) {
  const days = weekdays.map((name, index) => ({
    name: name.slice(0, 3),
    hours: periods.filter((period) => period.weekday === index + 1).map(formatPeriod).join(", "),
  }));
  const runs = [];
  for (const day of days) {
    const last = runs[runs.length - 1];
    if (last && last.hours === day.hours) last.to = day.name;
    else runs.push({ from: day.name, to: day.name, hours: day.hours });
  }
  return runs.filter((run) => run.hours)
    .map((run) => `${run.from === run.to ? run.from : `${run.from}–${run.to}`} ${run.hours}`).join("; ") || "never";
}

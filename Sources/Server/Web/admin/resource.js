// One administered kind of record (agents, teams, canned responses, widgets…): a table of what
// exists and a form that creates a record or edits the chosen one. Each kind is described by
// its fields; this file knows nothing of any particular kind.

import { clear, h } from "../lib/dom.js";
import { randomId } from "../lib/ids.js";

/**
 * Field kinds: text, email, password, number, textarea, select (options: [[value, label]] or a
 * function returning them), checkbox, list (comma-separated → array), levels ("skill:3, …" →
 * object), multiselect (options as for select → array), and custom: `render({id, value})`
 * draws the control and `read(form, id)` turns it back into a value (or throws an Error whose
 * message the form shows). `from` names the record's property when it differs from the
 * request's (widgets take `team` and answer `teamID`). `group` nests a field in an object of
 * the body (routing rules' `conditions`), sent whole on every save because the API replaces it
 * whole. `suggestions` (a function returning strings) offers values to a text field.
 */
export class ResourceSection {
  constructor({ api, notify, id, title, singular, path, fields, columns, deletable = false, describe, onLoaded }) {
    Object.assign(this, { api, notify, id, title, path, fields, columns, deletable, describe });
    this.singular = singular || title.toLowerCase().replace(/s$/, "");
    this.onLoaded = onLoaded || (() => {});
    this.items = [];
    this.editing = null;
    this.element = h("section", { id: `section-${id}`, class: "admin-section", "aria-labelledby": `${id}-heading` });
  }

  async load() {
    const answer = await this.api.get(this.path);
    this.items = answer.items || [];
    this.onLoaded(this.items);
    this.render();
  }

  render() {
    this.table = h("table", { class: "grid", id: `${this.id}-table` },
      h("thead", {}, h("tr", {}, this.columns.map(([, label]) => h("th", { scope: "col" }, label)),
        h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
      h("tbody", {}, this.items.map((item) => this.row(item))));
    clear(this.element).append(
      h("h2", { id: `${this.id}-heading` }, this.title),
      this.items.length ? this.table : h("p", { class: "empty" }, "None yet."),
      this.form());
  }

  row(item) {
    return h("tr", { dataset: { id: item.id } },
      this.columns.map(([key]) => h("td", {}, display(typeof key === "function" ? key(item) : item[key]))),
      h("td", { class: "row-actions" },
        h("button", { type: "button", class: "edit", onclick: () => this.edit(item), "aria-label": `Edit ${item.name || item.title || item.id}` }, "Edit"),
        this.deletable ? h("button", { type: "button", class: "danger delete", onclick: () => this.remove(item),
          "aria-label": `Delete ${item.name || item.title || item.id}` }, "Delete") : null));
  }

  edit(item) {
    this.editing = item;
    this.render();
    this.element.querySelector("form input:not([type=hidden]), form textarea, form select")?.focus();
  }

  form() {
    const editing = this.editing;
    const inputs = this.fields.filter((field) => !(editing && field.createOnly) && !(!editing && field.editOnly))
      .map((field) => this.input(field, editing));
    const error = h("p", { class: "form-error", role: "alert" });
    const form = h("form", { class: "admin-form", id: `${this.id}-form` },
      h("h3", {}, editing ? `Edit ${editing.name || editing.title || editing.id}` : `New ${this.singular}`),
      inputs, error,
      h("div", { class: "form-actions" },
        h("button", { type: "submit", class: "primary" }, editing ? "Save" : "Create"),
        editing ? h("button", { type: "button", onclick: () => { this.editing = null; this.render(); } }, "Cancel") : null),
      editing && this.describe ? this.describe(editing) : null);
    form.addEventListener("submit", (event) => this.submit(event, form, error));
    return form;
  }

  input(field, editing) {
    const id = `${this.id}-${field.name}`;
    const record = field.group ? editing?.[field.group] : editing;
    const value = editing ? record?.[field.from || field.name] : field.default;
    const label = h("label", { for: id }, field.label);
    if (field.type === "checkbox") {
      const checked = (value ?? field.default) !== false;
      return h("div", { class: "field checkbox" }, h("input", { id, name: field.name, type: "checkbox", checked }), label);
    }
    if (field.type === "custom") {
      return h("div", { class: "field wide", role: "group", "aria-labelledby": `${id}-label` },
        h("span", { class: "field-label", id: `${id}-label` }, field.label), field.render({ id, value }),
        field.hint ? h("small", {}, field.hint) : null);
    }
    let control;
    if (field.type === "select" || field.type === "multiselect") {
      const options = typeof field.options === "function" ? field.options() : field.options;
      const chosen = new Set([].concat(value ?? []));
      control = h("select", { id, name: field.name, multiple: field.type === "multiselect" },
        options.map(([optionValue, optionLabel]) => h("option", { value: optionValue, selected: chosen.has(optionValue) }, optionLabel)));
    } else if (field.type === "textarea") {
      control = h("textarea", { id, name: field.name, rows: 3, required: field.required && !editing });
      control.value = value ?? "";
    } else {
      control = h("input", {
        id, name: field.name, type: field.type === "list" || field.type === "levels" ? "text" : field.type || "text",
        required: field.required && (!editing || field.type !== "password"), placeholder: field.placeholder,
        autocomplete: field.type === "password" ? "new-password" : "off",
        list: field.suggestions ? `${id}-suggestions` : null,
      });
      control.value = encode(field, value);
    }
    const suggestions = field.suggestions
      ? h("datalist", { id: `${id}-suggestions` }, field.suggestions().map((option) => h("option", { value: option })))
      : null;
    return h("div", { class: "field" }, label, control, suggestions, field.hint ? h("small", {}, field.hint) : null);
  }

  async submit(event, form, error) {
    event.preventDefault();
    error.textContent = "";
    try {
      const body = this.collect(form);
      const key = randomId();
      if (this.editing) await this.api.patch(`${this.path.split("?")[0]}/${encodeURIComponent(this.editing.id)}`, body, { idempotencyKey: key });
      else await this.api.post(this.path.split("?")[0], body, { idempotencyKey: key });
      this.notify.info(this.editing ? "Saved." : "Created.");
      this.editing = null;
      await this.load();
    } catch (failure) {
      error.textContent = failure.message;
    }
  }

  /** The form's values as a request body; on edit only what changed, blank optional fields left out. */
  collect(form) {
    const body = {};
    for (const field of this.fields) {
      const control = field.type === "custom" ? form.querySelector(`#${CSS.escape(`${this.id}-${field.name}`)}`) : form.elements[field.name];
      if (!control) continue;
      const read = (editing) => (field.type === "custom" ? field.read(form, `${this.id}-${field.name}`) : decode(field, control, editing));
      if (field.group) {
        const value = read(false);
        body[field.group] ||= {};
        if (value !== undefined && !(Array.isArray(value) && value.length === 0)) body[field.group][field.name] = value;
        continue;
      }
      const value = read(Boolean(this.editing));
      if (value === undefined) continue;
      const current = this.editing?.[field.from || field.name];
      if (this.editing && JSON.stringify(value ?? null) === JSON.stringify(current ?? null)) continue;
      body[field.name] = value;
    }
    return body;
  }

  async remove(item) {
    if (!confirm(`Delete ${item.name || item.title || item.id}?`)) return;
    try {
      await this.api.delete(`${this.path.split("?")[0]}/${encodeURIComponent(item.id)}`);
      await this.load();
    } catch (error) {
      this.notify.error(error.message);
    }
  }
}

function encode(field, value) {
  if (value === undefined || value === null) return "";
  if (field.type === "list") return value.join(", ");
  if (field.type === "levels") return Object.entries(value).map(([name, level]) => `${name}:${level}`).join(", ");
  return String(value);
}

function decode(field, control, editing) {
  if (field.type === "checkbox") return control.checked;
  if (field.type === "multiselect") return [...control.selectedOptions].map((option) => option.value);
  const text = control.value.trim();
  // A cleared optional field: left out when creating, cleared (if the API allows) when editing.
  if (text === "") return editing ? field.emptyValue : undefined;
  if (field.type === "number") return Number(text);
  if (field.type === "list") return text.split(",").map((part) => part.trim()).filter(Boolean);
  if (field.type === "levels") {
    return Object.fromEntries(text.split(",").map((part) => part.split(":").map((piece) => piece.trim()))
      .filter(([name]) => name).map(([name, level]) => [name, Number(level || 1)]));
  }
  return text;
}

function display(value) {
  if (value === undefined || value === null || value === "") return "—";
  if (Array.isArray(value)) return value.join(", ") || "—";
  if (typeof value === "object") return Object.entries(value).map(([name, level]) => `${name} ${level}`).join(", ") || "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}

// The reply box: public reply or internal note, canned responses by typing /shortcut, Enter to
// send and Shift+Enter for a new line. Conversations and tickets each have one.

import { clear, h } from "../lib/dom.js";

const suggestionsMax = 8;

const conversationLabels = { reply: "Reply", note: "Internal note", whisper: "Whisper to the agent", sendNote: "Add note" };

export class Composer {
  /**
   * @param {object} options
   * @param {import("./desk.js").Desk} options.desk  for canned responses
   * @param {(text: string, internal: boolean) => void} options.onSubmit
   * @param {() => void} [options.onTyping]  the agent typed in reply mode
   * @param {boolean} [options.notesOnly]  a supervisor whispering: internal notes only
   * @param {string} [options.idPrefix]  keeps element ids apart when a page has two composers
   * @param {object} [options.labels]  {reply, note, whisper, sendNote}: the words of the tabs and button
   */
  constructor({ desk, onSubmit, onTyping, notesOnly = false, idPrefix = "", labels = conversationLabels }) {
    this.desk = desk;
    this.idPrefix = idPrefix;
    this.labels = labels;
    this.onSubmit = onSubmit;
    this.onTyping = onTyping || (() => {});
    this.notesOnly = notesOnly;
    this.suggestions = [];
    this.active = 0;
    this.element = this.build();
    this.setMode(notesOnly ? "note" : "reply");
  }

  build() {
    this.text = h("textarea", {
      id: this.id("composer-text"), rows: 3, "aria-label": "Message", role: "combobox", "aria-autocomplete": "list",
      "aria-controls": this.id("canned-suggestions"), "aria-expanded": "false",
      onkeydown: (event) => this.onKeyDown(event), oninput: () => this.onInput(),
    });
    this.list = h("ul", { id: this.id("canned-suggestions"), class: "canned-suggestions", role: "listbox", hidden: true,
      "aria-label": "Canned responses" });
    this.replyTab = h("button", { type: "button", id: this.id("composer-reply"), onclick: () => this.setMode("reply"),
      hidden: this.notesOnly }, this.labels.reply);
    this.noteTab = h("button", { type: "button", id: this.id("composer-note"), onclick: () => this.setMode("note") },
      this.notesOnly ? this.labels.whisper : this.labels.note);
    this.send = h("button", { type: "submit", id: this.id("send"), class: "primary" }, "Send");
    const form = h("form", { id: this.id("composer"), class: "composer", onsubmit: (event) => this.submit(event) },
      h("div", { class: "composer-tabs", role: "group", "aria-label": "Message kind" }, this.replyTab, this.noteTab),
      this.list, this.text,
      h("div", { class: "composer-actions" },
        h("span", { class: "composer-hint" }, "Enter sends · Shift+Enter new line · / for canned responses"),
        this.send));
    return form;
  }

  id(name) {
    return this.idPrefix + name;
  }

  setMode(mode) {
    this.mode = this.notesOnly ? "note" : mode;
    this.replyTab.setAttribute("aria-pressed", String(this.mode === "reply"));
    this.noteTab.setAttribute("aria-pressed", String(this.mode === "note"));
    this.element.classList.toggle("note-mode", this.mode === "note");
    this.text.placeholder = this.mode === "note"
      ? `${this.labels.note} — only staff see this`
      : "Reply to the customer… type / for canned responses";
    this.send.textContent = this.mode === "note" ? this.labels.sendNote : "Send";
  }

  focus(mode) {
    if (mode) this.setMode(mode);
    this.text.focus();
  }

  submit(event) {
    event.preventDefault();
    const text = this.text.value.trim();
    if (!text) return;
    this.onSubmit(text, this.mode === "note");
    this.text.value = "";
    this.closeSuggestions();
  }

  onKeyDown(event) {
    if (!this.list.hidden && this.handleSuggestionKey(event)) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      // Input methods for Chinese and Japanese confirm a word with Enter; that must not send.
      event.preventDefault();
      this.element.requestSubmit();
    }
    if (event.key === "Escape") this.text.blur();
  }

  handleSuggestionKey(event) {
    const keys = { ArrowDown: 1, ArrowUp: -1 };
    if (event.key in keys) {
      event.preventDefault();
      this.active = (this.active + keys[event.key] + this.suggestions.length) % this.suggestions.length;
      this.renderSuggestions();
      return true;
    }
    if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      this.insert(this.suggestions[this.active]);
      return true;
    }
    if (event.key === "Escape") {
      event.preventDefault();
      this.closeSuggestions();
      return true;
    }
    return false;
  }

  onInput() {
    if (this.mode === "reply") this.onTyping();
    const word = this.slashWord();
    if (word === null) return this.closeSuggestions();
    const query = word.toLowerCase();
    this.suggestions = [...this.desk.canned.values()]
      .filter((canned) => shortcutOf(canned).startsWith(query) || canned.title.toLowerCase().includes(query))
      .slice(0, suggestionsMax);
    this.active = 0;
    this.renderSuggestions();
  }

  /** The text after a "/" that starts the word at the caret, or null. */
  slashWord() {
    const before = this.text.value.slice(0, this.text.selectionStart);
    const match = /(?:^|\s)\/([^\s/]*)$/.exec(before);
    return match ? match[1] : null;
  }

  renderSuggestions() {
    clear(this.list);
    this.list.hidden = this.suggestions.length === 0;
    this.text.setAttribute("aria-expanded", String(!this.list.hidden));
    this.suggestions.forEach((canned, index) => {
      const id = this.id(`canned-option-${index}`);
      this.list.append(h("li", {
        id, role: "option", "aria-selected": String(index === this.active), class: "canned-option",
        dataset: { shortcut: shortcutOf(canned) },
        onmousedown: (event) => {
          event.preventDefault();
          this.insert(canned);
        },
      }, h("strong", {}, `/${shortcutOf(canned)}`), " ", h("span", {}, canned.title),
      h("span", { class: "canned-preview" }, canned.text)));
    });
    if (this.list.hidden) this.text.removeAttribute("aria-activedescendant");
    else this.text.setAttribute("aria-activedescendant", this.id(`canned-option-${this.active}`));
  }

  insert(canned) {
    const caret = this.text.selectionStart;
    const before = this.text.value.slice(0, caret).replace(/\/[^\s/]*$/, "");
    const after = this.text.value.slice(caret);
    this.text.value = before + canned.text + after;
    const position = (before + canned.text).length;
    this.text.setSelectionRange(position, position);
    this.closeSuggestions();
    this.text.focus();
  }

  closeSuggestions() {
    this.suggestions = [];
    this.renderSuggestions();
  }
}

function shortcutOf(canned) {
  return canned.shortcut.replace(/^\//, "").toLowerCase();
}

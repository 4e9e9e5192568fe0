// A list in the console's left column (the conversation inbox, the ticket list): a view chosen
// with buttons (mine, unassigned, all), filters, and items that the live events add, move and
// remove. Filtering happens both on the server (each load) and here (every live change), so an
// item appears, moves or leaves the list the moment it changes.

import { clear, h } from "../lib/dom.js";

export class LiveList {
  /**
   * @param {object} options
   * @param {HTMLElement} options.list  the <ul> of items
   * @param {HTMLElement[]} options.viewButtons  buttons naming their view in `data-<viewKey>`
   * @param {string} options.viewKey  the dataset key of the view buttons ("view", "ticketView")
   * @param {string} options.idKey  the dataset key of each item's id ("conversationId", "ticketId")
   * @param {object} options.filter  the filter to start with; `view` is one of its fields
   * @param {(id: string) => void} options.onOpen
   */
  constructor({ desk, api, onOpen, list, viewButtons, viewKey, idKey, filter }) {
    this.desk = desk;
    this.api = api;
    this.onOpen = onOpen;
    this.list = list;
    this.viewButtons = viewButtons;
    this.viewKey = viewKey;
    this.idKey = idKey;
    this.idAttribute = `data-${idKey.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
    this.filter = filter;
    this.selectedId = null;
    this.renderQueued = false;
    for (const button of viewButtons) {
      button.addEventListener("click", () => this.setView(button.dataset[viewKey]));
    }
  }

  setView(view) {
    for (const button of this.viewButtons) button.setAttribute("aria-pressed", String(button.dataset[this.viewKey] === view));
    return this.setFilter({ view });
  }

  async setFilter(change) {
    Object.assign(this.filter, change);
    this.render();
    await this.load();
  }

  scheduleRender() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  render() {
    const items = this.visible();
    // Live updates rebuild the list; keyboard focus stays on the item it was on.
    const focused = document.activeElement && document.activeElement.closest(`[${this.idAttribute}]`);
    const focusedId = focused && this.list.contains(focused) ? focused.dataset[this.idKey] : null;
    clear(this.list);
    if (items.length === 0) this.list.append(h("li", { class: "empty" }, "Nothing here right now."));
    for (const item of items) this.list.append(this.item(item));
    if (focusedId) this.buttonFor(focusedId)?.focus();
    this.rendered();
  }

  /** What a list shows besides its items (counts, filter options); nothing by default. */
  rendered() {}

  buttonFor(id) {
    return this.list.querySelector(`[${this.idAttribute}="${CSS.escape(id)}"] button`);
  }

  open(id) {
    this.selectedId = id;
    this.render();
    this.onOpen(id);
  }

  /** j/k: the next or previous item in the list as shown. */
  step(delta) {
    const ids = this.visible().map((item) => item.id);
    if (ids.length === 0) return;
    const index = ids.indexOf(this.selectedId);
    const next = index < 0 ? 0 : Math.min(ids.length - 1, Math.max(0, index + delta));
    this.open(ids[next]);
    this.buttonFor(ids[next])?.scrollIntoView({ block: "nearest" });
  }
}

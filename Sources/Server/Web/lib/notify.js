// In-page toasts, desktop notifications (only when the person asked for them) and a count in
// the tab title, so a new assignment is noticed even in a background tab.

import { h } from "./dom.js";

const toastMs = 8000;

export class Notifier {
  constructor({ region, enableButton, title }) {
    this.region = region;
    this.baseTitle = title || document.title;
    this.unseen = 0;
    this.enableButton = enableButton;
    if (enableButton && "Notification" in window && Notification.permission === "default") {
      enableButton.hidden = false;
      enableButton.addEventListener("click", async () => {
        await Notification.requestPermission();
        enableButton.hidden = true;
      });
    }
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) this.clearUnseen();
    });
  }

  /** A toast with an optional action button; also a desktop notification when hidden. */
  info(text, action) {
    this.toast(text, action, "status");
    if (document.hidden) {
      this.unseen += 1;
      document.title = `(${this.unseen}) ${this.baseTitle}`;
      if ("Notification" in window && Notification.permission === "granted") {
        const notification = new Notification(this.baseTitle, { body: text });
        if (action) notification.onclick = () => { window.focus(); action.run(); };
      }
    }
  }

  error(text) {
    this.toast(text, null, "alert");
  }

  toast(text, action, role) {
    const toast = h("div", { class: "toast", role },
      h("span", {}, text),
      action ? h("button", { type: "button", onclick: () => { action.run(); toast.remove(); } }, action.label) : null,
      h("button", { type: "button", "aria-label": "Dismiss", onclick: () => toast.remove() }, "×"));
    this.region.append(toast);
    setTimeout(() => toast.remove(), toastMs);
  }

  clearUnseen() {
    this.unseen = 0;
    document.title = this.baseTitle;
  }
}

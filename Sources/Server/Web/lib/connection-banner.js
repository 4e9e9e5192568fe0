// Says honestly whether the page is live. Agents complain most about pages that look fine while
// they silently stopped updating, so anything but a live stream is shown, with what happens to
// what they send meanwhile.

export class ConnectionBanner {
  /** @param {HTMLElement} element  a role="status" element, hidden while all is well */
  constructor(element) {
    this.element = element;
    this.live = { state: "connecting", attempt: 0 };
    this.unsent = 0;
  }

  setLive(status) {
    this.live = status;
    this.render();
  }

  setUnsent(count) {
    this.unsent = count;
    this.render();
  }

  render() {
    const { state } = this.live;
    const parts = [];
    if (state === "connecting") parts.push("Connecting…");
    if (state === "reconnecting") parts.push("Reconnecting… updates are paused and will catch up.");
    if (state === "stopped") parts.push("Disconnected. Reload the page to continue.");
    if (this.unsent > 0) parts.push(`${this.unsent} unsent — will be sent when the connection is back.`);
    this.element.textContent = parts.join(" ");
    this.element.dataset.state = state;
    this.element.hidden = parts.length === 0;
  }
}

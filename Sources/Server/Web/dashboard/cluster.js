// The cluster health panel: every node with its role, reachability, applied index and session
// slots, and which one leads. Cluster state has no live events, so it is polled; a failed poll
// is shown, not hidden behind the last good answer.

import { clear, h } from "../lib/dom.js";

const pollMs = 3000;

export class ClusterPanel {
  constructor({ api, element }) {
    this.api = api;
    this.element = element;
  }

  start() {
    this.poll();
    setInterval(() => this.poll(), pollMs);
  }

  async poll() {
    try {
      const status = await this.api.request("GET", "/v1/cluster", { timeoutMs: 4000 });
      this.render(status);
    } catch (error) {
      this.element.querySelector(".cluster-error")?.remove();
      this.element.prepend(h("p", { class: "form-error cluster-error", role: "alert" }, `Cluster status unavailable: ${error.message}`));
    }
  }

  render(status) {
    const leader = status.leader;
    clear(this.element).append(
      h("p", { class: "cluster-summary" },
        leader ? `Leader: node ${leader}` : h("strong", { class: "bad" }, "No leader"),
        ` · term ${status.term} · commit ${status.commit} · answered by node ${status.nodeId}`),
      h("table", { class: "grid", id: "cluster-members" },
        h("thead", {}, h("tr", {}, ["Node", "Role", "Address", "Reachable", "Slots", "State"].map((name) => h("th", { scope: "col" }, name)))),
        h("tbody", {}, status.members.map((member) => h("tr", { dataset: { nodeId: member.id }, class: member.id === leader ? "leader" : "" },
          h("td", {}, member.id, member.id === leader ? h("span", { class: "pill open" }, "leader") : null),
          h("td", {}, member.role),
          h("td", {}, member.httpAddress || member.peerAddress),
          h("td", {}, member.reachable === false ? h("strong", { class: "bad" }, "no") : member.reachable ? "yes" : "unknown"),
          h("td", { class: "slots" }, String(member.slots.length)),
          h("td", {}, member.draining ? h("span", { class: "pill pending" }, "draining") : "serving"))))));
  }
}

// What a conversation's messages and a ticket's comments have in common: one entry per message
// or comment (customer, staff, internal), and the sends still in the outbox shown as pending
// until the entry they became arrives.

import { formatTime, h } from "../lib/dom.js";

/**
 * One message or comment.
 * @param {object} entry  a message or a ticket comment: author, text, internal, createdAt, attachments
 * @param {object} options
 * @param {string} options.author  the author's name as shown
 * @param {string} options.internalLabel  "Internal note", "Internal comment"
 * @param {object} options.dataset  what identifies the entry in the page
 * @param {Node} [options.footer]
 */
export function entryItem(entry, { author, internalLabel, dataset, footer }) {
  const kind = entry.internal ? "internal" : entry.author.type;
  return h("li", { class: `message message--${kind}`, dataset },
    h("div", { class: "message-author" },
      entry.internal ? `${internalLabel} · ` : "", author,
      h("time", { datetime: new Date(entry.createdAt).toISOString() }, formatTime(entry.createdAt))),
    h("div", { class: "message-text" }, entry.text),
    (entry.attachments || []).map((attachment) =>
      h("a", { class: "attachment", href: attachment.url, target: "_blank", rel: "noopener" }, attachment.name)),
    footer || null);
}

/** The name to show for a message or comment author. */
export function authorName(desk, author) {
  if (author.type === "customer") return desk.customerName(author.id);
  if (author.type === "agent") return author.id === desk.me.id ? "You" : desk.agentName(author.id);
  if (author.type === "bot") return `Bot (${author.id})`;
  return "System";
}

/**
 * Queued sends that no shown entry stands for yet. The live event of a send can arrive before
 * its HTTP answer; then an entry by me with the same text is taken to be it, so it never shows
 * twice.
 */
export function unconfirmedSends(outbox, belongs, shown, myId) {
  const claimed = new Set();
  return outbox.pending(belongs).filter((item) => {
    const match = shown.find((entry) => !claimed.has(entry) && entry.author.id === myId
      && entry.text === item.body.text && Boolean(entry.internal) === Boolean(item.body.internal)
      && entry.createdAt >= item.queuedAt - 60000);
    if (match) claimed.add(match);
    return !match;
  });
}

/** A send still in the outbox: sending, retrying, or failed with Retry and Discard. */
export function pendingItem(item, outbox, internalLabel) {
  const failed = item.state === "failed";
  return h("li", { class: `message message--pending${item.body.internal ? " message--internal" : ""}`, dataset: { pendingKey: item.key } },
    h("div", { class: "message-author" }, item.body.internal ? `${internalLabel} · You` : "You"),
    h("div", { class: "message-text" }, item.body.text),
    h("div", { class: "message-state", role: failed ? "alert" : null },
      failed ? `Not sent: ${item.error}` : item.attempts > 1 ? "Sending… (retrying)" : "Sending…",
      failed ? h("button", { type: "button", onclick: () => outbox.retry(item.key) }, "Retry") : null,
      failed ? h("button", { type: "button", onclick: () => outbox.discard(item.key) }, "Discard") : null));
}

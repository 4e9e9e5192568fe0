// Keyboard shortcuts for the common actions. Single keys act only when focus is not in a text
// field, so typing a reply never triggers them.

export const shortcutList = [
  ["g", "Switch conversations ⇄ tickets"],
  ["j / k", "Next / previous conversation or ticket"],
  ["r", "Reply (to a ticket: public reply)"],
  ["n", "Internal note (on a ticket: internal comment)"],
  ["a", "Assign to me"],
  ["e", "Resolve the conversation / solve the ticket"],
  ["t", "Transfer"],
  ["c", "Create a ticket from the conversation"],
  ["/", "Search the tickets"],
  ["y / d", "Accept / decline the oldest offer"],
  ["1 / 2 / 3", "Mine / Unassigned / All"],
  ["s", "Switch online ⇄ away"],
  ["?", "This list"],
  ["Esc", "Leave the text field"],
];

export function installShortcuts(actions) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
}

function isTyping(target) {
  return target instanceof HTMLElement
    && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

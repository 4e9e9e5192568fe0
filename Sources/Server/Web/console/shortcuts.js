// Keyboard shortcuts for the common actions. Single keys act only when focus is not in a text
// field, so typing a reply never triggers them.

export const shortcutList = [
  ["j / k", "Next / previous conversation"],
  ["r", "Reply"],
  ["n", "Internal note"],
  ["a", "Assign to me"],
  ["e", "Resolve"],
  ["t", "Transfer"],
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

// Small DOM helpers. Text always goes in through textContent, never innerHTML, so message text
// from customers cannot inject markup.

/**
 * Creates an element: h("button", {class: "primary", onclick: fn, "aria-label": "Send"}, "Send").
 * Attributes starting with "on" become listeners; `dataset` is an object; false/null skip.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (name === "class") {
      element.className = value;
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(element) {
  while (element.firstChild) element.firstChild.remove();
  return element;
}

/** "14:05" today, "3 Mar 14:05" on other days. */
export function formatTime(milliseconds) {
  if (!milliseconds) return "";
  const date = new Date(milliseconds);
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (date.toDateString() === new Date().toDateString()) return time;
  return `${date.toLocaleDateString([], { day: "numeric", month: "short" })} ${time}`;
}

/** "2 min", "1 h 5 min": for waits and countdowns. */
export function formatDuration(milliseconds) {
  const negative = milliseconds < 0;
  const totalMinutes = Math.floor(Math.abs(milliseconds) / 60000);
  const seconds = Math.floor(Math.abs(milliseconds) / 1000) % 60;
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  let text;
  if (hours > 0) text = `${hours} h ${minutes} min`;
  else if (minutes > 0) text = `${minutes} min`;
  else text = `${seconds} s`;
  return negative ? `-${text}` : text;
}

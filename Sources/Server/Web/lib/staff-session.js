// A staff member's sign-in, shared by the console, the dashboard and the admin pages. The token
// is kept in localStorage so a reload (or a second tab) stays signed in; it is valid on every
// node, so the pages keep working when the node that issued it dies.

import { Api } from "./api.js";
import { h } from "./dom.js";

const storageKey = "switchboard.staff";

export function loadSession() {
  try {
    const session = JSON.parse(localStorage.getItem(storageKey) || "null");
    if (!session || !session.token) return null;
    if (session.expiresAt && session.expiresAt * 1000 < Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

export function saveSession(session) {
  localStorage.setItem(storageKey, JSON.stringify(session));
}

export function clearSession() {
  localStorage.removeItem(storageKey);
}

/** An API client for this origin that signs requests with the stored staff token. */
export function staffApi(onUnauthorized) {
  return new Api({
    base: location.origin,
    token: () => (loadSession() || {}).token || null,
    onUnauthorized,
  });
}

/**
 * Shows the sign-in form in `container` and resolves with the session once signed in.
 * `allowedRoles` keeps, say, agents out of the admin pages with a clear message.
 */
export function signIn(container, { title, allowedRoles = ["agent", "supervisor", "admin"] } = {}) {
  return new Promise((resolve) => {
    const api = new Api({ base: location.origin, token: () => null });
    const error = h("p", { id: "login-error", class: "form-error", role: "alert" });
    const email = h("input", { id: "login-email", type: "email", name: "email", autocomplete: "username", required: true });
    const password = h("input", {
      id: "login-password", type: "password", name: "password", autocomplete: "current-password", required: true,
    });
    const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
    const form = h("form", { id: "login-form", class: "login-form", "aria-labelledby": "login-title" },
      h("h1", { id: "login-title" }, title || "Sign in to Switchboard"),
      h("label", { for: "login-email" }, "Email"), email,
      h("label", { for: "login-password" }, "Password"), password,
      error, submit);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      submit.disabled = true;
      error.textContent = "";
      try {
        const answer = await api.post("/v1/auth/login", { email: email.value, password: password.value });
        if (!allowedRoles.includes(answer.user.role)) {
          error.textContent = `This page is for ${allowedRoles.join(" and ")} accounts.`;
          return;
        }
        const session = { token: answer.token, expiresAt: answer.expiresAt, user: answer.user };
        saveSession(session);
        container.replaceChildren();
        resolve(session);
      } catch (failure) {
        error.textContent = describeLoginError(failure);
      } finally {
        submit.disabled = false;
      }
    });
    container.replaceChildren(form);
    email.focus();
  });
}

function describeLoginError(error) {
  if (error.status === 401) return "That email and password do not match an active account.";
  if (error.status === 429) return `Too many attempts. Try again in ${error.retryAfterSeconds || 60} seconds.`;
  if (error.status === 0) return "The server cannot be reached. Check the connection and try again.";
  return error.message;
}

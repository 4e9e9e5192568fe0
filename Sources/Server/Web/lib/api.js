// A small client for the Switchboard HTTP API: JSON in and out, bearer token, errors as
// ApiError, and a bounded retry of reads when the cluster is briefly unavailable (a node dying
// behind the load balancer answers 502/503 for a moment; a retry lands on a healthy node).

const requestTimeoutMs = 10000;
const readAttemptsMax = 4;

/** Statuses worth retrying with the same request: the cluster is busy, moving or restarting. */
const transientStatuses = new Set([408, 421, 425, 429, 500, 502, 503, 504]);

export class ApiError extends Error {
  constructor(status, code, message, retryAfterSeconds) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** True when the same request may succeed later (no answer, or a temporary refusal). */
  get transient() {
    return this.status === 0 || transientStatuses.has(this.status);
  }
}

export class Api {
  /**
   * @param {object} options
   * @param {string} options.base  origin of a node or the load balancer, e.g. "http://127.0.0.10:8080"
   * @param {() => string|null} options.token  the bearer token to send, if any
   * @param {() => void} [options.onUnauthorized]  called when a request with a token answers 401
   */
  constructor({ base, token, onUnauthorized }) {
    this.base = base.replace(/\/$/, "");
    this.token = token;
    this.onUnauthorized = onUnauthorized || (() => {});
  }

  get(path) {
    return this.withRetries(() => this.request("GET", path));
  }

  post(path, body, options) {
    return this.request("POST", path, { body, ...options });
  }

  patch(path, body, options) {
    return this.request("PATCH", path, { body, ...options });
  }

  put(path, body, options) {
    return this.request("PUT", path, { body, ...options });
  }

  delete(path, options) {
    return this.request("DELETE", path, options);
  }

  /** Reads every page of a listing that pages with `cursor`/`nextCursor`. */
  async getAll(path, pagesMax = 20) {
    const items = [];
    let cursor = null;
    for (let page = 0; page < pagesMax; page += 1) {
      const separator = path.includes("?") ? "&" : "?";
      const answer = await this.get(cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path);
      items.push(...(answer.items || []));
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    return items;
  }

  /**
   * Reads every item after `after` of a listing that pages by sequence number (`after=<seq>`:
   * messages, ticket comments, ticket history).
   */
  async getAfterSeq(path, after = 0, limit = 500) {
    const items = [];
    const separator = path.includes("?") ? "&" : "?";
    for (;;) {
      const page = await this.get(`${path}${separator}after=${after}&limit=${limit}`);
      items.push(...page.items);
      if (page.items.length < limit) return items;
      after = page.items[page.items.length - 1].seq;
    }
  }

  async withRetries(attempt) {
    for (let tries = 1; ; tries += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof ApiError) || !error.transient || tries >= readAttemptsMax) throw error;
        await sleep(retryDelayMs(error, tries));
      }
    }
  }

  /**
   * One HTTP request. Resolves with the parsed JSON answer (or null for an empty body);
   * rejects with ApiError, whose status is 0 when no answer arrived at all.
   */
  async request(method, path, { body, idempotencyKey, timeoutMs = requestTimeoutMs } = {}) {
    const headers = { Accept: "application/json" };
    const token = this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response;
    try {
      response = await fetch(this.base + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: controller.signal,
      });
    } catch (error) {
      throw new ApiError(0, "network", "no answer from the server");
    } finally {
      clearTimeout(timer);
    }
    return this.parse(response, Boolean(token));
  }

  async parse(response, authenticated) {
    const text = await response.text().catch(() => "");
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (response.ok) return json;
    if (response.status === 401 && authenticated) this.onUnauthorized();
    const error = (json && json.error) || {};
    const retryAfter = Number(response.headers.get("Retry-After")) || undefined;
    throw new ApiError(response.status, error.code || "http_" + response.status,
      error.message || response.statusText || "request failed", retryAfter);
  }
}

/** Exponential backoff with jitter, or the server's Retry-After when it gave one. */
export function retryDelayMs(error, attempt) {
  if (error && error.retryAfterSeconds) return Math.min(error.retryAfterSeconds, 10) * 1000;
  const base = Math.min(250 * 2 ** (attempt - 1), 8000);
  return base / 2 + Math.random() * (base / 2);
}

export function sleep(milliseconds) {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

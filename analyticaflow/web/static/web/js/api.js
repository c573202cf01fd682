// The JSON API from the UI: the session cookie authenticates, the page's CSRF token goes in a header.

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `The server answered ${status}.`);
    this.status = status;
    this.code = error.code || "error";
    this.fields = error.fields || {};
  }

  /** One line for the user: the message and the reasons per field. */
  describe() {
    const reasons = Object.entries(this.fields).map(([field, list]) => `${field}: ${[].concat(list).join(" ")}`);
    return [this.message, ...reasons].join(" ");
  }
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

export async function api(url, { method = "GET", body = undefined, signal = undefined } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  const response = await fetch(url, {
    method, headers, signal, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    if (response.status === 401) window.location.assign(`/login/?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError(response.status, payload);
  }
  return payload;
}

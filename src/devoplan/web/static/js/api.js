// The JSON API, in one place: every path the app calls is here, so a change of route is one edit.
// Cookie session plus a CSRF token sent in a header on every mutating request.

const CSRF_KEY = "devoplan.csrf";
let csrfToken = sessionStorage.getItem(CSRF_KEY);

/** An API error with the server's message and, when it names one, the field at fault. */
export class ApiError extends Error {
  constructor(status, detail, field) {
    super(detail);
    this.status = status;
    this.field = field;
  }
}

/** Turn an error body ({"error": {status, field, message}}) into a message and a field. */
function explain(status, body) {
  const error = body && body.error;
  if (error && typeof error === "object") return new ApiError(status, String(error.message || status), error.field || null);
  const detail = body && body.detail;
  if (Array.isArray(detail) && detail.length) {
    const loc = Array.isArray(detail[0].loc) ? detail[0].loc.filter((p) => p !== "body").join(".") : null;
    return new ApiError(status, loc ? `${loc}: ${detail[0].msg}` : String(detail[0].msg), loc);
  }
  return new ApiError(status, detail ? String(detail) : `the server answered ${status}`, null);
}

async function request(method, path, body, { form = false } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let payload;
  if (form) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(`api/${path}`, { method, headers, body: payload, credentials: "same-origin" });
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) throw explain(response.status, data);
  return data;
}

const get = (path) => request("GET", path);
const post = (path, body) => request("POST", path, body === undefined ? {} : body);

/** Keep the CSRF token of a log-in (or of "who am I") and return the user. */
function remember(doc) {
  if (doc && doc.csrf_token) {
    csrfToken = doc.csrf_token;
    sessionStorage.setItem(CSRF_KEY, csrfToken);
  }
  return doc && doc.user ? doc.user : doc;
}

export const api = {
  async login(name, password) { return remember(await post("auth/login", { name, password })); },
  async me() { return remember(await get("auth/me")); },
  async logout() {
    try { await post("auth/logout"); } finally { csrfToken = null; sessionStorage.removeItem(CSRF_KEY); }
  },

  geography: () => get("geography"),
  districts: () => get("geography/districts.geojson"),
  hexmap: () => get("geography/hexmap.hexjson"),

  scenarios: () => get("scenarios"),
  scenario: (id) => get(`scenarios/${id}`),
  setLocks: (id, locks) => request("PATCH", `scenarios/${id}`, { locks }),
  createScenario: (name, source) => post("scenarios", { name, source }),
  upload(name, file) {
    const data = new FormData();
    data.append("name", name);
    data.append("file", file);
    return request("POST", "scenarios/upload", data, { form: true });
  },
  preview: (id, moves, version) => post(`scenarios/${id}/preview`, { moves, version }),
  edit: (id, moves, baseVersion, message) => post(`scenarios/${id}/versions`, { moves, base_version: baseVersion, message }),
  undo: (id, baseVersion) => post(`scenarios/${id}/undo`, { base_version: baseVersion }),
  redo: (id, baseVersion) => post(`scenarios/${id}/redo`, { base_version: baseVersion }),
  versions: (id) => get(`scenarios/${id}/versions`),
  diff: (id, a, b) => get(`scenarios/${id}/diff?a=${encodeURIComponent(a)}${b ? `&b=${encodeURIComponent(b)}` : ""}`),
  restore: (id, version, baseVersion) => post(`scenarios/${id}/restore`, { version, base_version: baseVersion }),
  downloadUrl: (id, version, file) => `api/scenarios/${id}/versions/${version}/${file}`,

  proposals: (id) => get(`scenarios/${id}/proposals`),
  proposal: (pid) => get(`proposals/${pid}`),
  propose: (id, moves, reason, baseVersion) => post(`scenarios/${id}/proposals`, { moves, reason, base_version: baseVersion }),
  accept: (pid, note) => post(`proposals/${pid}/accept`, { note }),
  reject: (pid, note) => post(`proposals/${pid}/reject`, { note }),
  counter: (pid, moves, reason) => post(`proposals/${pid}/counter`, { moves, reason }),
  comments: (pid) => get(`proposals/${pid}/comments`),
  districtComments: (id, district) => get(`scenarios/${id}/comments?district=${encodeURIComponent(district)}`),
  commentDistrict: (id, district, text) => post(`scenarios/${id}/comments`, { district, text }),
  comment: (pid, text) => post(`proposals/${pid}/comments`, { text }),

  users: () => get("users"),
  addUser: (body) => post("users", body),
  changeUser: (uid, body) => request("PATCH", `users/${uid}`, body),

  notifications: () => get("notifications"),
  markRead: (nid) => post(`notifications/${nid}/read`),

  startJob: (body) => post("jobs", body),
  job: (jid) => get(`jobs/${jid}`),
  cancelJob: (jid) => post(`jobs/${jid}/cancel`),
};

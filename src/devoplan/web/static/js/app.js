// The workspace app: log in, the scenario list (create from the default plan, a layer, an upload
// or an optimiser run with progress and cancel), the editor, and notifications. Routes are URL
// fragments (#/scenarios, #/scenario/7) so the browser's back button and links work.

import { api } from "./api.js";
import { h, $, $$, fill, num, when } from "./dom.js";
import { districtNeighbours } from "./colours.js";
import { districtMap, hexMap } from "./maps.js";
import { Editor } from "./editor.js";
import { renderUsers, addUser } from "./users.js";

const state = { user: null, geo: null, editor: null, job: null };
const ATTRIBUTION = "Boundaries: ONS, Contains OS data © Crown copyright and database right";

function say(text) { fill($("#status"), text); }

function report(err) {
  const box = $("#error");
  if (err && err.status === 401 && state.user) { state.user = null; show("login-view"); } // session expired
  fill(box, err && err.message ? err.message : String(err));
  box.hidden = false;
  const name = err && err.field ? CSS.escape(String(err.field).split(".").pop()) : null;
  const field = name ? $(`.view:not([hidden]) [name="${name}"]`) || $(`#${name}`) : null;
  if (field) { field.setAttribute("aria-invalid", "true"); field.focus(); }
}

function clearError() {
  $("#error").hidden = true;
  $$("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
}

function show(view) {
  for (const id of ["login-view", "scenarios-view", "editor-view", "users-view"]) $(`#${id}`).hidden = id !== view;
  $("#top-nav").hidden = !state.user;
  $("#nav-users").hidden = !state.user || state.user.role !== "admin";
}

function route(hash) {
  if (location.hash !== hash) location.hash = hash; else onRoute();
}

async function onRoute() {
  clearError();
  if (!state.user) { show("login-view"); $("#login-name").focus(); return; }
  const match = location.hash.match(/^#\/scenario\/(\d+)$/);
  try {
    if (match) await openEditor(Number(match[1]));
    else if (location.hash === "#/users" && state.user.role === "admin") { show("users-view"); await renderUsers({ report, say }); }
    else { show("scenarios-view"); await listScenarios(); }
  } catch (err) { report(err); }
}

// ---- log in ----------------------------------------------------------------------------------

async function loggedIn(user) {
  state.user = user;
  fill($("#whoami"), `${user.name} (${user.role}${user.area ? `, ${user.area}` : ""})`);
  pollNotifications();
  await onRoute();
}

$("#login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  clearError();
  try { await loggedIn(await api.login($("#login-name").value, $("#login-password").value)); }
  catch (err) { report(err); }
});

$("#logout").addEventListener("click", async () => {
  await api.logout().catch(() => {});
  state.user = null;
  state.editor = null;
  route("#/login");
});

// ---- scenarios -------------------------------------------------------------------------------

async function listScenarios() {
  const canCreate = state.user.role === "analyst" || state.user.role === "admin";
  $("#create-form").hidden = !canCreate;  // before the wait: never show the previous user's form
  const scenarios = await api.scenarios();
  fill($("#scenario-table tbody"), scenarios.length ? scenarios.map((s) => h("tr", {},
    h("th", { scope: "row" }, s.name),
    h("td", { class: "num" }, s.version),
    h("td", {}, s.description || ""),
    h("td", {}, when(s.created_at)),
    h("td", {}, h("a", { href: `#/scenario/${s.id}` }, `Open ${s.name}`)))) :
    h("tr", {}, h("td", { colspan: 5 }, canCreate ? "No scenarios yet: create one below." : "No scenarios yet.")));
  if (canCreate && !$("#create-layer").options.length) {
    const geography = await api.geography().catch(() => ({ layers: [] }));
    fill($("#create-layer"), geography.layers.map((l) => h("option", { value: l.key },
      `${l.name || l.key} (${l.areas.length} areas)`)));
  }
}

$$("input[name=source]").forEach((radio) => radio.addEventListener("change", () => {
  const source = $("input[name=source]:checked").value;
  $$("[data-source]").forEach((n) => { n.hidden = n.dataset.source !== source; });
}));

$("#create-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  clearError();
  const name = $("#create-name").value.trim();
  const source = $("input[name=source]:checked").value;
  try {
    if (!name) throw Object.assign(new Error("Give the scenario a name."), { field: "name" });
    let scenario;
    if (source === "upload") {
      const file = $("#create-file").files[0];
      if (!file) throw Object.assign(new Error("Choose a CSV or GeoJSON plan file."), { field: "file" });
      scenario = await api.upload(name, file);
    } else if (source === "layer") {
      scenario = await api.createScenario(name, { kind: "layer", layer: $("#create-layer").value });
    } else {
      // The default plan is the optimiser with default options; "a new optimiser run" sets the number of areas.
      const body = source === "optimise" ? { name, areas: Number($("#create-areas").value) } : { name };
      await runJob(await api.startJob(body));
      return;
    }
    route(`#/scenario/${scenario.id}`);
  } catch (err) { report(err); }
});

async function runJob(job) {
  state.job = job;
  $("#job").hidden = false;
  $("#job-cancel").disabled = false;
  while (state.job && ["queued", "running"].includes(job.status)) {
    $("#job-progress").value = job.progress || 0;
    fill($("#job-message"), `${job.status}${job.phase ? `, ${job.phase}` : ""}: ${job.message || ""} (${Math.round(100 * (job.progress || 0))}%)`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    job = await api.job(job.id);
  }
  state.job = null;
  $("#job-cancel").disabled = true;
  $("#job-progress").value = job.progress || 0;
  fill($("#job-message"), `${job.status}${job.message ? `: ${job.message}` : ""}`);
  if (job.scenario) route(`#/scenario/${job.scenario}`);
}

$("#job-cancel").addEventListener("click", async () => {
  if (!state.job) return;
  try { await api.cancelJob(state.job.id); say("Cancelling the optimiser run…"); } catch (err) { report(err); }
});

// ---- the editor ------------------------------------------------------------------------------

async function loadGeography() {
  const [summary, districts, hexjson] = await Promise.all([api.geography(), api.districts(), api.hexmap()]);
  for (const f of districts.features) { // the map's features are keyed by district code
    f.properties.code = f.properties.code || f.properties.LAD24CD;
    f.properties.name = f.properties.name || f.properties.LAD24NM;
  }
  const names = new Map(summary.districts.map((d) => [d.code, d.name]));
  const population = new Map(summary.districts.map((d) => [d.code, d.population]));
  const codes = Array.from(names.keys()).sort((a, b) => names.get(a).localeCompare(names.get(b)));
  return { districts, hexjson, names, population, codes, neighbours: districtNeighbours(districts) };
}

const tool = () => $("input[name=tool]:checked").value;

async function openEditor(id) {
  show("editor-view");
  delete $("#editor-view").dataset.loaded;
  if (!state.geo) {
    say("Loading the district map…");
    state.geo = await loadGeography();
    const handlers = { getTool: tool, onSelect: (c) => state.editor.select(c), onPaint: (c) => state.editor.paint(c) };
    const mapView = await districtMap({ container: $("#map"), collection: state.geo.districts,
      attribution: ATTRIBUTION, ...handlers });
    const hexView = hexMap({ element: $("#hex"), hexjson: state.geo.hexjson, nameOf: (c) => state.geo.names.get(c) || c,
      onFocusText: (t) => fill($("#hex-focus"), t), ...handlers });
    state.views = [mapView, hexView];
    window.devoplanViews = { map: mapView, hex: hexView }; // for the browser tests and the console
    switchTool();
    if (!mapView) {
      fill($("#map-note"), "The map library is not installed (run `make web`); showing the hex map.");
      $("#map-note").hidden = false;
      $("input[name=view][value=hex]").checked = true;
      $("input[name=view][value=map]").disabled = true;
      switchView();
    }
  }
  state.editor = new Editor({ geo: state.geo, views: state.views, user: state.user, report, say });
  await state.editor.open(id);
  $("#editor-view").dataset.loaded = String(id); // the scenario is drawn (browser tests wait for this)
  say(`Opened ${state.editor.scenario.name}, version ${state.editor.scenario.version}.`);
}

function switchView() {
  const hex = $("input[name=view]:checked").value === "hex";
  $("#map").hidden = hex;
  $("#hex").toggleAttribute("hidden", !hex); // an SVG element has no .hidden property
  if (!hex && state.views?.[0]) state.views[0].resize();
}

/** Painting takes the map's drag (and a finger's) from panning and scrolling. */
function switchTool() {
  $(".map-pane").classList.toggle("painting", tool() === "paint");
  for (const view of state.views || []) view?.setTool(tool());
}

$$("input[name=view]").forEach((r) => r.addEventListener("change", switchView));
$$("input[name=tool]").forEach((r) => r.addEventListener("change", switchTool));
$$("input[name=mode]").forEach((r) => r.addEventListener("change", () => state.editor?.discardDraft()));
$("#undo").addEventListener("click", () => state.editor?.undo());
$("#lock-district").addEventListener("change", (e) => state.editor?.setLock(e.target.checked));
$("#reoptimise").addEventListener("click", async () => {
  const s = state.editor?.scenario;
  if (!s) return;
  clearError();
  try {
    const job = await api.startJob({ name: `${s.name}, re-optimised`, areas: s.areas.length, from_scenario: s.id });
    route("#/scenarios");
    await runJob(job);
  } catch (err) { report(err); }
});
$("#redo").addEventListener("click", () => state.editor?.redo());
$("#draft-submit").addEventListener("click", () => state.editor?.submitDraft());
$("#draft-clear").addEventListener("click", () => state.editor?.discardDraft());
$("#move-district").addEventListener("change", () => {
  const code = state.editor?.resolveDistrict($("#move-district").value);
  if (code) state.editor.select(code);
});
$("#move-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  clearError();
  const code = state.editor.resolveDistrict($("#move-district").value);
  if (!code) { report(Object.assign(new Error("Unknown district: pick one from the list."), { field: "move-district" })); return; }
  await state.editor.apply([{ district: code, area: $("#move-area").value }]);
});
document.addEventListener("keydown", (e) => {
  if (!state.editor || !(e.ctrlKey || e.metaKey) || e.target.matches("input, textarea, select")) return;
  if (e.key === "z" && !e.shiftKey) { e.preventDefault(); state.editor.undo(); }
  if (e.key === "y" || (e.key === "z" && e.shiftKey)) { e.preventDefault(); state.editor.redo(); }
});

// ---- notifications ---------------------------------------------------------------------------

async function refreshNotifications() {
  if (!state.user) return;
  const notes = await api.notifications();
  const unread = notes.filter((n) => !n.read);
  fill($("#notif-count"), String(unread.length));
  $("#notif-count").setAttribute("aria-label", `${unread.length} unread`);
  fill($("#notif-list"), notes.length ? notes.map((n) => h("li", { class: n.read ? "read" : "unread" },
    h("a", { href: n.scenario ? `#/scenario/${n.scenario}` : "#/scenarios", onclick: () => {
      api.markRead(n.id).then(refreshNotifications).catch(() => {});
      $("#notifications").hidden = true;
    } }, n.text), " ", h("small", {}, when(n.created_at)))) : h("li", { class: "muted" }, "Nothing new."));
}

function pollNotifications() {
  refreshNotifications().catch(() => {});
  clearInterval(state.poll);
  state.poll = setInterval(() => refreshNotifications().catch(() => {}), 15000);
}

$("#nav-notifications").addEventListener("click", async () => {
  const panel = $("#notifications");
  panel.hidden = !panel.hidden;
  $("#nav-notifications").setAttribute("aria-expanded", String(!panel.hidden));
  if (!panel.hidden) await refreshNotifications().catch(report);
});
$("#nav-scenarios").addEventListener("click", () => route("#/scenarios"));
$("#nav-users").addEventListener("click", () => route("#/users"));
$("#add-user-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  clearError();
  try { await addUser({ report, say }); } catch (err) { report(err); }
});
window.addEventListener("hashchange", onRoute);

// ---- start -----------------------------------------------------------------------------------

api.me().then(loggedIn, () => { show("login-view"); });

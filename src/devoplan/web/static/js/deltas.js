// The "what changed" panel: a what-if's before, after and change (the API's preview document) as
// captioned tables: the moves; coterminosity, containment and kept-whole splits with every layer;
// each touched area's population against the bounds, contiguity and first-year funding; the other
// plan measures; and the checks: design rules, then plausibility checks (marked where the moves
// change what they find).

import { h, num, delta, money } from "./dom.js";

const isNum = (x) => typeof x === "number" && Number.isFinite(x);
const pct = (x) => (isNum(x) ? `${(100 * x).toFixed(1)}%` : "–");
const pts = (d) => (isNum(d) ? `${d >= 0 ? "+" : "−"}${Math.abs(100 * d).toFixed(1)} pts` : "–");
const changed = (d) => isNum(d) && Math.abs(d) > 1e-12;
const mark = (good, text) => h("span", { class: good ? "ok" : "bad" }, text);

function table(caption, headers, rows, attrs = {}) {
  return h("table", { class: "data compact", ...attrs },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, rows));
}

function movesTable(moves, ctx) {
  return table("Moves", ["District", "From", "To"], moves.map((m) => h("tr", {},
    h("td", {}, m.district_name || ctx.nameOf(m.district)),
    h("td", {}, ctx.areaShort(m.from)), h("td", {}, ctx.areaShort(m.to)))));
}

/** Split "measure@LAYER" keys into per-layer rows. */
function byLayer(metrics) {
  const layers = new Map();
  for (const key of Object.keys(metrics.after || {})) {
    const at = key.indexOf("@");
    if (at < 0) continue;
    const [measure, layer] = [key.slice(0, at), key.slice(at + 1)];
    if (!layers.has(layer)) layers.set(layer, {});
    layers.get(layer)[measure] = { before: metrics.before?.[key], after: metrics.after[key], delta: metrics.delta?.[key] };
  }
  return layers;
}

function layersTable(metrics) {
  const layers = byLayer(metrics);
  if (!layers.size) return null;
  const cell = (m, fmt, fmtDelta) => h("td", { class: "num" }, m ? fmt(m.after) : "–",
    m && changed(m.delta) ? h("small", { class: "change" }, ` (${fmtDelta(m.delta)})`) : "");
  return table("With every layer: coterminosity, containment and bodies split",
    ["Layer", "Coterminosity", "Plan areas inside one body", "Bodies inside one area", "Bodies split"],
    Array.from(layers, ([layer, m]) => h("tr", { class: Object.values(m).some((x) => changed(x.delta)) ? "hit" : "" },
      h("th", { scope: "row" }, layer),
      cell(m.coterminosity, pct, pts),
      cell(m.containment_plan_in, pct, pts),
      cell(m.containment_layer_in, pct, pts),
      cell(m["identity.split"] ?? m.split_layer_areas, num, delta))), { "data-part": "layers" });
}

function otherMeasures(metrics) {
  const keys = Object.keys(metrics.after || {}).filter((k) => !k.includes("@"));
  if (!keys.length) return null;
  const row = (k) => h("tr", { class: changed(metrics.delta?.[k]) ? "hit" : "" },
    h("th", { scope: "row" }, k.replace(".", ": ").replaceAll("_", " ")),
    h("td", { class: "num" }, num(metrics.before?.[k])), h("td", { class: "num" }, num(metrics.after[k])),
    h("td", { class: "num" }, delta(metrics.delta?.[k])));
  const moved = keys.filter((k) => changed(metrics.delta?.[k]));
  return h("div", {},
    moved.length ? table("Other measures that changed", ["Measure", "Before", "After", "Change"], moved.map(row))
      : h("p", { class: "muted" }, "No other plan measure changed."),
    h("details", {}, h("summary", {}, `All ${keys.length} plan measures`),
      table("All plan measures", ["Measure", "Before", "After", "Change"], keys.map(row))));
}

function areaRow(a, bounds) {
  const pop = a.population || {};
  const within = a.within_bounds || {};
  const detached = a.detached || {};
  const fund = a.funding || {};
  const [fb, fa, fd] = [fund.before || {}, fund.after || {}, fund.delta || {}];
  const pieces = (detached.after || []).map((p) => p.join(", "));
  const checks = [
    within.after === undefined ? null : mark(within.after, within.after ? "✓ within the population bounds"
      : `✗ outside the bounds (${num(bounds?.min_population)}–${num(bounds?.max_population)})`),
    detached.after === undefined ? null : mark(!pieces.length, pieces.length ? `✗ not contiguous: ${pieces.join("; ")} detached`
      : "✓ contiguous"),
  ].filter(Boolean);
  return h("tr", {},
    h("th", { scope: "row" }, a.name, h("br"), h("small", { class: "checks" }, checks.flatMap((c, i) => (i ? [h("br"), c] : [c])))),
    h("td", { class: "num" }, num(pop.after), h("br"), h("small", {}, delta(pop.delta))),
    h("td", { class: "num" }, money(fa.allocation), h("br"),
      h("small", {}, changed(fd.allocation) ? `${fd.allocation > 0 ? "+" : ""}${money(fd.allocation)}` : "")),
    h("td", { class: "num" }, money(fa.per_head), h("br"), h("small", {}, isNum(fb.per_head) ? `was ${money(fb.per_head)}` : "")),
    h("td", { class: "num" }, isNum(fa.vs_baseline) ? `${fa.vs_baseline >= 0 ? "+" : ""}${money(fa.vs_baseline)}` : "–"));
}

function areasTable(doc) {
  if (!doc.areas?.length) return null;
  return table(`Touched areas${doc.year ? `, funding for ${doc.year}` : ""}`,
    ["Area", "Population", "Allocation", "Per head", "vs baseline"],
    doc.areas.map((a) => areaRow(a, doc.bounds)), { "data-part": "areas" });
}

function checksList(checks) {
  if (!checks?.length) return null;
  const item = (c) => h("li", { class: c.changed ? "hit" : "" }, mark(c.ok !== false, c.ok !== false ? "✓ " : "✗ "),
    c.name || c.key || "", c.message ? `: ${c.message}` : "",
    c.changed && c.before ? h("small", { class: "change" }, ` (was: ${c.before.message})`) : "");
  return h("div", { "data-part": "checks" }, h("h4", {}, "Design rules and plausibility checks"),
    h("ul", { class: "checks" }, checks.map(item)));
}

/** Fill a container with a what-if document; parts absent from it are left out. */
export function renderDeltas(container, doc, ctx, title = "What changed") {
  const parts = [h("h3", { id: container.id ? `${container.id}-title` : null }, title)];
  if (!doc) parts.push(h("p", { class: "muted" }, "Move a district to see the effect on coterminosity, population, contiguity and funding."));
  else {
    if (doc.moves?.length) parts.push(movesTable(doc.moves, ctx));
    parts.push(areasTable(doc));
    if (doc.metrics) parts.push(layersTable(doc.metrics), otherMeasures(doc.metrics));
    parts.push(checksList(doc.checks || doc.plausibility));
    if (isNum(doc.elapsed_ms)) parts.push(h("p", { class: "muted" }, `Computed in ${num(doc.elapsed_ms)} ms`,
      doc.engine ? ` (${doc.engine})` : "", "."));
  }
  container.replaceChildren(...parts.filter(Boolean));
}

/** A diff between two versions, shaped as a what-if so the same panel shows it. */
export function diffAsDeltas(diff) {
  const pick = (side) => Object.fromEntries(Object.entries(diff.metrics || {}).map(([k, v]) => [k, v[side]]));
  return {
    moves: (diff.moved || []).map((m) => ({ district: m.district, district_name: m.district_name, from: m.from, to: m.to })),
    metrics: { before: pick("a"), after: pick("b"), delta: pick("delta") },
  };
}

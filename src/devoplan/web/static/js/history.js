// A scenario's versions: who changed what and when, the difference between any two versions
// (districts moved, every measure and each area's funding before and after), restore, and the
// downloads of the current version.

import { api } from "./api.js";
import { h, $, fill, money, when } from "./dom.js";
import { renderDeltas, diffAsDeltas } from "./deltas.js";

const DOWNLOADS = [
  ["plan.csv", "Plan (CSV: district, area)"],
  ["plan.geojson", "Plan (GeoJSON)"],
  ["allocations.csv", "Funding allocations (CSV)"],
  ["report.html", "Report (HTML)"],
];

/** Links to this version's files. */
export function renderDownloads(scenario) {
  fill($("#downloads"), DOWNLOADS.map(([file, label]) => h("li", {},
    h("a", { href: api.downloadUrl(scenario.id, scenario.version, file), download: "" },
      `${label}, version ${scenario.version}`))));
}

function fundingTable(funding, ctx) {
  if (!funding?.areas?.length) return null;
  return h("table", { class: "data compact" },
    h("caption", {}, `Funding that changed, ${funding.year}`),
    h("thead", {}, h("tr", {}, ["Area", "Before", "After", "Change"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, funding.areas.map((r) => h("tr", {}, h("th", { scope: "row" }, ctx.areaName(r.area)),
      h("td", { class: "num" }, money(r.a)), h("td", { class: "num" }, money(r.b)),
      h("td", { class: "num" }, money(r.delta))))));
}

/** Show the difference between version a and version b in #diff. */
export async function showDiff(scenario, a, b, ctx) {
  const box = $("#diff");
  fill(box, h("p", { class: "muted" }, `Comparing version ${a} with version ${b}…`));
  const diff = await api.diff(scenario.id, a, b);
  const panel = h("section", { class: "card", "aria-label": `Version ${a} against version ${b}` });
  renderDeltas(panel, diffAsDeltas(diff), ctx,
    `Version ${a} → version ${b}: ${diff.moved.length} district${diff.moved.length === 1 ? "" : "s"} moved`);
  fill(box, panel, fundingTable(diff.funding, ctx));
}

/** Offer every version in the two "Compare version A with version B" lists (default: previous vs current). */
function renderCompareForm(scenario, numbers, ctx) {
  const current = scenario.version;
  const options = (chosen) => numbers.map((n) => h("option", { value: n, selected: n === chosen },
    n === current ? `${n} (current)` : String(n)));
  fill($("#compare-a"), options(numbers.includes(current - 1) ? current - 1 : current));
  fill($("#compare-b"), options(current));
  $("#compare-form").onsubmit = (event) => {
    event.preventDefault();
    const a = Number($("#compare-a").value), b = Number($("#compare-b").value);
    if (a === b) fill($("#diff"), h("p", { class: "muted" }, "Pick two different versions to compare."));
    else showDiff(scenario, a, b, ctx).catch(ctx.report);
  };
}

/** Fill the history table (newest first) with compare and restore buttons, and the compare form. */
export async function renderHistory(scenario, ctx) {
  const versions = await api.versions(scenario.id);
  const current = scenario.version;
  renderCompareForm(scenario, versions.map((v) => v.number).sort((x, y) => y - x), ctx);
  const rows = versions.slice().sort((x, y) => y.number - x.number).map((v) => h("tr", {},
    h("td", { class: "num" }, v.number),
    h("td", {}, v.author?.name ?? "–"),
    h("td", {}, when(v.created_at)),
    h("td", {}, v.message || v.kind || ""),
    h("td", { class: "num" }, (v.moves || []).length),
    h("td", {},
      v.number === current ? h("span", { class: "muted" }, "current") : [
        h("button", { type: "button", onclick: () => showDiff(scenario, v.number, current, ctx).catch(ctx.report) },
          `Compare v${v.number} with current`),
        ctx.canEdit ? h("button", { type: "button", onclick: async () => {
          try { await api.restore(scenario.id, v.number, current); await ctx.onRestored(); } catch (err) { ctx.report(err); }
        } }, `Restore v${v.number}`) : null,
      ])));
  fill($("#history-table tbody"), rows);
}

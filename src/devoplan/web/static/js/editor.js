// The scenario editor: the map and hex map coloured by area, click or paint districts into an
// area, the what-if panel after every edit, undo/redo (each a new version), a draft proposal mode,
// the keyboard move form, the areas table, history, proposals and downloads.

import { api } from "./api.js";
import { h, $, $$, fill, num } from "./dom.js";
import { colourAreas } from "./colours.js";
import { renderDeltas, diffAsDeltas } from "./deltas.js";
import { renderHistory, renderDownloads } from "./history.js";
import { renderProposals, GOVERNMENT } from "./proposals.js";
import { renderDistrictComments } from "./comments.js";

export class Editor {
  constructor({ geo, views, user, report, say }) {
    this.geo = geo; // {names: Map, population: Map, neighbours: Map, codes: []}
    this.views = views; // [map view, hex view] (either may be null)
    this.user = user;
    this.report = report;
    this.say = say;
    this.scenario = null;
    this.colours = new Map();
    this.draft = new Map(); // district -> area
    this.busy = false;
  }

  get canEdit() { return GOVERNMENT.has(this.user.role); }
  get canPropose() { return this.user.role !== "viewer"; }
  get mode() { return this.canEdit ? $("input[name=mode]:checked").value : "draft"; }
  nameOf = (code) => this.geo.names.get(code) || code;
  areaName = (code) => {
    const area = (this.scenario?.areas || []).find((a) => a.code === code);
    return area ? `${area.name} (${code})` : code;
  };

  /** The plan shown: the scenario's assignment with the draft's moves laid over it. */
  shown() {
    const assignment = { ...this.scenario.assignment };
    for (const [district, area] of this.draft) assignment[district] = area;
    return assignment;
  }

  areaShort = (code) => (this.scenario?.areas || []).find((a) => a.code === code)?.name || code;

  get ctx() { return { nameOf: this.nameOf, areaName: this.areaName, areaShort: this.areaShort }; }

  showDeltas(doc, title) { renderDeltas($("#deltas"), doc, this.ctx, title); }

  async open(id) {
    this.scenario = await api.scenario(id);
    this.draft.clear();
    $("#district-comments").hidden = true;
    $("#lock-row").hidden = true;
    this.setupControls();
    this.redraw();
    this.showDeltas(null);
    await this.refreshSide();
  }

  setupControls() {
    const s = this.scenario;
    fill($("#editor-title"), s.name);
    const options = () => s.areas.map((a) => h("option", { value: a.code }, `${a.name} (${a.code})`));
    fill($("#paint-area"), options());
    fill($("#move-area"), options());
    fill($("#district-list"), this.geo.codes.map((c) => h("option", { value: `${this.nameOf(c)} (${c})` })));
    $$("input[name=mode]").forEach((r) => { r.disabled = !this.canEdit; });
    if (!this.canEdit) $("input[name=mode][value=draft]").checked = true;
    $$("input[name=tool], #paint-area, #move-form button, #move-district, #move-area")
      .forEach((n) => { n.disabled = !this.canPropose; });
    this.updateButtons();
  }

  updateButtons() {
    fill($("#editor-version"), `version ${this.scenario.version}`);
    $("#undo").disabled = !this.canEdit || this.busy || !this.scenario.can_undo;
    $("#redo").disabled = !this.canEdit || this.busy || !this.scenario.can_redo;
    $("#reoptimise").hidden = !this.canEdit;
    $("#draft").hidden = !this.draft.size;
    fill($("#draft-moves"), Array.from(this.draft, ([d, a]) => h("li", {}, `${this.nameOf(d)} → ${this.areaName(a)}`)));
  }

  redraw(marked = []) {
    const assignment = this.shown();
    this.colours = colourAreas(assignment, this.geo.neighbours, this.colours);
    const colourOf = (code) => this.colours.get(assignment[code]);
    const markSet = new Set([...marked, ...this.draft.keys()]);
    const locked = new Set(Object.keys(this.scenario.locks || {}));
    for (const view of this.views) if (view) { view.colour(colourOf); view.mark(markSet); view.lock(locked); }
    this.renderAreas(assignment);
  }

  renderAreas(assignment) {
    const members = new Map(this.scenario.areas.map((a) => [a.code, []]));
    for (const [district, area] of Object.entries(assignment)) {
      if (!members.has(area)) members.set(area, []);
      members.get(area).push(district);
    }
    fill($("#areas-table tbody"), Array.from(members, ([area, districts]) => {
      const population = districts.reduce((sum, d) => sum + (this.geo.population.get(d) || 0), 0);
      const names = districts.map(this.nameOf).sort();
      return h("tr", {}, h("th", { scope: "row" }, this.areaName(area)),
        h("td", { class: "num" }, this.geo.population.size ? num(population) : "–"),
        h("td", {}, `${names.length}: ${names.join(", ")}`));
    }));
  }

  sideContext() {
    return { ...this.ctx, user: this.user, report: this.report, canEdit: this.canEdit,
      draftMoves: () => this.draftMoves(), onDecided: () => this.reload(), onRestored: () => this.reload(),
      scenarioVersion: () => this.scenario.version, showDeltas: (doc, title) => this.showDeltas(doc, title) };
  }

  async refreshSide() {
    const ctx = this.sideContext();
    renderDownloads(this.scenario);
    await Promise.all([renderHistory(this.scenario, ctx).catch(this.report),
      renderProposals(this.scenario, ctx).catch(this.report)]);
  }

  async reload() {
    this.scenario = await api.scenario(this.scenario.id);
    this.updateButtons();
    this.redraw();
    await this.refreshSide();
  }

  draftMoves() { return Array.from(this.draft, ([district, area]) => ({ district, area })); }

  select(code) {
    $("#move-district").value = `${this.nameOf(code)} (${code})`;
    const area = this.shown()[code];
    fill($("#district-info"), `${this.nameOf(code)} is in ${this.areaName(area)}; population ${num(this.geo.population.get(code))}.`);
    $("#move-area").value = area;
    this.selected = code;
    const lock = $("#lock-district");
    lock.checked = Boolean(this.scenario.locks?.[code]);
    lock.disabled = !this.canEdit;
    fill($("#lock-label"), `Lock ${this.nameOf(code)} in its area (edits and optimiser runs keep it there)`);
    $("#lock-row").hidden = false;
    this.redraw([code]);
    renderDistrictComments(this.scenario.id, code, this.nameOf(code), this).catch(this.report);
  }

  /** Lock or unlock the selected district in its current area (a scenario setting, not a version). */
  async setLock(on) {
    const code = this.selected;
    const locks = { ...(this.scenario.locks || {}) };
    if (on) locks[code] = this.scenario.assignment[code]; else delete locks[code];
    try {
      const doc = await api.setLocks(this.scenario.id, locks);
      this.scenario.locks = doc.locks;
      this.say(`${this.nameOf(code)} ${on ? "locked in" : "unlocked from"} ${this.areaName(this.scenario.assignment[code])}.`);
      this.redraw([code]);
    } catch (err) {
      $("#lock-district").checked = !on;
      this.report(err);
    }
  }

  paint(codes) { return this.apply(codes.map((district) => ({ district, area: $("#paint-area").value }))); }

  /** Apply moves: saved as a new version in edit mode, added to the draft (and previewed) in draft mode. */
  async apply(moves, message) {
    const current = this.shown();
    const real = moves.filter((m) => m.area && current[m.district] !== m.area);
    if (!real.length || this.busy || !this.canPropose) return;
    if (this.mode === "draft") {
      for (const m of real) {
        if (this.scenario.assignment[m.district] === m.area) this.draft.delete(m.district);
        else this.draft.set(m.district, m.area);
      }
      this.updateButtons();
      this.redraw(real.map((m) => m.district));
      return this.previewDraft();
    }
    await this.step(async (version) => {
      const [doc, saved] = await Promise.all([api.preview(this.scenario.id, real, version),
        api.edit(this.scenario.id, real, version, message || this.describe(real))]);
      return { doc, saved };
    });
  }

  describe(moves) {
    const first = `${this.nameOf(moves[0].district)} → ${this.areaName(moves[0].area)}`;
    return moves.length === 1 ? first : `${first} and ${moves.length - 1} more`;
  }

  /** Run one change of the scenario (edit, undo, redo) from the current version and show its effect. */
  async step(change) {
    if (this.busy) return;
    this.busy = true;
    this.updateButtons();
    const base = this.scenario.version;
    try {
      const { doc, saved } = await change(base);
      for (const m of saved.moves || []) this.scenario.assignment[m.district] = m.to;
      Object.assign(this.scenario, saved.scenario || { version: saved.number });
      this.showDeltas(doc || await this.effect(base, saved), `What changed (version ${base} → ${saved.number})`);
      this.redraw((saved.moves || []).map((m) => m.district));
      this.say(`Saved version ${saved.number}: ${saved.message || saved.kind}`);
      renderDownloads(this.scenario);
      renderHistory(this.scenario, this.sideContext()).catch(this.report);
    } catch (err) {
      this.report(err);
      if (err.status === 409) await this.reload();
    } finally {
      this.busy = false;
      this.updateButtons();
    }
  }

  /** The what-if of a saved step: its moves previewed on the version before it (the diff if that fails). */
  async effect(base, saved) {
    const moves = (saved.moves || []).map((m) => ({ district: m.district, area: m.to }));
    if (moves.length) {
      try { return await api.preview(this.scenario.id, moves, base); } catch { /* areas changed: use the diff */ }
    }
    return diffAsDeltas(await api.diff(this.scenario.id, base, saved.number));
  }

  async previewDraft() {
    if (!this.draft.size) { this.showDeltas(null); return; }
    try {
      this.showDeltas(await api.preview(this.scenario.id, this.draftMoves(), this.scenario.version), "Effect of the draft");
    } catch (err) { this.report(err); }
  }

  undo() { return this.step(async (v) => ({ saved: await api.undo(this.scenario.id, v) })); }

  redo() { return this.step(async (v) => ({ saved: await api.redo(this.scenario.id, v) })); }

  async submitDraft() {
    const reason = $("#draft-reason").value.trim();
    if (!reason) { this.report(Object.assign(new Error("Say why: a proposal needs a reason."), { field: "reason" })); return; }
    try {
      const proposal = await api.propose(this.scenario.id, this.draftMoves(), reason, this.scenario.version);
      this.draft.clear();
      $("#draft-reason").value = "";
      this.say(`Proposal ${proposal.id} sent.`);
      await this.reload();
    } catch (err) { this.report(err); }
  }

  discardDraft() {
    this.draft.clear();
    this.updateButtons();
    this.redraw();
    this.showDeltas(null);
  }

  /** The keyboard path: "Name (CODE)" or a code or a name typed into the district box. */
  resolveDistrict(text) {
    const value = text.trim();
    const code = value.match(/\(([A-Z]\d{8})\)$/)?.[1] || value.toUpperCase();
    if (this.geo.names.has(code)) return code;
    const lower = value.toLowerCase();
    return this.geo.codes.find((c) => this.nameOf(c).toLowerCase() === lower) || null;
  }
}

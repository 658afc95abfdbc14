// Proposals on a scenario: each with its reason, its moves and its effect (the what-if against the
// current version, so everyone sees it before deciding), comments, and for government users
// (analysts and admins) accept, reject or counter-propose with the moves of their own draft.

import { api } from "./api.js";
import { h, $, fill, when } from "./dom.js";
import { renderDeltas } from "./deltas.js";

export const GOVERNMENT = new Set(["analyst", "admin"]);

function movesList(moves, nameOf, areaName) {
  return h("ul", { class: "moves" }, (moves || []).map((m) =>
    h("li", {}, `${nameOf(m.district)} → ${areaName(m.area || m.to)}`)));
}

async function commentsBlock(proposal, report) {
  const list = h("ul", { class: "comments" });
  const load = async () => {
    const comments = await api.comments(proposal.id);
    fill(list, comments.length ? comments.map((c) => h("li", {}, h("strong", {}, c.author?.name || "?"), ` (${when(c.created_at)}): `,
      c.text)) : h("li", { class: "muted" }, "No comments yet."));
  };
  const inputId = `comment-${proposal.id}`;
  const input = h("textarea", { id: inputId, rows: 2, maxlength: 4000 });
  const form = h("form", { class: "comment-form", onsubmit: async (e) => {
    e.preventDefault();
    if (!input.value.trim()) return;
    try { await api.comment(proposal.id, input.value.trim()); input.value = ""; await load(); } catch (err) { report(err); }
  } }, h("label", { for: inputId }, "Add a comment"), input, h("button", { type: "submit" }, "Comment"));
  await load().catch(report);
  return h("div", {}, h("h5", {}, "Comments"), list, form);
}

function decisionBlock(proposal, { draftMoves, onDecided, report }) {
  const reasonId = `decide-${proposal.id}`;
  const reason = h("textarea", { id: reasonId, rows: 2, maxlength: 4000 });
  const decide = (decision) => async () => {
    const note = reason.value.trim();
    try {
      if (decision === "counter") {
        const moves = draftMoves();
        if (!moves.length) throw new Error("A counter-proposal needs moves: paint them into a draft proposal first.");
        if (!note) throw Object.assign(new Error("Say why: a counter-proposal needs a reason."), { field: reasonId });
        await api.counter(proposal.id, moves, note);
      } else {
        await (decision === "accept" ? api.accept(proposal.id, note) : api.reject(proposal.id, note));
      }
      await onDecided();
    } catch (err) { report(err); }
  };
  return h("div", { class: "decision" },
    h("label", { for: reasonId }, "Reason for the decision"), reason,
    h("button", { type: "button", onclick: decide("accept") }, `Accept proposal ${proposal.id}`),
    h("button", { type: "button", onclick: decide("reject") }, `Reject proposal ${proposal.id}`),
    h("button", { type: "button", onclick: decide("counter") }, "Counter with my draft"));
}

/** Render every proposal of a scenario into #proposals. */
export async function renderProposals(scenario, ctx) {
  const proposals = await api.proposals(scenario.id);
  const box = $("#proposals");
  if (!proposals.length) { fill(box, h("p", { class: "muted" }, "No proposals yet.")); return; }
  const cards = [];
  for (const p of proposals.slice().sort((a, b) => b.id - a.id)) {
    const effect = h("section", { id: `effect-${p.id}`, class: "effect" });
    // The effect against the current version; decided proposals are shown without it.
    const full = p.status === "open" ? await api.proposal(p.id).catch(() => null) : null;
    const doc = full?.effect || null;
    renderDeltas(effect, doc, ctx, "Effect if accepted");
    cards.push(h("article", { class: `card proposal status-${p.status}`, "aria-labelledby": `proposal-${p.id}` },
      h("h4", { id: `proposal-${p.id}` }, `Proposal ${p.id} by ${p.author?.name || "?"}`,
        " — ", h("span", { class: "status-label" }, p.status)),
      p.counter_of ? h("p", { class: "muted" }, `Counter-proposal to proposal ${p.counter_of}`) : null,
      full && full.applies ? h("p", { class: "bad" }, `No longer applies: ${full.applies}`) : null,
      p.decided_by ? h("p", { class: "muted" }, `${p.status} by ${p.decided_by.name}`,
        p.decision_note ? `: ${p.decision_note}` : "", p.result_version ? ` (version ${p.result_version})` : "") : null,
      h("p", { class: "reason" }, p.reason || ""),
      movesList(p.moves, ctx.nameOf, ctx.areaName),
      doc ? h("details", {}, h("summary", {}, "Effect if accepted"), effect) : null,
      p.status === "open" && (GOVERNMENT.has(ctx.user.role) || p.counter_of) ? decisionBlock(p, ctx) : null,
      await commentsBlock(p, ctx.report)));
  }
  fill(box, cards);
}

// Comments on a district of a scenario (for example a council explaining why it belongs with its
// neighbours), shown when the district is selected. Area users may comment on their own districts;
// the server says so when they try another.

import { api } from "./api.js";
import { h, $, fill, when } from "./dom.js";

/** Show the selected district's comments, and a form to add one, in #district-comments. */
export async function renderDistrictComments(scenarioId, code, name, { user, report }) {
  const box = $("#district-comments");
  box.hidden = false;
  const list = h("ul", { class: "comments" });
  const load = async () => {
    const comments = await api.districtComments(scenarioId, code);
    fill(list, comments.length ? comments.map((c) => h("li", {}, h("strong", {}, c.author?.name || "?"),
      ` (${when(c.created_at)}): `, c.text)) : h("li", { class: "muted" }, `No comments on ${name} yet.`));
  };
  const input = h("textarea", { id: "district-comment-text", name: "text", rows: 2, maxlength: 5000 });
  const form = user.role === "viewer" ? null : h("form", { class: "comment-form", onsubmit: async (e) => {
    e.preventDefault();
    if (!input.value.trim()) return;
    try { await api.commentDistrict(scenarioId, code, input.value.trim()); input.value = ""; await load(); }
    catch (err) { report(err); }
  } }, h("label", { for: "district-comment-text" }, `Comment on ${name}`), input,
  h("button", { type: "submit" }, "Add the comment"));
  fill(box, h("h3", {}, `Comments on ${name}`), list, form);
  await load().catch(report);
}

// Accounts (admins only): every user with their role, area and whether they may log in, changed
// in place, and a form that adds one. The server checks roles and area codes and says which field.

import { api } from "./api.js";
import { h, $, fill } from "./dom.js";

const ROLES = ["viewer", "area", "analyst", "admin"];

function roleSelect(id, value) {
  return h("select", { id }, ROLES.map((r) => h("option", { value: r, selected: r === value }, r)));
}

function userRow(user, { report, say, reload }) {
  const role = roleSelect(`role-${user.id}`, user.role);
  const area = h("input", { id: `area-${user.id}`, value: user.area || "", size: 10, maxlength: 32 });
  const active = h("input", { type: "checkbox", id: `active-${user.id}`, checked: user.active });
  const save = async () => {
    try {
      await api.changeUser(user.id, { role: role.value, area: area.value.trim(), active: active.checked });
      say(`Saved ${user.name}.`);
      await reload();
    } catch (err) { report(err); }
  };
  return h("tr", {},
    h("th", { scope: "row" }, user.name),
    h("td", {}, h("label", { for: role.id, class: "sr-only" }, `Role of ${user.name}`), role),
    h("td", {}, h("label", { for: area.id, class: "sr-only" }, `Area of ${user.name}`), area),
    h("td", {}, h("label", { for: active.id, class: "sr-only" }, `${user.name} may log in`), active),
    h("td", {}, h("button", { type: "button", onclick: save }, `Save ${user.name}`)));
}

/** Fill the users view. */
export async function renderUsers(ctx) {
  const reload = () => renderUsers(ctx);
  const users = await api.users();
  fill($("#users-table tbody"), users.map((u) => userRow(u, { ...ctx, reload })));
  if (!$("#new-user-role").options.length) fill($("#new-user-role"), ROLES.map((r) => h("option", { value: r }, r)));
}

/** Add a user from the form; the new user appears in the table. */
export async function addUser(ctx) {
  const body = { name: $("#new-user-name").value.trim(), password: $("#new-user-password").value,
    role: $("#new-user-role").value, area: $("#new-user-area").value.trim() || null };
  await api.addUser(body);
  ctx.say(`Added ${body.name} (${body.role}).`);
  $("#add-user-form").reset();
  await renderUsers(ctx);
}

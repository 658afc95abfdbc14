// Building DOM nodes safely: every string goes in as text (textContent or an attribute value),
// never as markup, so names and comments typed by users cannot inject HTML.

/** Make an element: h("td", {class: "num"}, "12", otherNode). Attributes starting with "on" are listeners. */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

/** Append strings (as text) and nodes, flattening arrays and skipping null. */
export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Remove every child of a node. */
export function clear(node) {
  node.replaceChildren();
  return node;
}

/** Replace a node's children. */
export function fill(node, ...children) {
  clear(node);
  return append(node, children);
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

const integer = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 3 });
const signedInt = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0, signDisplay: "exceptZero" });
const signedDec = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 3, signDisplay: "exceptZero" });

/** A number for people: integers with separators, fractions to three places, "–" when absent. */
export function num(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Math.abs(value) >= 100 ? integer.format(value) : decimal.format(value);
}

/** A change with its sign (+12, −0.004). */
export function delta(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Math.abs(value) >= 100 ? signedInt.format(value) : signedDec.format(value);
}

/** Pounds: £1.23bn, £45.6m, £789 per head. */
export function money(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  const abs = Math.abs(value);
  const sign = value < 0 ? "−" : "";
  if (abs >= 1e9) return `${sign}£${(abs / 1e9).toFixed(2)}bn`;
  if (abs >= 1e6) return `${sign}£${(abs / 1e6).toFixed(1)}m`;
  return `${sign}£${integer.format(abs)}`;
}

/** A date-time string from the API shown in the reader's locale. */
export function when(text) {
  if (!text) return "";
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? String(text) : date.toLocaleString("en-GB");
}

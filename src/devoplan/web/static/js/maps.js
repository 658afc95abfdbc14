// The two pictures of the plan: a MapLibre GL map of the bundled district boundaries (no base map,
// no network) and an SVG hex map (one equal hexagon per district). Both select or paint districts:
// a press-and-drag over districts with the paint tool is one stroke, handed over on release. Strokes
// follow pointer events, so a mouse, a pen and a finger paint alike; a second finger (a pinch) cancels
// the stroke rather than painting.

const EMPTY = "#d9d9d9";
const ENGLAND = [[-6.5, 49.8], [1.9, 55.9]];

/** Gathers the districts a pointer passes over while pressed, then hands them over once. */
class Stroke {
  constructor(onDone) { this.onDone = onDone; this.codes = null; }
  start(code) { this.codes = new Set(code ? [code] : []); }
  cancel() { this.codes = null; }
  add(code) { if (this.codes && code) this.codes.add(code); }
  get active() { return this.codes !== null; }
  finish() {
    if (!this.codes) return;
    const codes = Array.from(this.codes);
    this.codes = null;
    if (codes.length) this.onDone(codes);
  }
}

/**
 * Paint strokes on ``surface`` from pointer events: press (the primary pointer) starts a stroke, moving
 * adds the district under the pointer (``codeAt(event)``), release hands the stroke over, and a second
 * pointer or a cancelled one (the browser took the gesture) drops it.
 */
function followStrokes(surface, stroke, getTool, codeAt) {
  surface.addEventListener("pointerdown", (e) => {
    if (getTool() !== "paint") return;
    if (!e.isPrimary) { stroke.cancel(); return; }
    e.preventDefault(); // no text selection, no compatibility mouse events
    surface.setPointerCapture(e.pointerId);
    stroke.start(codeAt(e));
  });
  surface.addEventListener("pointermove", (e) => { if (stroke.active && e.isPrimary) stroke.add(codeAt(e)); });
  surface.addEventListener("pointerup", (e) => { if (e.isPrimary) stroke.finish(); });
  surface.addEventListener("pointercancel", () => stroke.cancel());
}

/** The MapLibre district map; resolves to null when the map library is not installed (make web). */
export function districtMap({ container, collection, getTool, onSelect, onPaint, attribution }) {
  const gl = window.maplibregl;
  if (!gl) return Promise.resolve(null);
  const map = new gl.Map({
    container,
    bounds: ENGLAND,
    attributionControl: { compact: true },
    dragRotate: false,
    pitchWithRotate: false,
    style: {
      version: 8,
      sources: { districts: { type: "geojson", data: collection, promoteId: "code", attribution } },
      layers: [
        { id: "background", type: "background", paint: { "background-color": "#eef2f5" } },
        { id: "fill", type: "fill", source: "districts",
          paint: { "fill-color": ["coalesce", ["feature-state", "colour"], EMPTY], "fill-opacity": 0.9 } },
        { id: "edge", type: "line", source: "districts", paint: { "line-color": "#ffffff", "line-width": 0.6 } },
        { id: "locked", type: "line", source: "districts",
          paint: { "line-color": "#111111", "line-width": 1.5, "line-dasharray": [2, 2],
                   "line-opacity": ["case", ["boolean", ["feature-state", "locked"], false], 1, 0] } },
        { id: "mark", type: "line", source: "districts",
          paint: { "line-color": "#111111",
                   "line-width": ["case", ["boolean", ["feature-state", "mark"], false], 2.5, 0] } },
      ],
    },
  });
  map.touchZoomRotate.disableRotation();
  const stroke = new Stroke(onPaint);
  const codeAt = (point) => {
    const hit = map.queryRenderedFeatures(point, { layers: ["fill"] })[0];
    return hit ? hit.properties.code : null;
  };
  const surface = map.getCanvasContainer();
  const pointOn = (e) => {
    const box = surface.getBoundingClientRect();
    return [e.clientX - box.left, e.clientY - box.top];
  };
  followStrokes(surface, stroke, getTool, (e) => codeAt(pointOn(e)));
  surface.addEventListener("pointermove", (e) => {
    if (e.pointerType === "mouse") map.getCanvas().style.cursor = codeAt(pointOn(e)) ? "pointer" : "";
  });
  map.on("click", (e) => {
    if (getTool() === "paint") return;
    const code = codeAt(e.point);
    if (code) onSelect(code);
  });
  let marked = new Set();
  let locked = new Set();
  const view = {
    map,
    colour(colourOf) {
      for (const f of collection.features) {
        map.setFeatureState({ source: "districts", id: f.properties.code }, { colour: colourOf(f.properties.code) });
      }
    },
    mark(codes) {
      for (const code of marked) map.setFeatureState({ source: "districts", id: code }, { mark: false });
      marked = new Set(codes);
      for (const code of marked) map.setFeatureState({ source: "districts", id: code }, { mark: true });
    },
    lock(codes) {
      for (const code of locked) map.setFeatureState({ source: "districts", id: code }, { locked: false });
      locked = new Set(codes);
      for (const code of locked) map.setFeatureState({ source: "districts", id: code }, { locked: true });
    },
    resize() { map.resize(); },
    /** Painting holds the map still (one finger paints; two fingers still zoom). */
    setTool(tool) { if (tool === "paint") map.dragPan.disable(); else map.dragPan.enable(); },
    /** Screen point of a district's label position (used by the browser tests and keyboard help). */
    pointOf(code) {
      const f = collection.features.find((x) => x.properties.code === code);
      if (!f) return null;
      const ring = f.geometry.coordinates.reduce((a, b) => (b[0].length > a[0].length ? b : a))[0];
      const inside = interiorPoint(ring);
      const p = map.project(inside);
      const box = map.getCanvas().getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    },
  };
  return new Promise((resolve) => map.on("load", () => resolve(view)));
}

/** A point inside a ring: the midpoint of the widest horizontal run through the ring's middle latitude. */
function interiorPoint(ring) {
  const ys = ring.map((p) => p[1]);
  const y = (Math.min(...ys) + Math.max(...ys)) / 2;
  const xs = [];
  for (let i = 0; i + 1 < ring.length; i += 1) {
    const [x1, y1] = ring[i];
    const [x2, y2] = ring[i + 1];
    if ((y1 <= y && y < y2) || (y2 <= y && y < y1)) xs.push(x1 + ((y - y1) / (y2 - y1)) * (x2 - x1));
  }
  xs.sort((a, b) => a - b);
  let best = [ring[0][0], 0];
  for (let i = 0; i + 1 < xs.length; i += 2) if (xs[i + 1] - xs[i] > best[1]) best = [(xs[i] + xs[i + 1]) / 2, xs[i + 1] - xs[i]];
  return [best[0], y];
}

/** Hexagon centres from HexJSON (q, r): unit-width hexes, rows increasing northwards. */
export function hexCentres(hexjson) {
  const pointy = hexjson.layout.endsWith("-r");
  const shiftOdd = hexjson.layout.startsWith("odd");
  const centres = new Map();
  for (const [code, cell] of Object.entries(hexjson.hexes)) {
    const q = Number(cell.q);
    const r = Number(cell.r);
    if (pointy) {
      const shifted = (Math.abs(r) % 2 === 1) === shiftOdd;
      centres.set(code, [q + (shifted ? 0.5 : 0), (r * Math.sqrt(3)) / 2]);
    } else {
      const shifted = (Math.abs(q) % 2 === 1) === shiftOdd;
      centres.set(code, [(q * Math.sqrt(3)) / 2, r + (shifted ? 0.5 : 0)]);
    }
  }
  return { centres, pointy };
}

const SVG = "http://www.w3.org/2000/svg";
const svg = (tag, attrs) => {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
};

/** The SVG hex map, keyboard-usable: arrow keys move between hexes, Enter selects or paints. */
export function hexMap({ element, hexjson, nameOf, getTool, onSelect, onPaint, onFocusText }) {
  const { centres, pointy } = hexCentres(hexjson);
  const radius = 1 / Math.sqrt(3);
  const corners = Array.from({ length: 6 }, (_, i) => {
    const a = ((pointy ? 30 : 0) + 60 * i) * (Math.PI / 180);
    return [radius * Math.cos(a), radius * Math.sin(a)];
  });
  const xs = Array.from(centres.values(), (c) => c[0]);
  const ys = Array.from(centres.values(), (c) => c[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs) - 1, Math.max(...xs) + 1, Math.min(...ys) - 1, Math.max(...ys) + 1];
  element.setAttribute("viewBox", `${minX} ${-maxY} ${maxX - minX} ${maxY - minY}`);
  element.replaceChildren();
  const stroke = new Stroke(onPaint);
  const polygons = new Map();
  for (const [code, [cx, cy]] of centres) {
    const points = corners.map(([dx, dy]) => `${(cx + dx).toFixed(4)},${(-(cy + dy)).toFixed(4)}`).join(" ");
    const polygon = svg("polygon", { points, class: "hexcell", "data-code": code });
    const title = document.createElementNS(SVG, "title");
    title.textContent = nameOf(code);
    polygon.append(title);
    polygon.addEventListener("click", () => { if (getTool() !== "paint") onSelect(code); });
    polygons.set(code, polygon);
    element.append(polygon);
  }
  // A touch keeps sending its events to where it started, so the hex under it is found by position.
  followStrokes(element, stroke, getTool,
    (e) => document.elementFromPoint(e.clientX, e.clientY)?.closest?.("polygon[data-code]")?.dataset.code ?? null);

  const codes = Array.from(centres.keys());
  let focused = codes[0];
  const setFocus = (code) => {
    polygons.get(focused)?.classList.remove("focus");
    focused = code;
    polygons.get(code).classList.add("focus");
    onFocusText(`Focused: ${nameOf(code)}`);
  };
  const step = (dx, dy) => {
    const [x0, y0] = centres.get(focused);
    let best = null;
    for (const [code, [x, y]] of centres) {
      const [vx, vy] = [x - x0, y - y0];
      const along = vx * dx + vy * dy;
      const dist = Math.hypot(vx, vy);
      if (code === focused || along <= 0.5 * dist) continue;
      const score = dist + 2 * Math.hypot(vx - along * dx, vy - along * dy);
      if (!best || score < best[1]) best = [code, score];
    }
    if (best) setFocus(best[0]);
  };
  const keys = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
  element.addEventListener("keydown", (e) => {
    if (keys[e.key]) { e.preventDefault(); step(...keys[e.key]); return; }
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      if (getTool() === "paint") onPaint([focused]); else onSelect(focused);
    }
  });
  element.addEventListener("focus", () => setFocus(focused));

  return {
    colour(colourOf) { for (const [code, p] of polygons) p.style.fill = colourOf(code) || EMPTY; },
    mark(marked) { for (const [code, p] of polygons) p.classList.toggle("marked", marked.has(code)); },
    lock(locked) { for (const [code, p] of polygons) p.classList.toggle("locked", locked.has(code)); },
    setTool() {},
    pointOf(code) {
      const box = polygons.get(code)?.getBoundingClientRect();
      return box ? { x: box.left + box.width / 2, y: box.top + box.height / 2 } : null;
    },
  };
}

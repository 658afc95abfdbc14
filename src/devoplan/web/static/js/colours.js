// Area colours: a greedy colouring of the area adjacency graph, so neighbouring areas differ, kept
// stable across edits (an area keeps its colour unless a neighbour now has the same one).

export const PALETTE = [
  "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1",
  "#edc948", "#76b7b2", "#ff9da7", "#9c755f", "#bab0ac",
];

/** District adjacency from shared boundary vertices of an edge-matched coverage: Map code -> Set of codes. */
export function districtNeighbours(collection) {
  const byVertex = new Map();
  for (const feature of collection.features) {
    const code = feature.properties.code;
    const seen = new Set();
    for (const polygon of feature.geometry.coordinates) {
      for (const ring of polygon) {
        for (const [x, y] of ring) {
          const key = `${x},${y}`;
          if (seen.has(key)) continue;
          seen.add(key);
          if (!byVertex.has(key)) byVertex.set(key, []);
          byVertex.get(key).push(code);
        }
      }
    }
  }
  const shared = new Map();
  for (const codes of byVertex.values()) {
    for (let i = 0; i < codes.length; i += 1) {
      for (let j = i + 1; j < codes.length; j += 1) {
        const key = codes[i] < codes[j] ? `${codes[i]}|${codes[j]}` : `${codes[j]}|${codes[i]}`;
        shared.set(key, (shared.get(key) || 0) + 1);
      }
    }
  }
  const neighbours = new Map(collection.features.map((f) => [f.properties.code, new Set()]));
  for (const [key, count] of shared) {
    if (count < 2) continue; // touching at one point is not a shared border
    const [a, b] = key.split("|");
    neighbours.get(a).add(b);
    neighbours.get(b).add(a);
  }
  return neighbours;
}

/** Colour per area code, keeping previous colours where they still differ from every neighbour's. */
export function colourAreas(assignment, neighbours, previous = new Map()) {
  const areaNeighbours = new Map();
  for (const [district, area] of Object.entries(assignment)) {
    if (!areaNeighbours.has(area)) areaNeighbours.set(area, new Set());
    for (const other of neighbours.get(district) || []) {
      const otherArea = assignment[other];
      if (otherArea !== undefined && otherArea !== area) areaNeighbours.get(area).add(otherArea);
    }
  }
  const order = Array.from(areaNeighbours.keys()).sort(
    (a, b) => areaNeighbours.get(b).size - areaNeighbours.get(a).size || (a < b ? -1 : 1));
  const colours = new Map();
  const taken = (area) => new Set(Array.from(areaNeighbours.get(area)).map((n) => colours.get(n)).filter(Boolean));
  for (const area of order) {
    const keep = previous.get(area);
    if (keep && !taken(area).has(keep)) colours.set(area, keep);
  }
  for (const area of order) {
    if (colours.has(area)) continue;
    const used = taken(area);
    const counts = new Map(PALETTE.map((c) => [c, 0]));
    for (const c of colours.values()) counts.set(c, (counts.get(c) || 0) + 1);
    const free = PALETTE.filter((c) => !used.has(c)).sort((a, b) => counts.get(a) - counts.get(b));
    colours.set(area, free[0] || PALETTE[colours.size % PALETTE.length]);
  }
  return colours;
}

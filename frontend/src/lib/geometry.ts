/**
 * Geometry on the sphere for the drawing tools: polygon areas and containment for "analyse this
 * area", line sampling for depth transects, circles for the sample-unit size explorer.
 * Sizes here are tens of metres to tens of kilometres, where the spherical formulas are exact
 * to well under 0.5 % against the WGS84 ellipsoid — enough for a map read-out.
 */

export type LonLat = [number, number];

export const EARTH_RADIUS_M = 6_371_008.8;
const rad = Math.PI / 180;

export function haversineM(a: LonLat, b: LonLat): number {
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(s)));
}

export function lineLengthM(coords: LonLat[]): number {
  let total = 0;
  for (let i = 1; i < coords.length; i++) total += haversineM(coords[i - 1], coords[i]);
  return total;
}

/** Closed ring (first vertex repeated last), as GeoJSON wants. */
export function closeRing(coords: LonLat[]): LonLat[] {
  if (coords.length === 0) return [];
  const [f, l] = [coords[0], coords[coords.length - 1]];
  return f[0] === l[0] && f[1] === l[1] ? coords.slice() : [...coords, f];
}

/** Spherical polygon area (m²) of a ring, by the line-integral formula used by Turf/d3-geo. */
export function ringAreaM2(coords: LonLat[]): number {
  const ring = closeRing(coords);
  if (ring.length < 4) return 0;
  let total = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [lon1, lat1] = ring[i];
    const [lon2, lat2] = ring[i + 1];
    total += (lon2 - lon1) * rad * (2 + Math.sin(lat1 * rad) + Math.sin(lat2 * rad));
  }
  return Math.abs((total * EARTH_RADIUS_M * EARTH_RADIUS_M) / 2);
}

/** Ray casting in lon/lat: right for the small, convex-or-not polygons people draw by hand. */
export function pointInRing(p: LonLat, coords: LonLat[]): boolean {
  const ring = closeRing(coords);
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Does segment p1-p2 properly cross segment p3-p4? Used to refuse self-intersecting polygons. */
function segmentsCross(p1: LonLat, p2: LonLat, p3: LonLat, p4: LonLat): boolean {
  const d = (a: LonLat, b: LonLat, c: LonLat) => (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  const d1 = d(p3, p4, p1);
  const d2 = d(p3, p4, p2);
  const d3 = d(p1, p2, p3);
  const d4 = d(p1, p2, p4);
  return d1 * d2 < 0 && d3 * d4 < 0;
}

export function isSimpleRing(coords: LonLat[]): boolean {
  const ring = closeRing(coords);
  const n = ring.length - 1;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (Math.abs(i - j) <= 1 || (i === 0 && j === n - 1)) continue;
      if (segmentsCross(ring[i], ring[i + 1], ring[j], ring[j + 1])) return false;
    }
  }
  return true;
}

export interface Sample {
  lonlat: LonLat;
  distance: number; // metres from the start of the line
}

/** `count` evenly spaced samples along a polyline (both ends included), with distances. */
export function sampleLine(coords: LonLat[], count: number): Sample[] {
  if (coords.length < 2 || count < 2) return coords.slice(0, 1).map((c) => ({ lonlat: c, distance: 0 }));
  const legs = coords.slice(1).map((c, i) => haversineM(coords[i], c));
  const total = legs.reduce((a, b) => a + b, 0);
  const samples: Sample[] = [];
  let leg = 0;
  let legStart = 0;
  for (let k = 0; k < count; k++) {
    const target = (total * k) / (count - 1);
    while (leg < legs.length - 1 && legStart + legs[leg] < target) {
      legStart += legs[leg];
      leg++;
    }
    const f = legs[leg] === 0 ? 0 : Math.min(1, (target - legStart) / legs[leg]);
    const [a, b] = [coords[leg], coords[leg + 1]];
    samples.push({ lonlat: [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f], distance: target });
  }
  return samples;
}

/** Destination point `distance` metres from `origin` on a bearing (degrees from north). */
export function destination(origin: LonLat, distance: number, bearingDeg: number): LonLat {
  const d = distance / EARTH_RADIUS_M;
  const b = bearingDeg * rad;
  const lat1 = origin[1] * rad;
  const lon1 = origin[0] * rad;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(b));
  const lon2 = lon1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  return [lon2 / rad, lat2 / rad];
}

/** A circle of `areaM2` square metres around `center` as a closed ring (sample-unit footprint). */
export function circleOfArea(center: LonLat, areaM2: number, steps = 64): LonLat[] {
  const radius = Math.sqrt(areaM2 / Math.PI);
  const ring: LonLat[] = [];
  for (let i = 0; i < steps; i++) ring.push(destination(center, radius, (360 * i) / steps));
  return closeRing(ring);
}

export function bboxOf(coords: LonLat[]): [number, number, number, number] {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of coords) {
    w = Math.min(w, x);
    s = Math.min(s, y);
    e = Math.max(e, x);
    n = Math.max(n, y);
  }
  return [w, s, e, n];
}

export function polygonFeature(coords: LonLat[], properties: Record<string, unknown> = {}) {
  return {
    type: "Feature" as const,
    properties,
    geometry: { type: "Polygon" as const, coordinates: [closeRing(coords)] },
  };
}

/** Survey-design helpers that need no React: the simulation grid, the seabed area of one image. */

/**
 * Sample sizes to simulate: 20 steps up to twice the analytic answer, so the simulated n is read
 * off a grid about 10 % of n wide rather than the API's coarse default.
 */
export function simulationGrid(analyticN: number | undefined, steps = 20): number[] {
  const top = Math.max(20, Math.min(5000, 2 * (analyticN ?? 100)));
  const grid = new Set<number>();
  for (let i = 1; i <= steps; i++) grid.add(Math.max(2, Math.round((top * i) / steps)));
  return [...grid];
}

/** Mean seabed area of one annotated image tile, from the table's points (`area_seabed_m2`). */
export function meanImageArea(fc: GeoJSON.FeatureCollection | undefined): number | null {
  const areas = (fc?.features ?? []).map((f) => Number(f.properties?.area_seabed_m2)).filter((a) => Number.isFinite(a) && a > 0);
  return areas.length ? areas.reduce((a, b) => a + b, 0) / areas.length : null;
}

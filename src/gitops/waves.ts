import type { PlannedRelease } from "../istio/types.js";

/**
 * The install order as waves: a release with no prerequisites is in wave 0, any other one wave
 * after its latest prerequisite. Releases in one wave do not depend on each other, so a GitOps
 * tool may sync them together. The plan lists releases in a valid order, so one pass suffices.
 */
export function releaseWaves(releases: PlannedRelease[]): Map<string, number> {
  const waves = new Map<string, number>();
  for (const r of releases) {
    const before = r.dependsOn.map((d) => waves.get(d) ?? 0);
    waves.set(r.name, before.length === 0 ? 0 : Math.max(...before) + 1);
  }
  return waves;
}

/** The wave after every release: the plan's other objects need the CRDs and istiod first. */
export function objectsWave(waves: Map<string, number>): number {
  return Math.max(-1, ...waves.values()) + 1;
}

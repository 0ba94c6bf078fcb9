/**
 * The Istio versions this release of planton knows, and facts that depend on the version.
 * Moving a pin here shows up as a reviewable golden-file diff.
 */

import compareSemver from "semver/functions/compare.js";
import parseSemver from "semver/functions/parse.js";

/** Installed when the manifest names no version: the newest version this release tests. */
export const defaultIstioVersion = "1.30.3";

/** Versions rendered against the real charts in this release's tests. */
export const testedIstioVersions = ["1.28.10", "1.29.6", "1.30.3"] as const;

/** The oldest Istio version planton installs. */
export const minimumIstioVersion = "1.24.0";

/** Istio's official Helm repository. */
export const officialChartRepository = "https://istio-release.storage.googleapis.com/charts";

/** Minimum Kubernetes minor version per Istio minor version (istioctl's MinK8SVersion). */
const minimumKubernetes: Record<string, string> = {
  "1.24": "1.28",
  "1.25": "1.29",
  "1.26": "1.29",
  "1.27": "1.29",
  "1.28": "1.30",
  "1.29": "1.30",
  "1.30": "1.32",
};

/**
 * Parses a plain `MAJOR.MINOR.PATCH` (semver, so no leading zeros, no `v` prefix, no
 * pre-release or build suffix); undefined for anything else.
 */
export function parseVersion(v: string): { major: number; minor: number; patch: number } | undefined {
  const parsed = parseSemver(v);
  if (parsed === null || parsed.version !== v || parsed.prerelease.length > 0) return undefined;
  return { major: parsed.major, minor: parsed.minor, patch: parsed.patch };
}

/** Compares two `MAJOR.MINOR.PATCH` versions: negative, zero or positive (text order for anything else). */
export function compareVersions(a: string, b: string): number {
  if (parseVersion(a) === undefined || parseVersion(b) === undefined) return a.localeCompare(b);
  return compareSemver(a, b);
}

/** How many minor versions separate two versions (0 for the same minor; major changes count big). */
export function minorDistance(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (x === undefined || y === undefined) return Number.POSITIVE_INFINITY;
  if (x.major !== y.major) return Number.POSITIVE_INFINITY;
  return Math.abs(x.minor - y.minor);
}

/** The newest version this release knows. */
export function newestKnownVersion(): string {
  return [...testedIstioVersions].sort(compareVersions).at(-1) ?? defaultIstioVersion;
}

/** Minimum Kubernetes `MAJOR.MINOR` for an Istio version; for unknown newer ones, the newest known minimum. */
export function minimumKubernetesFor(istioVersion: string): string {
  const v = parseVersion(istioVersion);
  const key = v === undefined ? "" : `${v.major}.${v.minor}`;
  const known = minimumKubernetes[key];
  if (known !== undefined) return known;
  const keys = Object.keys(minimumKubernetes).sort((a, b) => compareVersions(`${a}.0`, `${b}.0`));
  const newest = keys.at(-1) as string;
  return compareVersions(`${key}.0`, `${newest}.0`) > 0
    ? (minimumKubernetes[newest] as string)
    : (minimumKubernetes[keys[0] as string] as string);
}

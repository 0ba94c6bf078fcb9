/**
 * Kubernetes resource quantities, as the manifest accepts them: CPU in cores or millicores
 * (`500m`, `1`, `1.5`), memory in bytes with a decimal (`k`, `M`, `G`, …) or binary (`Ki`, `Mi`,
 * `Gi`, …) suffix. Parsed to numbers only for comparisons (request ≤ limit); the manifest's own
 * spelling is what reaches the charts.
 */
export type QuantityResult =
  | { kind: "ok"; value: number }
  | { kind: "invalid"; message: string; hint: string };

const decimal: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const binary: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const number = /^(\d+(?:\.\d*)?|\.\d+)(.*)$/;

export const cpuHint = "write CPU as cores or millicores without spaces, e.g. 500m, 1 or 1.5";
export const memoryHint = "write memory with a Kubernetes suffix, e.g. 256Mi, 2Gi or 1G (not MB/GB)";

/** Parses a CPU quantity into cores. */
export function parseCpu(text: string): QuantityResult {
  const m = number.exec(text.trim() === text ? text : "");
  if (text.startsWith("-")) return { kind: "invalid", message: `\`${text}\` is negative`, hint: cpuHint };
  if (m === null) return { kind: "invalid", message: `\`${text}\` is not a CPU quantity`, hint: cpuHint };
  const n = Number(m[1]);
  const suffix = m[2] ?? "";
  if (suffix === "m") return { kind: "ok", value: n / 1000 };
  if (suffix === "") return { kind: "ok", value: n };
  return { kind: "invalid", message: `\`${text}\` is not a CPU quantity`, hint: cpuHint };
}

/** Parses a memory quantity into bytes. */
export function parseMemory(text: string): QuantityResult {
  if (text.startsWith("-")) return { kind: "invalid", message: `\`${text}\` is negative`, hint: memoryHint };
  const m = number.exec(text.trim() === text ? text : "");
  if (m === null)
    return { kind: "invalid", message: `\`${text}\` is not a memory quantity`, hint: memoryHint };
  const n = Number(m[1]);
  const suffix = m[2] ?? "";
  const factor = binary[suffix] ?? decimal[suffix];
  if (factor === undefined) {
    return { kind: "invalid", message: `\`${text}\` has an unknown unit \`${suffix}\``, hint: memoryHint };
  }
  return { kind: "ok", value: n * factor };
}

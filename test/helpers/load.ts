import { type LoadResult, loadManifest } from "../../src/manifest/load.js";

/** Marks, in test YAML, where a diagnostic must point; removed before loading. */
export const marker = "⟦";

/** Header every test manifest starts with (3 lines). */
export const header =
  "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesIstio\nmetadata:\n  name: test-mesh\n";

/**
 * Loads YAML text as if from standard input (file `<stdin>`), after removing the marker; returns
 * the result and the 1-based line and column where the marker stood.
 * @internal
 */
export function loadMarked(
  text: string,
  overrides: string[] = [],
): { result: LoadResult; line: number; column: number } {
  const at = text.indexOf(marker);
  const clean = text.replace(marker, "");
  const before = at < 0 ? "" : clean.slice(0, at);
  const line = before.split("\n").length;
  const column = at - before.lastIndexOf("\n");
  const result = loadManifest({ file: "-", overrides, readStdin: () => Buffer.from(clean) });
  return { result, line, column };
}

import type { GitopsFile } from "../gitops/index.js";
import { valuesToYaml } from "./plan.js";
import { redactPatterns } from "./redact.js";

/**
 * A GitOps file's text: its header as `#` comments, then its objects as YAML documents (Helm and
 * kubectl read YAML 1.1, so strings that 1.1 would misread are quoted, as in values files).
 */
export function gitopsFileText(file: GitopsFile): string {
  const head = file.header.map((l) => (l === "" ? "#\n" : `# ${l}\n`)).join("");
  return head + file.docs.map((d) => `---\n${valuesToYaml(d)}`).join("");
}

/**
 * The files' texts by path. Refuses (returns the offending path) when a text holds anything shaped
 * like a secret (a PEM block, a token, URL credentials): a value that slipped into the plan, e.g.
 * through `spec.helmValues`, must not reach Git.
 */
export function gitopsTexts(files: GitopsFile[]): { texts: Map<string, string>; secretIn?: string } {
  const texts = new Map<string, string>();
  for (const f of files) {
    const text = gitopsFileText(f);
    if (redactPatterns(text) !== text) return { texts, secretIn: f.path };
    texts.set(f.path, text);
  }
  return { texts };
}

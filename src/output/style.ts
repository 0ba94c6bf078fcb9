import { styleText } from "node:util";

/** `--color` choices. */
export type ColorMode = "auto" | "always" | "never";

/** Text styling that is a no-op when colour is off. */
export interface Style {
  enabled: boolean;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

/** Colour only on a terminal, never with NO_COLOR, always with `--color always` (or FORCE_COLOR). */
export function colorEnabled(mode: ColorMode, isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (mode === "always") return true;
  if (mode === "never") return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return isTTY && env.TERM !== "dumb";
}

export function createStyle(enabled: boolean): Style {
  const wrap =
    (fmt: Parameters<typeof styleText>[0]) =>
    (s: string): string =>
      enabled ? styleText(fmt, s, { validateStream: false }) : s;
  return {
    enabled,
    red: wrap("red"),
    yellow: wrap("yellow"),
    green: wrap("green"),
    cyan: wrap("cyan"),
    bold: wrap("bold"),
    dim: wrap("dim"),
  };
}

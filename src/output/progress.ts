import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import logUpdate from "log-update";
import type { Style } from "./style.js";

/** The state of one resource during an operation. */
interface Row {
  name: string;
  kind: string;
  op: string;
  state: "waiting" | "ready" | "failed";
  started: number;
  ended?: number;
}

export interface ProgressOptions {
  /** Live, redrawn lines (a terminal); otherwise one plain line per event (CI, pipes). */
  live: boolean;
  write: (s: string) => void;
  style: Style;
  verbose: boolean;
  redact: (s: string) => string;
  now?: () => number;
}

const shortKind = (type: string) =>
  type.endsWith("helm.sh/v3:Release")
    ? "release"
    : type.endsWith("core/v1:Namespace")
      ? "namespace"
      : type.startsWith("pulumi:")
        ? ""
        : "object";

function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}

/**
 * Shows engine progress: on a terminal one live line per release (waiting / ready / failed, with
 * elapsed time), elsewhere one plain line per event. Engine warnings and errors are shown
 * (redacted); informational engine messages only with -v.
 */
export function createProgress(o: ProgressOptions) {
  const now = o.now ?? Date.now;
  const rows = new Map<string, Row>();
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    const lines = [...rows.values()].map((r) => {
      const elapsed = seconds((r.ended ?? now()) - r.started);
      const mark =
        r.state === "ready"
          ? o.style.green("✔")
          : r.state === "failed"
            ? o.style.red("✖")
            : o.style.cyan("…");
      const what =
        r.state === "waiting"
          ? `${r.op}: waiting for readiness`
          : `${r.op}: ${r.state === "ready" ? "done" : "failed"}`;
      return `${mark} ${r.kind.padEnd(9)} ${r.name.padEnd(28)} ${what.padEnd(34)} ${o.style.dim(elapsed)}`;
    });
    logUpdate(lines.join("\n"));
  };
  if (o.live) timer = setInterval(draw, 500);
  const line = (s: string) => {
    if (o.live) {
      logUpdate.clear();
      o.write(`${s}\n`);
      draw();
    } else {
      o.write(`${s}\n`);
    }
  };
  return {
    onEvent(e: EngineEvent): void {
      const pre = e.resourcePreEvent?.metadata;
      const done = e.resOutputsEvent?.metadata;
      const failed = e.resOpFailedEvent?.metadata;
      const meta = pre ?? done ?? failed;
      if (meta !== undefined) {
        const kind = shortKind(meta.type);
        if (kind === "" || meta.op === "same" || meta.op === "read") return;
        const name = meta.urn.split("::").at(-1) ?? meta.urn;
        const key = meta.urn;
        if (pre !== undefined) {
          rows.set(key, { name, kind, op: meta.op, state: "waiting", started: now() });
          if (!o.live) o.write(`${kind} ${name}: ${meta.op} started\n`);
        } else {
          const row = rows.get(key) ?? { name, kind, op: meta.op, state: "waiting" as const, started: now() };
          row.state = failed !== undefined ? "failed" : "ready";
          row.ended = now();
          rows.set(key, row);
          if (!o.live)
            o.write(
              `${kind} ${name}: ${meta.op} ${failed ? "failed" : "done"} after ${seconds(row.ended - row.started)}\n`,
            );
        }
        if (o.live) draw();
        return;
      }
      const d = e.diagnosticEvent;
      if (d !== undefined) {
        const text = o.redact(d.message.trim());
        if (text === "") return;
        if (d.severity === "error") line(`${o.style.red("engine error:")} ${text}`);
        else if (d.severity === "warning") line(`${o.style.yellow("engine warning:")} ${text}`);
        else if (o.verbose) line(o.style.dim(text));
      }
    },
    /** Stops redrawing and leaves the final state on screen. */
    stop(): void {
      if (timer !== undefined) clearInterval(timer);
      if (o.live && rows.size > 0) {
        draw();
        logUpdate.done();
      }
    },
    rows: () => [...rows.values()],
  };
}

import { DeployError, isPlantonError } from "../errors.js";

/** A member that did not change its cluster because another member failed first. */
export class NotStartedError extends DeployError {
  override name = "NotStartedError";
}

/** What became of one member's run (`M`: what the caller knows of the member). */
export type Outcome<M extends { label: string }, R> =
  | { member: M; ok: true; result: R }
  | { member: M; ok: false; error: unknown };

/**
 * Runs the stacks of one mesh (a stack alone is a mesh of one): all start together (reads, checks and previews side by side),
 * and each may change its cluster only once `gate` lets it: after every member of the waves
 * before its own (forward for apply: a primary before its remotes; reverse for destroy) has
 * finished, and never when one of them failed. A confirmation is asked once for all: each
 * member's `confirm` waits until every member has asked or finished without asking.
 */
export class MeshRun {
  private readonly finished: Promise<boolean>[];
  private readonly resolveFinished: ((ok: boolean) => void)[] = [];
  private readonly asked = new Map<number, string>();
  private readonly settled = new Set<number>();
  private readonly failed: string[] = [];
  private releaseAsk: () => void = () => {};
  private readonly everyoneAsked = new Promise<void>((r) => {
    this.releaseAsk = r;
  });
  private answer: Promise<boolean> | undefined;
  private readonly early = new Map<number, () => Promise<void>>();
  private earlyRun: Promise<{ j: number; error: unknown }[]> | undefined;

  constructor(
    private readonly waves: number[],
    private readonly labels: string[],
    private readonly order: "forward" | "reverse",
    private readonly ask: (questions: string[]) => Promise<boolean>,
  ) {
    this.finished = waves.map(
      () =>
        new Promise<boolean>((r) => {
          this.resolveFinished.push(r);
        }),
    );
  }

  /** Waits until member `i` may change its cluster; throws when a member it waits for failed. */
  async gate(i: number): Promise<void> {
    const mine = this.waves[i] ?? 0;
    const before = this.waves
      .map((w, j) => ({ w, j }))
      .filter(({ w }) => (this.order === "forward" ? w < mine : w > mine));
    const results = await Promise.all(before.map(({ j }) => this.finished[j]));
    const blocked = before.filter((_, k) => !results[k]).map(({ j }) => this.labels[j]);
    if (blocked.length > 0)
      throw new NotStartedError(
        `${this.labels[i]} was not changed: ${blocked.join(", ")} did not succeed first`,
      );
  }

  /**
   * A step of member `i` that must precede every change of the mesh, its primary's included
   * (a remote's annotated control-plane namespace, which the primary's istiod reads once when
   * the remote secret appears). It runs after the one answer, before any member's turn; only
   * a member that waits for an earlier wave needs one (otherwise its own change comes first).
   */
  beforeAnyChange(i: number, step: () => Promise<void>): void {
    const mine = this.waves[i] ?? 0;
    if (this.waves.some((w) => (this.order === "forward" ? w < mine : w > mine))) this.early.set(i, step);
  }

  /** Runs every member's `beforeAnyChange` step once, for all; throws when one failed. */
  private async earlySteps(i: number): Promise<void> {
    this.earlyRun ??= Promise.all(
      [...this.early.entries()].map(([j, step]) =>
        step().then(
          () => undefined,
          (error: unknown) => ({ j, error }),
        ),
      ),
    ).then((r) => r.filter((x): x is { j: number; error: unknown } => x !== undefined));
    const failures = await this.earlyRun;
    const own = failures.find((f) => f.j === i);
    if (own !== undefined) throw own.error;
    if (failures.length > 0)
      throw new NotStartedError(
        `${this.labels[i]} was not changed: ${failures.map((f) => this.labels[f.j]).join(", ")} failed before any change`,
      );
  }

  /** The confirmation of member `i`: one answer for all, then its turn. */
  async confirm(i: number, question: string): Promise<boolean> {
    this.asked.set(i, question);
    this.check();
    await this.everyoneAsked;
    if (this.failed.length > 0)
      throw new NotStartedError(
        `${this.labels[i]} was not changed: ${this.failed.join(", ")} failed before the question`,
      );
    // a stack alone is asked its own question; several each say whose question it is
    const named = (j: number, q: string) => (this.labels.length > 1 ? `${this.labels[j]}: ${q}` : q);
    this.answer ??= this.ask(
      [...this.asked.entries()].sort(([a], [b]) => a - b).map(([j, q]) => named(j, q)),
    );
    if (!(await this.answer)) return false;
    await this.earlySteps(i);
    await this.gate(i);
    return true;
  }

  /**
   * Member `i` changes its cluster without a question (apply --yes): like `confirm`, it waits for
   * every member to reach that point (or finish), fails when one failed before, then waits its turn.
   */
  async ready(i: number): Promise<void> {
    this.asked.set(i, "");
    this.check();
    await this.everyoneAsked;
    if (this.failed.length > 0)
      throw new NotStartedError(
        `${this.labels[i]} was not changed: ${this.failed.join(", ")} failed before any change`,
      );
    await this.earlySteps(i);
    await this.gate(i);
  }

  /** Runs member `i` and records how it ended, for the gates and the question. */
  async run<M extends { label: string }, R>(
    i: number,
    member: M,
    body: () => Promise<R>,
  ): Promise<Outcome<M, R>> {
    try {
      const result = await body();
      this.end(i, true);
      return { member, ok: true, result };
    } catch (error) {
      if (!this.asked.has(i) && this.answer === undefined) this.failed.push(this.labels[i] ?? "");
      this.end(i, false);
      return { member, ok: false, error };
    }
  }

  private end(i: number, ok: boolean) {
    this.settled.add(i);
    this.resolveFinished[i]?.(ok);
    this.check();
  }

  private check() {
    const waiting = this.waves.filter((_, i) => !this.asked.has(i) && !this.settled.has(i)).length;
    if (waiting === 0) this.releaseAsk();
  }
}

/** The error a multi-stack command exits with: the first real failure's (its exit code), naming the others. */
export function firstFailure<M extends { label: string }, R>(
  outcomes: Outcome<M, R>[],
  named = outcomes.length > 1,
): Error | undefined {
  // a member's own failure first; those that only did not start because of it after
  const failed = outcomes
    .filter((o): o is Extract<Outcome<M, R>, { ok: false }> => !o.ok)
    .sort((a, b) => Number(a.error instanceof NotStartedError) - Number(b.error instanceof NotStartedError));
  const first = failed[0];
  if (first === undefined) return undefined;
  const others = failed.slice(1).map((o) => o.member.label);
  const suffix = others.length > 0 ? ` (also not done: ${others.join(", ")})` : "";
  const err = first.error;
  // a stack alone fails with its own error, as it is
  if (!named && err instanceof Error) return err;
  if (isPlantonError(err)) {
    err.message = `${first.member.label}: ${err.message}${suffix}`;
    return err;
  }
  return err instanceof Error ? err : new DeployError(String(err));
}

// Milestones of an event-driven connection (ssh2's "handshake", "ready"), awaited one by one.
// The first failure is sticky: every pending and later wait rejects with it.
export class Milestones {
  private readonly reached = new Set<string>();
  private readonly waiters = new Map<string, Array<{ resolve: () => void; reject: (e: unknown) => void }>>();
  private failure: { error: unknown } | undefined;

  reach(name: string): void {
    this.reached.add(name);
    for (const w of this.waiters.get(name) ?? []) w.resolve();
    this.waiters.delete(name);
  }

  fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    for (const list of this.waiters.values()) for (const w of list) w.reject(error);
    this.waiters.clear();
  }

  /** Resolves when `name` is reached; a name nobody reaches waits only for a failure. */
  wait(name: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.reached.has(name)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(name) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(name, list);
    });
  }
}

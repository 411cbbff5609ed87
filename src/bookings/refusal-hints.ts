/**
 * Slots this instance recently found it could not book. Only a hint for which way to go: a
 * booking for such a slot reads the slot first (one query refuses it) instead of opening a
 * transaction that would roll back, while a booking for any other slot goes straight to the
 * transaction. Every answer still comes from the database, so a stale hint costs one read and
 * never changes an outcome.
 */
export class RefusalHints {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 10_000,
    private readonly clock: () => number = Date.now,
  ) {}

  note(slotId: string): void {
    this.until.delete(slotId);
    if (this.until.size >= this.maxEntries) this.until.delete(this.until.keys().next().value!);
    this.until.set(slotId, this.clock() + this.ttlMs);
  }

  has(slotId: string): boolean {
    const until = this.until.get(slotId);
    if (until === undefined) return false;
    if (until > this.clock()) return true;
    this.until.delete(slotId);
    return false;
  }
}

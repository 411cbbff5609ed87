import { RefusalHints } from './refusal-hints';

describe('RefusalHints', () => {
  it('remembers a refused slot for its time, then forgets it', () => {
    let now = 1_000;
    const hints = new RefusalHints(5_000, 10, () => now);
    expect(hints.has('a')).toBe(false);
    hints.note('a');
    now += 4_999;
    expect(hints.has('a')).toBe(true);
    now += 1;
    expect(hints.has('a')).toBe(false);
  });

  it('noting again extends the time', () => {
    let now = 0;
    const hints = new RefusalHints(100, 10, () => now);
    hints.note('a');
    now = 90;
    hints.note('a');
    now = 150;
    expect(hints.has('a')).toBe(true);
  });

  it('holds at most its size, dropping the longest-unrefreshed slot first', () => {
    const hints = new RefusalHints(1_000, 3, () => 0);
    for (const slot of ['a', 'b', 'c']) hints.note(slot);
    hints.note('a'); // refreshed: now the newest
    hints.note('d'); // drops b
    expect(['a', 'b', 'c', 'd'].map((slot) => hints.has(slot))).toEqual([true, false, true, true]);
  });
});

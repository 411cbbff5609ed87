import { statement } from './sql';

describe('statement', () => {
  it('numbers named parameters in order of first use, one number per name', () => {
    const built = statement<{ slotId: string; now: Date; notes: string | null }>(
      (p) => `SELECT ${p('now', 'timestamptz')}, ${p('slotId')} WHERE x = ${p('now')} AND y = ${p('notes')}`,
    );
    expect(built.text).toBe('SELECT $1::timestamptz, $2 WHERE x = $1 AND y = $3');
    const now = new Date();
    expect(built.values({ slotId: 's', now, notes: null })).toEqual([now, 's', null]);
  });
});

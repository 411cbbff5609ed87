import { prepared, statement } from './sql';

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

describe('prepared', () => {
  it('names SQL after its text: the same text one name, another text another', () => {
    const a = prepared('SELECT 1');
    expect(a).toEqual({ name: expect.stringMatching(/^cb_[0-9a-f]{32}$/), text: 'SELECT 1' });
    expect(prepared('SELECT 1').name).toBe(a.name);
    expect(prepared('SELECT 2').name).not.toBe(a.name);
    expect(statement(() => 'SELECT 1').name).toBe(a.name);
  });
});

import { IdempotencyService } from './idempotency.service';

describe('IdempotencyService.hashRequest', () => {
  const service = new IdempotencyService(undefined as never, 'x'.repeat(32));

  it('hashes bodies by content: key order and undefined fields do not matter', () => {
    expect(service.hashRequest({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      service.hashRequest({ b: { d: 'x', c: [1, 2] }, a: 1, e: undefined }),
    );
  });

  it('tells different bodies apart', () => {
    expect(service.hashRequest({ a: 1 })).not.toBe(service.hashRequest({ a: 2 }));
    expect(service.hashRequest({ a: [1, 2] })).not.toBe(service.hashRequest({ a: [2, 1] }));
    expect(service.hashRequest({ a: null })).not.toBe(service.hashRequest({}));
  });
});

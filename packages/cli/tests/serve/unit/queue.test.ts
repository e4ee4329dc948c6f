import { describe, expect, it } from 'vitest';
import { BoundedQueue, type Ticket } from '../../../src/serve/queue.js';

describe('BoundedQueue', () => {
  it('refuses past maxRequests and past maxBytes, and admits again after a release', () => {
    const q = new BoundedQueue({ maxRequests: 2, maxBytes: 100 });
    const a = q.tryAcquire(60) as Ticket;
    expect(q.tryAcquire(50)).toBe('bytes');
    const b = q.tryAcquire(40) as Ticket;
    expect(q.tryAcquire(0)).toBe('requests');
    expect([q.requests, q.bytes]).toEqual([2, 100]);
    a.release();
    a.release();
    expect([q.requests, q.bytes]).toEqual([1, 40]);
    expect(typeof q.tryAcquire(60)).toBe('object');
    b.release();
    expect(q.stats).toMatchObject({ admitted: 3, refusedRequests: 1, refusedBytes: 1 });
  });

  it('admits an input larger than maxBytes when empty, so none is refused forever', () => {
    const q = new BoundedQueue({ maxRequests: 4, maxBytes: 10 });
    const t = q.tryAcquire(1000);
    expect(typeof t).toBe('object');
    expect(q.tryAcquire(1)).toBe('bytes');
  });

  it('counts a resized ticket for its new size', () => {
    const q = new BoundedQueue({ maxRequests: 4, maxBytes: 1000 });
    const t = q.tryAcquire(10) as Ticket;
    t.resize(900);
    expect(q.bytes).toBe(900);
    expect(q.tryAcquire(200)).toBe('bytes');
    t.release();
    expect(q.bytes).toBe(0);
  });

  it('makes acquire wait first come, first served, and resolves whenEmpty at zero', async () => {
    const q = new BoundedQueue({ maxRequests: 1, maxBytes: 100 });
    const first = await q.acquire(10);
    const order: number[] = [];
    const second = q.acquire(10).then((t) => {
      order.push(2);
      return t;
    });
    const third = q.acquire(10).then((t) => {
      order.push(3);
      return t;
    });
    expect(q.tryAcquire(1)).toBe('requests');
    let empty = false;
    const emptied = q.whenEmpty().then(() => {
      empty = true;
    });
    first.release();
    (await second).release();
    (await third).release();
    await emptied;
    expect(order).toEqual([2, 3]);
    expect(empty).toBe(true);
  });

  it('calls onHighWater at the high-water fraction and refuses everything once closed', async () => {
    let calls = 0;
    const q = new BoundedQueue({
      maxRequests: 4,
      maxBytes: 1000,
      highWaterFraction: 0.5,
      onHighWater: () => calls++,
    });
    q.tryAcquire(1);
    expect(calls).toBe(0);
    q.tryAcquire(1);
    expect(calls).toBe(1);
    q.close();
    expect(q.tryAcquire(1)).toBe('closed');
    await expect(q.acquire(1)).rejects.toThrow(/closed/);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineBuffer } from '../../src/line-buffer.js';

describe('LineBuffer', () => {
  it('holds the UTF-8 bytes Buffer.from gives for the joined text, for any strings', () => {
    // Lone surrogates included: both write them as U+FFFD.
    const line = fc.string({ unit: 'binary', maxLength: 300 });
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 40 }),
        fc.integer({ min: 1, max: 64 }),
        (lines, size) => {
          // A tiny first buffer makes it grow many times.
          const out = new LineBuffer(size);
          let text = '';
          for (const l of lines) {
            out.write(l);
            out.newline();
            text += `${l}\n`;
          }
          expect(out.length).toBe(Buffer.byteLength(text));
          expect(Buffer.compare(out.bytes(), Buffer.from(text))).toBe(0);
          expect(out.bytes().toString('base64')).toBe(Buffer.from(text).toString('base64'));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('line() ends each text with exactly one newline, not doubling one it has', () => {
    const out = new LineBuffer();
    out.line('a\n');
    out.line('b');
    out.line('');
    out.line('c\r\n');
    expect(out.bytes().toString()).toBe('a\nb\n\nc\r\n');
  });

  it('starts over after reset and keeps what a bytes() copy took', () => {
    const out = new LineBuffer(16);
    out.write('x'.repeat(100));
    const kept = Buffer.from(out.bytes());
    out.reset();
    expect(out.length).toBe(0);
    out.write('é');
    expect(out.bytes().toString()).toBe('é');
    expect(kept.toString()).toBe('x'.repeat(100));
  });

  it('take() hands over its own memory at offset 0 and starts again empty; later writes leave it alone', () => {
    const out = new LineBuffer(8);
    out.line('first line, long enough to make it grow');
    const taken = out.take();
    expect(taken.byteOffset).toBe(0);
    expect(taken.buffer.byteLength).toBeGreaterThanOrEqual(taken.length);
    expect(taken.toString()).toBe('first line, long enough to make it grow\n');
    expect(out.length).toBe(0);
    out.line('second');
    expect(out.bytes().toString()).toBe('second\n');
    expect(taken.toString()).toBe('first line, long enough to make it grow\n');
    // Transferable: the memory is the buffer's own, not a slice of a shared pool.
    expectTransferable(taken);
  });

  it('take({ fit: true }) hands over memory of exactly the bytes when more would be slack, and the memory itself when little is', () => {
    const loose = new LineBuffer(4096);
    loose.line('a short line');
    const fitted = loose.take({ fit: true });
    expect(fitted.toString()).toBe('a short line\n');
    expect(fitted.byteOffset).toBe(0);
    expect(fitted.buffer.byteLength).toBe(13);
    // The copy is the buffer's own memory too: transferable.
    expectTransferable(fitted);

    // 100 bytes written of 110: within an eighth, handed over as it is (no copy).
    const tight = new LineBuffer(110);
    const before = tight.bytes().buffer;
    // (One character at a time: a write makes room for 3 bytes per character first.)
    for (let i = 0; i < 100; i++) tight.write(String.fromCharCode(97 + (i % 26)));
    expect(tight.length).toBe(100);
    const kept = tight.take({ fit: true });
    expect(kept.buffer).toBe(before);
    expect(kept.buffer.byteLength).toBe(110);
    expect(kept.toString()).toBe('abcdefghijklmnopqrstuvwxyz'.repeat(4).slice(0, 100));
  });
});

/** The buffer's ArrayBuffer can be transferred (it is detached afterwards). */
function expectTransferable(buf: Buffer): void {
  const { port1, port2 } = new MessageChannel();
  const memory = buf.buffer as ArrayBuffer;
  port1.postMessage(memory, [memory]);
  expect(memory.byteLength).toBe(0);
  port1.close();
  port2.close();
}

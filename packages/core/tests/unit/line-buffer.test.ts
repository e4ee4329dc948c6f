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
    const { port1, port2 } = new MessageChannel();
    const memory = taken.buffer as ArrayBuffer;
    port1.postMessage(memory, [memory]);
    expect(memory.byteLength).toBe(0);
    port1.close();
    port2.close();
  });
});

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { crc32, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

// The built addon itself (index.cjs): loading fails, and so does this file, when it was not built.
const addon = createRequire(import.meta.url)('../index.cjs') as typeof import('../index.cjs');

const text = Buffer.from(
  JSON.stringify({
    messageType: 'DATA_MESSAGE',
    logEvents: Array.from({ length: 200 }, (_, i) => ({ id: `${i}`, message: `line ${i} é ✓` })),
  }),
);
const gz = gzipSync(text);

function inflate(input: Uint8Array, size = text.length): { status: number; out: Buffer } {
  const out = Buffer.alloc(size);
  return { status: addon.gunzip(input, out), out };
}

describe('@logpipe/libdeflate gunzip', () => {
  it('inflates one gzip member into the output and returns its length', () => {
    const { status, out } = inflate(gz);
    expect(status).toBe(text.length);
    expect(out.equals(text)).toBe(true);
    expect(addon.libdeflateVersion).toBe('1.23');
  });

  it('writes into a view at its offset, and leaves the room after the data alone', () => {
    const backing = Buffer.alloc(text.length + 20, 0xaa);
    const view = backing.subarray(10);
    expect(addon.gunzip(gz, view)).toBe(text.length);
    expect(backing.subarray(10, 10 + text.length).equals(text)).toBe(true);
    expect(backing.subarray(0, 10).every((b) => b === 0xaa)).toBe(true);
    expect(backing.subarray(10 + text.length).every((b) => b === 0xaa)).toBe(true);
    // Input as a view of larger memory too.
    const padded = Buffer.concat([Buffer.from('xxxx'), gz, Buffer.from('yyyy')]);
    expect(inflate(padded.subarray(4, 4 + gz.length)).status).toBe(text.length);
  });

  it('inflates an empty member into an empty output', () => {
    expect(addon.gunzip(gzipSync(Buffer.alloc(0)), Buffer.alloc(0))).toBe(0);
  });

  it('reads the optional header fields (FEXTRA, FNAME, FCOMMENT, FHCRC)', () => {
    const deflated = gz.subarray(10, gz.length - 8);
    const head = Buffer.concat([
      Buffer.from([0x1f, 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3]),
      Buffer.from([3, 0, 0x41, 0x42, 0x43]),
      Buffer.from('payload.json\0', 'latin1'),
      Buffer.from('a comment\0', 'latin1'),
    ]);
    const hcrc = Buffer.alloc(2);
    hcrc.writeUInt16LE(crc32(head) & 0xffff);
    const { status, out } = inflate(Buffer.concat([head, hcrc, deflated, gz.subarray(-8)]));
    expect(status).toBe(text.length);
    expect(out.equals(text)).toBe(true);
  });

  it('returns -1 for data that is not one valid member', () => {
    const badCrc = Buffer.from(gz);
    badCrc.writeUInt32LE((badCrc.readUInt32LE(gz.length - 8) ^ 1) >>> 0, gz.length - 8);
    const badSize = Buffer.from(gz);
    badSize.writeUInt32LE(text.length - 1, gz.length - 4);
    const corrupt = Buffer.from(gz);
    corrupt.fill(0xff, 10, 30);
    const notGzip = Buffer.from('{"messageType":"DATA_MESSAGE"}');
    for (const bad of [
      gz.subarray(0, gz.length >> 1),
      gz.subarray(0, 10),
      Buffer.alloc(0),
      badCrc,
      badSize,
      corrupt,
      notGzip,
    ]) {
      expect(inflate(bad).status).toBe(-1);
    }
  });

  it('returns -2 when the data does not fit the output', () => {
    expect(inflate(gz, text.length - 1).status).toBe(-2);
    expect(inflate(gz, 0).status).toBe(-2);
  });

  it('refuses input cut short, with -1 or, where libdeflate reads the missing bytes as zeros, -2', () => {
    for (let cut = 1; cut < gz.length; cut += 1 + (cut >> 3)) {
      expect([-1, -2]).toContain(inflate(gz.subarray(0, gz.length - cut)).status);
    }
    // The member's last byte missing: the trailer is read one byte early, so the DEFLATE data
    // is one byte short and, read on as zeros, overflows the output.
    expect(inflate(gz.subarray(0, gz.length - 1)).status).toBe(-2);
  });

  it('returns -3 when bytes follow the member: another member, padding or junk', () => {
    const size = text.length * 2;
    expect(inflate(Buffer.concat([gz, gzipSync('more')]), size).status).toBe(-3);
    expect(inflate(Buffer.concat([gz, Buffer.alloc(4)]), size).status).toBe(-3);
    expect(inflate(Buffer.concat([gz, Buffer.from('junk')]), size).status).toBe(-3);
  });

  it('throws a TypeError for arguments that are not Uint8Arrays', () => {
    const out = Buffer.alloc(10);
    const cases: unknown[][] = [
      [],
      [gz],
      ['string', out],
      [gz, 'string'],
      [new Uint16Array(4), out],
      [gz, new Float64Array(4)],
      [gz.buffer, out],
      [gz, new DataView(out.buffer)],
    ];
    for (const args of cases) {
      expect(() => (addon.gunzip as (...a: unknown[]) => number)(...args)).toThrow(TypeError);
    }
  });

  it('loads in worker threads, each with its own decompressor, inflating at the same time', async () => {
    const payloads = Array.from({ length: 4 }, (_, w) =>
      gzipSync(Buffer.from(`worker ${w} `.repeat(50_000 + w * 1000))),
    );
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { gunzip } = require(workerData.addon);
      const { gz, size } = workerData;
      const out = Buffer.alloc(size);
      let sum = 0;
      for (let i = 0; i < 200; i++) {
        if (gunzip(gz, out) !== size) throw new Error('inflate failed');
        sum = (sum + out[(i * 7919) % size]) | 0;
      }
      parentPort.postMessage(out.toString('latin1'));
    `;
    const results = await Promise.all(
      payloads.map(
        (gzw, w) =>
          new Promise<string>((resolve, reject) => {
            const size = `worker ${w} `.length * (50_000 + w * 1000);
            const worker = new Worker(source, {
              eval: true,
              workerData: {
                addon: createRequire(import.meta.url).resolve('../index.cjs'),
                gz: gzw,
                size,
              },
            });
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
      ),
    );
    results.forEach((r, w) => {
      expect(r).toBe(`worker ${w} `.repeat(50_000 + w * 1000));
    });
    // The main thread's decompressor still works after the workers' were freed.
    expect(inflate(gz).status).toBe(text.length);
  });
});

describe('@logpipe/libdeflate messages', () => {
  const envelope = {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: '/aws/lambda/é',
    logStream: 's',
    subscriptionFilters: ['all'],
    logEvents: [
      { id: '1', timestamp: 1_700_000_000_005, message: 'plain' },
      { id: '2', timestamp: 1_700_000_000_001, message: 'ends with a newline\n' },
      { id: '3', timestamp: 1_700_000_000_009, message: '{"q":"\\u00e9 ✓"}' },
    ],
  };
  const json = Buffer.from(JSON.stringify(envelope));

  function scan(input: Uint8Array, outBytes = input.length, spanSlots = 16) {
    const out = Buffer.alloc(outBytes, 0xaa);
    const spans = new Int32Array(spanSlots);
    const info = new Float64Array(10);
    return { status: addon.messages(input, out, spans, info), out, spans, info };
  }

  it('writes each message and a newline (unless it ends with one), and where things are', () => {
    const { status, out, spans, info } = scan(json);
    const lines = 'plain\nends with a newline\n{"q":"\\u00e9 ✓"}\n';
    expect(status).toBe(Buffer.byteLength(lines));
    expect(out.subarray(0, status).toString()).toBe(lines);
    expect(Array.from(spans.subarray(0, 6))).toEqual([
      0,
      5,
      6,
      26,
      26,
      26 + Buffer.byteLength('{"q":"\\u00e9 ✓"}'),
    ]);
    expect(info[0]).toBe(3);
    expect(info[9]).toBe(lines.length);
    expect([info[1], info[2]]).toEqual([1_700_000_000_001, 1_700_000_000_009]);
    const at = (i: number) =>
      json.toString('utf8', info[i], (info[i] as number) + (info[i + 1] as number));
    expect([at(3), at(5), at(7)]).toEqual(['123456789012', '/aws/lambda/é', 's']);
  });

  it('writes nothing past the arrays it is given (views of larger memory)', () => {
    // subscriptionFilters and policyLevel, whose spans only envelope() reports.
    const input = Buffer.from(JSON.stringify({ ...envelope, policyLevel: 'P' }));
    const outBacking = Buffer.alloc(input.length + 64, 0xaa);
    const spansBacking = new Int32Array(6 + 8).fill(-7);
    const infoBacking = new Float64Array(10 + 12).fill(-7);
    const status = addon.messages(
      input,
      outBacking.subarray(0, input.length),
      spansBacking.subarray(0, 6),
      infoBacking.subarray(0, 10),
    );
    expect(status).toBeGreaterThan(0);
    expect(outBacking.subarray(input.length).every((b) => b === 0xaa)).toBe(true);
    expect(Array.from(spansBacking.subarray(6))).toEqual(new Array(8).fill(-7));
    expect(Array.from(infoBacking.subarray(10))).toEqual(new Array(12).fill(-7));
  });

  it('returns -1 for what it leaves to JSON.parse, and -2 when output or spans are too small', () => {
    expect(scan(Buffer.from('{"messageType":"CONTROL_MESSAGE"}')).status).toBe(-1);
    expect(scan(Buffer.alloc(0)).status).toBe(-1);
    expect(scan(json.subarray(0, json.length - 1)).status).toBe(-1);
    expect(scan(json, json.length - 1).status).toBe(-2);
    expect(scan(json, json.length, 5).status).toBe(-2);
  });

  it('throws for arguments of the wrong types', () => {
    const out = Buffer.alloc(json.length);
    const spans = new Int32Array(8);
    const info = new Float64Array(10);
    const cases: unknown[][] = [
      [],
      [json, out, spans],
      ['{}', out, spans, info],
      [json, out, new Uint32Array(8), info],
      [json, out, spans, new Float32Array(10)],
    ];
    for (const args of cases) {
      expect(() => (addon.messages as (...a: unknown[]) => number)(...args)).toThrow(TypeError);
    }
    expect(() => addon.messages(json, out, spans, new Float64Array(9))).toThrow(RangeError);
  });
});

describe('@logpipe/libdeflate envelope', () => {
  function read(text: string, slots = 16) {
    const json = Buffer.from(text);
    const out = Buffer.alloc(json.length);
    const spans = new Int32Array(slots);
    const ids = new Int32Array(slots);
    const times = new Float64Array(slots / 2);
    const info = new Float64Array(21);
    const status = addon.envelope(json, out, spans, info, ids, times);
    return { status, json, out, spans, ids, times, info };
  }
  const env = {
    owner: '1',
    logGroup: 'g',
    logStream: 's',
    subscriptionFilters: ['f'],
    messageType: 'DATA_MESSAGE',
    logEvents: [
      { id: '11', timestamp: 5, message: 'a\\"b' },
      { id: '12', timestamp: -7, message: '' },
    ],
  };

  it('gives each event’s id span and timestamp, the members’ order and the filters’ span', () => {
    const { status, json, out, spans, ids, times, info } = read(JSON.stringify(env));
    expect(status).toBeGreaterThan(0);
    expect(info[0]).toBe(2);
    expect(out.toString('utf8', spans[0], spans[1])).toBe('a\\"b');
    expect(json.toString('latin1', ids[0], ids[1])).toBe('11');
    expect(json.toString('latin1', ids[2], ids[3])).toBe('12');
    expect([times[0], times[1]]).toEqual([5, -7]);
    // Bits: owner 2, logGroup 4, logStream 8, subscriptionFilters 16, messageType 1, logEvents 32.
    expect(Array.from(info.subarray(14, 21))).toEqual([2, 4, 8, 16, 1, 32, 0]);
    expect(json.toString('utf8', info[10], info[11])).toBe('["f"]');
    expect(info[12]).toBe(-1);
  });

  it('returns -1 for members of its own, other event members or order, and lone surrogates', () => {
    expect(read(JSON.stringify({ ...env, x: 1 })).status).toBe(-1);
    expect(
      read(JSON.stringify({ ...env, logEvents: [{ timestamp: 1, id: '1', message: 'm' }] })).status,
    ).toBe(-1);
    expect(
      read(JSON.stringify({ ...env, logEvents: [{ id: '1', timestamp: 1, message: '\ud800' }] }))
        .status,
    ).toBe(-1);
    expect(read(JSON.stringify(env), 2).status).toBe(-2);
  });

  it('writes nothing past the arrays it is given (views of larger memory)', () => {
    const json = Buffer.from(JSON.stringify({ ...env, policyLevel: 'P' }));
    const outBacking = Buffer.alloc(json.length + 64, 0xaa);
    const spans = new Int32Array(4 + 8).fill(-7);
    const ids = new Int32Array(4 + 8).fill(-7);
    const times = new Float64Array(2 + 8).fill(-7);
    const info = new Float64Array(21 + 8).fill(-7);
    const status = addon.envelope(
      json,
      outBacking.subarray(0, json.length),
      spans.subarray(0, 4),
      info.subarray(0, 21),
      ids.subarray(0, 4),
      times.subarray(0, 2),
    );
    expect(status).toBeGreaterThan(0);
    expect(outBacking.subarray(json.length).every((b) => b === 0xaa)).toBe(true);
    for (const [a, n] of [
      [spans, 4],
      [ids, 4],
      [times, 2],
      [info, 21],
    ] as const) {
      expect(Array.from(a.subarray(n))).toEqual(new Array(8).fill(-7));
    }
  });

  it('throws for arguments of the wrong types', () => {
    const json = Buffer.from(JSON.stringify(env));
    const out = Buffer.alloc(json.length);
    const i32 = new Int32Array(8);
    const f64 = new Float64Array(21);
    const call = addon.envelope as (...a: unknown[]) => number;
    expect(() => call(json, out, i32, f64, i32)).toThrow(TypeError);
    expect(() => call(json, out, i32, f64, new Float64Array(8), f64)).toThrow(TypeError);
    expect(() => call(json, out, i32, f64, i32, i32)).toThrow(TypeError);
    expect(() => call(json, out, i32, new Float64Array(20), i32, f64)).toThrow(RangeError);
  });
});

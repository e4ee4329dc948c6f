import { afterEach, describe, expect, it } from 'vitest';
import { createClassifier } from '../../src/classify.js';
import { generateWorkload } from '../../src/generator/workload.js';
import type { LogRecord } from '../../src/model.js';
import { createVpcFlowParser } from '../../src/parsers/vpc-flow.js';
import { processEnvelope } from '../../src/process.js';
import { RecordLineSerializer, recordLineReference } from '../../src/record-line.js';

// What `node --disallow-code-generation-from-strings` does to `new Function(…)`: an EvalError.
// The compiled VPC fields builder and record-line serializers must then fall back to the same
// results made without compiled code. Each is compiled on first use, inside the refusal here.
const RealFunction = globalThis.Function;
function refuseCodeFromStrings(): void {
  globalThis.Function = function refused() {
    throw new EvalError('Code generation from strings disallowed for this context');
  } as unknown as FunctionConstructor;
}
afterEach(() => {
  globalThis.Function = RealFunction;
});

describe('where code from strings is refused', () => {
  it('the VPC flow parser builds the same fields, in format order', () => {
    const format = '${version} ${vpc-id} ${srcaddr} ${dstaddr} ${dstport} ${action} ${start}';
    const line = '5 vpc-0a1b 10.0.0.1 10.0.0.2 443 ACCEPT 1700000000';
    const compiled = createVpcFlowParser({ format }).parse(line, { origin: {} as never, time: 0 });
    refuseCodeFromStrings();
    const parser = createVpcFlowParser({ format });
    const plain = parser.parse(line, { origin: {} as never, time: 0 });
    globalThis.Function = RealFunction;
    expect(plain).toEqual(compiled);
    expect(plain.ok && Object.keys(plain.fields)).toEqual([
      'version',
      'vpc_id',
      'srcaddr',
      'dstaddr',
      'dstport',
      'action',
      'start',
    ]);
  });

  it('the record line serializer writes the reference lines (JSON.stringify of the fields)', () => {
    const classifier = createClassifier();
    const records: LogRecord[] = [];
    for (const p of generateWorkload({ events: 3000, seed: 4 }))
      records.push(...processEnvelope(p.envelope, classifier).records);
    expect(new Set(records.map((r) => r.dataset)).size).toBeGreaterThan(3);
    refuseCodeFromStrings();
    const serializer = new RecordLineSerializer();
    const lines = records.map((r) => serializer.line(r));
    globalThis.Function = RealFunction;
    expect(lines).toEqual(records.map((r) => recordLineReference(r)));
  });
});

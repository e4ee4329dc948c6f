/**
 * What records cost in the transformation response, in bytes of its JSON: the
 * handler spends its response budget by these. Each is defined by the
 * `JSON.stringify` of the record it measures (the reference functions below) and
 * computed without building that record: the record id's share is the same in
 * both records an Ok record's cost is the difference of, so it drops out.
 * (They run for every record of every invocation: 1.77 → 0.64 µs a record in a
 * micro-benchmark, about 1 % of messages mode; a CPU profile had put them at 4 %.)
 */

/** `{"recordId":"","result":"ProcessingFailed","data":""}` and a separator, without the id's 2 quotes. */
const FAILED_FRAME =
  JSON.stringify({ recordId: '', result: 'ProcessingFailed', data: '' }).length - 1;
/** `"Ok"` is this many bytes longer than `"ProcessingFailed"` (negative). */
const OK_VS_FAILED = JSON.stringify('Ok').length - JSON.stringify('ProcessingFailed').length;
/** `,"metadata":` before the metadata object. */
const METADATA_KEY = ',"metadata":'.length;

/** Response bytes of a record with no data (what every record costs at least). */
export function minimalRecordBytes(recordId: string): number {
  return typeof recordId === 'string'
    ? FAILED_FRAME + JSON.stringify(recordId).length
    : minimalRecordBytesReference(recordId);
}

/**
 * What an Ok record of `dataBytes` (before base64) with these partition keys adds
 * to the response beyond the {@link minimalRecordBytes} already reserved for it.
 */
export function okSize(keys: Record<string, string> | undefined, dataBytes: number): number {
  const metadata =
    keys === undefined ? 0 : METADATA_KEY + JSON.stringify({ partitionKeys: keys }).length;
  return base64Length(dataBytes) + OK_VS_FAILED + metadata;
}

/** Characters of the base64 of `n` bytes. */
export function base64Length(n: number): number {
  return Math.ceil(n / 3) * 4;
}

/** {@link minimalRecordBytes} by its definition. */
export function minimalRecordBytesReference(recordId: string): number {
  return JSON.stringify({ recordId, result: 'ProcessingFailed', data: '' }).length + 1;
}

/** {@link okSize} by its definition (the record id is the one the response will carry). */
export function okSizeReference(
  recordId: string,
  keys: Record<string, string> | undefined,
  dataBytes: number,
): number {
  const metadata = keys === undefined ? undefined : { partitionKeys: keys };
  const skeleton = JSON.stringify({ recordId, result: 'Ok', data: '', metadata }).length + 1;
  return skeleton + base64Length(dataBytes) - minimalRecordBytesReference(recordId);
}

import { describe, expect, it } from 'vitest';
import { compileInsights, type InsightsCompileOptions } from '../../src/insights/compile.js';
import { InsightsCompileError } from '../../src/insights/errors.js';
import { partitionPredicate } from '../../src/insights/partitions.js';

const FROM = Date.UTC(2026, 0, 2, 22, 15);
const TO = Date.UTC(2026, 0, 3, 1, 30);

function compile(text: string, o: Partial<InsightsCompileOptions> = {}) {
  return compileInsights(text, {
    dialect: 'duckdb',
    from: FROM,
    to: TO,
    now: Date.UTC(2026, 0, 3),
    ...o,
  });
}

function compileError(text: string, o: Partial<InsightsCompileOptions> = {}): InsightsCompileError {
  try {
    compile(text, o);
  } catch (err) {
    if (err instanceof InsightsCompileError) return err;
    throw err;
  }
  throw new Error(`compiled: ${text}`);
}

describe('partition predicates', () => {
  it('lists the hours of a short range per day, with equality and IN only', () => {
    expect(partitionPredicate(FROM, TO).text).toBe(
      `(("year" = '2026' AND "month" = '01' AND "day" = '02' AND "hour" IN ('22', '23'))\n    OR ("year" = '2026' AND "month" = '01' AND "day" = '03' AND "hour" IN ('00', '01')))`,
    );
  });

  it('collapses whole days, months and years into one term each', () => {
    const text = partitionPredicate(Date.UTC(2025, 10, 30, 23), Date.UTC(2027, 1, 2, 1)).text;
    expect(text).toContain(
      `("year" = '2025' AND "month" = '11' AND "day" = '30' AND "hour" = '23')`,
    );
    expect(text).toContain(`("year" = '2025' AND "month" = '12')`);
    expect(text).toContain(`"year" = '2026'`);
    expect(text).toContain(`("year" = '2027' AND "month" = '01')`);
    expect(text).toContain(`("year" = '2027' AND "month" = '02' AND "day" = '01')`);
    expect(text).toContain(
      `("year" = '2027' AND "month" = '02' AND "day" = '02' AND "hour" = '00')`,
    );
    expect(text.split('OR').length).toBe(6);
    // Only the partition columns, compared with equality or IN: what projection can prune.
    expect(text).not.toMatch(/[<>]|\|\||concat|CAST/i);
  });

  it('covers exactly the hours that hold [from, to)', () => {
    expect(partitionPredicate(Date.UTC(2026, 0, 1, 5), Date.UTC(2026, 0, 1, 6)).text).toBe(
      `("year" = '2026' AND "month" = '01' AND "day" = '01' AND "hour" = '05')`,
    );
    expect(
      partitionPredicate(Date.UTC(2026, 0, 1, 5, 59), Date.UTC(2026, 0, 1, 6, 0, 0, 1)).text,
    ).toContain(`"hour" IN ('05', '06')`);
  });

  it('collapses whole years and months of years 0000–0099 too (not read as 19xx)', () => {
    const at = (year: number, month: number, day = 1, hour = 0) => {
      const d = new Date(0);
      d.setUTCFullYear(year, month, day);
      d.setUTCHours(hour);
      return d.getTime();
    };
    expect(partitionPredicate(at(50, 0), at(52, 0)).text).toBe(`"year" IN ('0050', '0051')`);
    expect(partitionPredicate(at(50, 10, 30, 22), at(51, 0, 1, 2)).text).toBe(
      `(("year" = '0050' AND "month" = '11' AND "day" = '30' AND "hour" IN ('22', '23'))\n    OR ("year" = '0050' AND "month" = '12')\n    OR ("year" = '0051' AND "month" = '01' AND "day" = '01' AND "hour" IN ('00', '01')))`,
    );
  });
});

describe('compileInsights', () => {
  it('reads the table of the dataset in the database, with the partition and time predicates', () => {
    const athena = compile('fields @message', {
      dialect: 'athena',
      dataset: 'alb',
      database: 'lake_db',
    });
    expect(athena.sql).toContain('FROM "lake_db"."alb"');
    expect(athena.sql).toContain(
      `"time" >= TIMESTAMP '2026-01-02 22:15:00.000' AND "time" < TIMESTAMP '2026-01-03 01:30:00.000'`,
    );
    expect(athena.sql).toContain(`"hour" IN ('22', '23')`);
    const duck = compile('fields @message');
    expect(duck.sql).toContain('FROM "main"."app"');
    expect(duck.sql).toContain(`epoch_ms("time") >= ${FROM} AND epoch_ms("time") < ${TO}`);
    expect(duck).toMatchObject({
      dialect: 'duckdb',
      datasets: ['app'],
      columns: ['@message'],
      timeRange: { from: FROM, to: TO },
    });
  });

  it('passes every query value as a parameter, in order', () => {
    const q = compile('filter b = "needle" and a > 41 and c like /re+/ | limit 3');
    // A JSON field used as a number is read twice (test, then cast): its path appears twice.
    expect(q.params).toEqual(['/b', '/b', 'needle', '/a', '/a', '/a', '/a', 41, '/c', '/c', 're+']);
    expect(q.sql).not.toContain('needle');
    expect(q.sql).not.toContain('re+');
  });

  it('maps @ fields, discovered camelCase names, JSON paths and map keys to columns', () => {
    expect(compile('fields @logStream, @log, @logGroup').sql).toMatch(
      /"log_stream" AS "@logStream"[\s\S]*\("owner" \|\| ':' \|\| "log_group"\) AS "@log"/,
    );
    expect(compile('fields srcAddr, logStatus', { dataset: 'vpc_flow' }).sql).toMatch(
      /"srcaddr" AS "srcAddr",\s+"log_status" AS "logStatus"/,
    );
    const ct = compile('fields requestParameters.userName', {
      dataset: 'cloudtrail',
      dialect: 'athena',
    });
    expect(ct.sql).toContain('json_extract_scalar("request_parameters", ?)');
    expect(ct.params).toContain('$["userName"]');
    expect(compile('fields @duration, @memorySize, @type', { dataset: 'lambda' }).sql).toMatch(
      /"duration_ms" AS "@duration",\s+\("memory_size_mb" \* 1000000\) AS "@memorySize",\s+upper\("type"\) AS "@type"/,
    );
    const m = compile('fields dimensions.Service, measures.Latency.value', {
      dataset: 'metrics',
      dialect: 'athena',
    });
    expect(m.sql).toContain('element_at("dimensions", ?) AS "dimensions.Service"');
    expect(m.params).toEqual(expect.arrayContaining(['Service', '$["Latency"]["value"]']));
  });

  it('reports the stats bin column and names outputs as written', () => {
    const q = compile('stats count(*), avg(a) as m by bin(5m), level');
    expect(q.columns).toEqual(['bin(5m)', 'level', 'count(*)', 'm']);
    expect(q.binColumn).toBe('bin(5m)');
    expect(compile('stats count(*) by level').binColumn).toBeUndefined();
  });

  it('applies the default limit only when the query has no limit', () => {
    expect(compile('fields a').sql).toMatch(/LIMIT 10000$/);
    expect(compile('fields a', { defaultLimit: 50 }).sql).toMatch(/LIMIT 50$/);
    expect(compile('fields a | limit 7').sql).not.toMatch(/LIMIT 10000/);
  });

  it('writes Athena SQL with Trino functions and DuckDB SQL with DuckDB ones', () => {
    const text =
      'filter b like /x/ | parse @message "[*]" as tag | stats pct(a, 95) as p, earliest(b) as e, count_distinct(tag) as d by bin(1h)';
    const a = compile(text, { dialect: 'athena' }).sql;
    const d = compile(text).sql;
    expect(a).toContain('regexp_like(');
    expect(a).toContain('element_at(array_sort(array_agg(');
    expect(a).toContain('min_by(');
    expect(a).toContain("date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', \"time\")");
    expect(a).toContain("date_add('millisecond',");
    expect(d).toContain('regexp_matches(');
    expect(d).toContain('list_sort(list(');
    expect(d).toContain('arg_min(');
    expect(d).toContain('epoch_ms(CAST(');
    for (const sql of [a, d]) expect(sql).toContain('count(DISTINCT');
  });

  it.each([
    ['fields jsonParse(@message) as j', 'QUERY_UNSUPPORTED', 'map and list values'],
    ['fields @message | pattern @message', 'QUERY_UNSUPPORTED', 'pattern command is not supported'],
    [
      'filter b like /a(?=b)/',
      'QUERY_UNSUPPORTED',
      "DuckDB's regular expressions (RE2) have no lookaround",
    ],
    [
      'filter isIpv6InSubnet(ip, "2001:db8::/32")',
      'QUERY_UNSUPPORTED',
      'IPv6 subnet is not supported on DuckDB',
    ],
    ['fields urlencode(b) as u', 'QUERY_UNSUPPORTED', 'encode spaces differently'],
    ['fields @ingestionTime', 'QUERY_UNSUPPORTED', '@ingestionTime is not stored'],
    [
      'stats count(*) by a | stats count(*) by bin(5m)',
      'QUERY_INVALID',
      'first stats command did not keep',
    ],
    ['stats count(*) as n by a | fields b', 'QUERY_INVALID', 'not available after stats'],
    ['stats count(*) by a, b as A', 'QUERY_UNSUPPORTED', 'differ only in letter case'],
    ['stats count(*) as n, b', 'QUERY_INVALID', 'must be in the by clause'],
    ['filter @timestamp > "2026-01-01"', 'QUERY_UNSUPPORTED', 'readable dates'],
    ['filter b', 'QUERY_INVALID', 'is not a condition'],
    ['fields count(*) as n', 'QUERY_INVALID', 'aggregate function'],
    ['filter isIpv4InSubnet(ip, "10.0.0.0/33")', 'QUERY_INVALID', 'not a subnet in CIDR notation'],
  ])('refuses %j with %s', (text, code, message) => {
    const err = compileError(text);
    expect(err.code).toBe(code);
    expect(err.message).toContain(message);
    expect(err.line).toBeGreaterThanOrEqual(1);
  });

  it('runs a lookahead regex on Athena, which supports it', () => {
    expect(compile('filter b like /a(?=b)/', { dialect: 'athena' }).params).toContain('a(?=b)');
  });

  it('points at unknown fields with a suggestion', () => {
    const err = compileError('fields srcaddr\n| filter dstadr = "1.2.3.4"', {
      dataset: 'vpc_flow',
    });
    expect(err).toMatchObject({ code: 'QUERY_INVALID', line: 2, column: 10 });
    expect(err.message).toContain('did you mean dstaddr?');
  });

  it.each([
    [{ from: TO, to: FROM }, 'the time range is empty'],
    [{ from: 1.5 }, 'from must be epoch milliseconds'],
    [{ dataset: 'nope' }, 'unknown dataset "nope"'],
    [{ database: 'x"; DROP TABLE y; --' }, 'database must be a name'],
    [{ defaultLimit: 0 }, 'defaultLimit must be a positive whole number'],
    [{ dialect: 'postgres' as 'duckdb' }, "dialect must be 'athena' or 'duckdb'"],
  ])('refuses options %j', (o, message) => {
    const err = compileError('fields a', o as Partial<InsightsCompileOptions>);
    expect(err.code).toBe('INVALID_OPTIONS');
    expect(err.message).toContain(message);
  });
});

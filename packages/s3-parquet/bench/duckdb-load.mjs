// Loads a ColumnBatch into a DuckDB table through the appender: what both the encoder
// comparison (bench/encoders.mjs) and the benchmark suite (benchmarks/scenarios/parquet.mjs)
// time as "DuckDB from JS rows".

/** DuckDB's type for each column type of a ColumnBatch. */
export const DUCKDB_TYPE = {
  timestamp: 'TIMESTAMPTZ',
  int: 'INTEGER',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  string: 'VARCHAR',
  json: 'VARCHAR',
  map: 'MAP(VARCHAR, VARCHAR)',
};

/**
 * Creates (or replaces) table `name` for the batch and appends its rows.
 * `d` is the `@duckdb/node-api` module, `db` a connection.
 */
export async function loadBatch(d, db, name, batch) {
  const cols = batch.columns.map((c) => `"${c.name}" ${DUCKDB_TYPE[c.type]}`).join(', ');
  await db.run(`CREATE OR REPLACE TABLE ${name} (${cols})`);
  const app = await db.createAppender(name);
  const mapType = d.MAP(d.VARCHAR, d.VARCHAR);
  const { columns, values } = batch;
  const types = columns.map((c) => c.type);
  for (let i = 0; i < batch.rows; i++) {
    for (let c = 0; c < types.length; c++) {
      const v = values[c][i];
      if (v === null || v === undefined) {
        app.appendNull();
        continue;
      }
      switch (types[c]) {
        case 'timestamp':
          app.appendTimestampTZ(d.timestampTZValue(BigInt(v) * 1000n));
          break;
        case 'int':
          app.appendInteger(v);
          break;
        case 'bigint':
          app.appendBigInt(BigInt(v));
          break;
        case 'double':
          app.appendDouble(v);
          break;
        case 'boolean':
          app.appendBoolean(v);
          break;
        case 'map':
          app.appendMap(
            d.mapValue(Object.entries(v).map(([key, value]) => ({ key, value }))),
            mapType,
          );
          break;
        default:
          app.appendVarchar(v);
      }
    }
    app.endRow();
  }
  app.closeSync();
}

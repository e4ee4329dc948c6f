export type { AthenaCostInput } from './athena/cost.js';
export { athenaCostUsd } from './athena/cost.js';
export type { AthenaEngine, AthenaEngineOptions } from './athena/engine.js';
export { createAthenaEngine } from './athena/engine.js';
export type {
  AthenaFailureInfo,
  AthenaQueryErrorCode,
  AthenaQueryErrorOptions,
} from './athena/errors.js';
export { AthenaQueryError } from './athena/errors.js';
export {
  ATHENA_MAX_EXECUTION_PARAMETER_CHARS,
  ATHENA_MAX_QUERY_BYTES,
  ATHENA_MAX_RESULT_REUSE_MINUTES,
  ATHENA_MAX_RESULTS_PER_PAGE,
  ATHENA_USD_PER_TB_SCANNED,
} from './athena/limits.js';
export {
  countPlaceholders,
  sqlNumberLiteral,
  sqlStringLiteral,
  toExecutionParameter,
} from './athena/params.js';
export type { AthenaColumnInfo, CellDecoder } from './athena/values.js';
export { columnDecoder, parseComplexText } from './athena/values.js';
export type { AthenaDdlOptions } from './ddl.js';
export {
  ATHENA_COLUMN_TYPES,
  athenaDdl,
  DEFAULT_PROJECTION_START_YEAR,
  normalizeLakeLocation,
} from './ddl.js';
export type { DuckDbEngine, DuckDbEngineOptions } from './duckdb/engine.js';
export { createDuckDbEngine } from './duckdb/engine.js';
export type { DuckDbQueryErrorCode } from './duckdb/errors.js';
export { DuckDbQueryError } from './duckdb/errors.js';
export { DUCKDB_COLUMN_TYPES } from './duckdb/views.js';
export type {
  BinaryExpr,
  BinaryOp,
  BooleanLiteral,
  CallExpr,
  Command,
  DedupCommand,
  DisplayCommand,
  DurationLiteral,
  Expr,
  FieldRef,
  FieldsCommand,
  FilterCommand,
  InExpr,
  InsightsQuery,
  LimitCommand,
  MatchExpr,
  NumberLiteral,
  ParseCommand,
  Projection,
  RegexLiteral,
  SortCommand,
  SortKey,
  SourcePosition,
  StatsCommand,
  StringLiteral,
  TimeUnit,
  UnaryExpr,
  UnsupportedCommand,
} from './insights/ast.js';
export type { InsightsCompileOptions } from './insights/compile.js';
export { compileInsights, DEFAULT_INSIGHTS_LIMIT } from './insights/compile.js';
export type { InsightsCompileErrorCode } from './insights/errors.js';
export { InsightsCompileError, InsightsSyntaxError } from './insights/errors.js';
export { INSIGHTS_MAX_LIMIT, INSIGHTS_MAX_STATS, parseInsights } from './insights/parse.js';
export type {
  CellValue,
  CompiledQuery,
  CompileOptions,
  Dialect,
  ExecuteOptions,
  QueryEngine,
  QueryResult,
  QueryStats,
  ResultColumn,
  SqlParam,
} from './types.js';

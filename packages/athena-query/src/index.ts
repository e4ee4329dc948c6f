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

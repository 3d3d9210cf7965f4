/**
 * Metadata of one log line. Backstage's `LoggerService` also accepts an `Error` here, which is
 * why the methods below take one: a logger that does is then assignable as it is.
 */
export type LogMeta = Record<string, unknown>;

/**
 * The part of Backstage's `LoggerService` this package uses, so that a Backstage logger,
 * a winston logger or a test double can be passed as is. Declared structurally, without
 * importing Backstage: `LoggerService` takes `meta?: Error | JsonObject`, which is assignable
 * to `LogMeta | Error`, so it fits without a cast.
 */
export interface LoggerLike {
  error(message: string, meta?: LogMeta | Error): void;
  warn(message: string, meta?: LogMeta | Error): void;
  info(message: string, meta?: LogMeta | Error): void;
  debug(message: string, meta?: LogMeta | Error): void;
}

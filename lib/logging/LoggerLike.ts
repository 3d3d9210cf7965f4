/**
 * The part of Backstage's `LoggerService` this package uses, so that a Backstage logger,
 * a winston logger or a test double can be passed as is.
 */
export interface LoggerLike {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
}

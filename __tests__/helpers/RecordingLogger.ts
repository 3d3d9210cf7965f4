import { inspect } from 'node:util';
import type { LoggerLike } from '../../lib';

export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  meta?: Record<string, unknown>;
}

/** A logger at debug level that keeps every line, for assertions and secret scans. */
export class RecordingLogger implements LoggerLike {
  readonly lines: LogLine[] = [];
  error(message: string, meta?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, ...(meta ? { meta } : {}) });
  }
  warn(message: string, meta?: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, ...(meta ? { meta } : {}) });
  }
  info(message: string, meta?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, ...(meta ? { meta } : {}) });
  }
  debug(message: string, meta?: Record<string, unknown>): void {
    this.lines.push({ level: 'debug', message, ...(meta ? { meta } : {}) });
  }
  matching(pattern: RegExp): LogLine[] {
    return this.lines.filter(line => pattern.test(line.message));
  }
  at(level: LogLine['level']): LogLine[] {
    return this.lines.filter(line => line.level === level);
  }
  /** Everything logged, as one string. */
  text(): string {
    return this.lines
      .map(line => `${line.level} ${line.message} ${JSON.stringify(line.meta ?? {})} ${inspect(line.meta, { depth: 10 })}`)
      .join('\n');
  }
}

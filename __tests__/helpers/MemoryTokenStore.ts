import type { TokenStore, TokenStoreJson } from '../../lib';

export interface StoreCall {
  op: 'get' | 'set' | 'delete';
  key: string;
  ttl?: number;
}

/**
 * An in-memory TokenStore that records every call. TTLs are recorded, not applied, so that
 * tests control what a reader finds; `fail`/`hang` make the next calls misbehave.
 */
export class MemoryTokenStore implements TokenStore {
  readonly entries = new Map<string, unknown>();
  readonly calls: StoreCall[] = [];
  /** Operations that reject while listed. */
  readonly failing = new Set<StoreCall['op']>();
  /** Operations that never settle while listed. */
  readonly hanging = new Set<StoreCall['op']>();

  async get(key: string): Promise<unknown> {
    this.calls.push({ op: 'get', key });
    await this.#misbehave('get');
    return this.entries.get(key);
  }

  async set(key: string, value: TokenStoreJson, options: { ttl: number }): Promise<void> {
    this.calls.push({ op: 'set', key, ttl: options.ttl });
    await this.#misbehave('set');
    // Stored as JSON text, as Redis would, so nothing keeps object identity.
    this.entries.set(key, JSON.parse(JSON.stringify(value)));
  }

  async delete(key: string): Promise<void> {
    this.calls.push({ op: 'delete', key });
    await this.#misbehave('delete');
    this.entries.delete(key);
  }

  count(op: StoreCall['op']): number {
    return this.calls.filter(call => call.op === op).length;
  }

  /** The only key written so far. */
  get onlyKey(): string {
    const keys = [...this.entries.keys()];
    if (keys.length !== 1) throw new Error(`expected one entry, found ${keys.length}`);
    return keys[0];
  }

  async #misbehave(op: StoreCall['op']): Promise<void> {
    if (this.hanging.has(op)) await new Promise<never>(() => undefined);
    if (this.failing.has(op)) throw new Error(`store ${op} failed`);
  }
}

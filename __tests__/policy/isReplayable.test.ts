import { Readable } from 'node:stream';
import { isReplayable } from '../../lib/policy/isReplayable';

describe('isReplayable', () => {
  it.each([
    ['no body', undefined],
    ['null', null],
    ['a string', 'text'],
    ['a number', 42],
    ['a plain object', { a: 1 }],
    ['a Buffer', Buffer.from('x')],
    ['an object whose pipe is not a function', { pipe: true }],
  ])('is true for %s', (_label, data) => {
    expect(isReplayable(data)).toBe(true);
  });

  it.each([
    ['a Node stream', Readable.from(['x'])],
    ['anything with pipe()', { pipe: () => undefined }],
    ['a web ReadableStream (getReader)', { getReader: () => undefined }],
    ['an async iterable', { [Symbol.asyncIterator]: (): undefined => undefined }],
  ])('is false for %s', (_label, data) => {
    expect(isReplayable(data)).toBe(false);
  });
});

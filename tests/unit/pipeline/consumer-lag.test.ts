import { expect, test } from 'vitest';
import { computeLag } from '../../../pipeline/runtime/consumer-lag.js';

test('lag counts from the committed offset, or from the earliest retained record', () => {
  expect(computeLag(100, 0, 60)).toBe(40);
  expect(computeLag(100, 0, 100)).toBe(0);
  // Nothing committed: a group starting from the beginning has every retained record ahead of it.
  expect(computeLag(100, 30, undefined)).toBe(70);
  // Committed below what retention kept: the deleted records cannot be consumed any more.
  expect(computeLag(100, 30, 10)).toBe(70);
  // An empty partition, and a commit the end offset has not caught up with (never negative).
  expect(computeLag(0, 0, undefined)).toBe(0);
  expect(computeLag(5, 0, 7)).toBe(0);
});

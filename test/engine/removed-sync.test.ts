/** removed-sync's pair fixtures, one by one, with the problems printed (the fixtures suite checks them all). */
import { checkFixtures } from '../fixtures/harness.js';

test('removed-sync pair fixtures match their wants', () => {
  expect(checkFixtures('removed-sync').problems).toEqual([]);
});

import { FerryError } from '../../src/core/errors.js';

/** The FerryError `fn` throws; fails the test if it returns or throws anything else. */
export function ferryErrorOf(fn: () => unknown): FerryError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FerryError) return err;
    throw err;
  }
  throw new Error('expected a FerryError');
}

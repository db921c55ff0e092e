/** Parsing and matching helpers for user input: times, durations, sizes, rates, key globs. */
export * from './parse-time.js';
export * from './parse-size.js';
export * from './key-filter.js';

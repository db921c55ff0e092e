import { describe, expect, it } from 'vitest';
import { createKeyFilter } from '../../src/util/index.js';
import { FerryError } from '../../src/core/errors.js';

const includes = (pattern: string, key: string) => createKeyFilter({ include: [pattern] })(key);

describe('createKeyFilter patterns', () => {
  it.each([
    // pattern, key, matches
    ['*.jpg', 'a.jpg', true],
    ['*.jpg', 'x/y/a.jpg', true],
    ['*.jpg', 'a.jpgx', false],
    ['*.jpg', 'a.jpg.bak', false],
    ['/*.jpg', 'a.jpg', true],
    ['/*.jpg', 'x/a.jpg', false],
    ['logs/*.gz', 'logs/1.gz', true],
    ['logs/*.gz', 'app/logs/1.gz', true],
    ['logs/*.gz', 'logs/x/1.gz', false],
    ['logs/*.gz', 'mylogs/1.gz', false],
    ['/logs/*.gz', 'app/logs/1.gz', false],
    ['logs/**', 'app/logs/x/y/1.gz', true],
    ['/a/**/c', 'a/c', true],
    ['/a/**/c', 'a/x/y/c', true],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', false],
    ['[a-c]x', 'bx', true],
    ['[^a]x', 'ax', false],
    ['{a,b}.txt', 'b.txt', true],
    ['{a,b}.txt', 'c.txt', false],
  ] as const)('%s on %s -> %s', (pattern, key, expected) => {
    expect(includes(pattern, key)).toBe(expected);
  });

  it('lets * and ** match dotfiles and dot directories', () => {
    expect(includes('*', '.env')).toBe(true);
    expect(includes('/**', 'a/.git/config')).toBe(true);
    expect(includes('*.tmp', '.cache/.x.tmp')).toBe(true);
  });

  it('lets wildcards match . and .. segments, which are plain characters in a key', () => {
    expect(includes('*.tmp', './x.tmp')).toBe(true);
    expect(includes('*.tmp', 'a/../x.tmp')).toBe(true);
    expect(includes('/**', 'a/./b')).toBe(true);
    expect(createKeyFilter({ exclude: ['*.tmp'] })('a/../x.tmp')).toBe(false);
  });

  it('treats a trailing / as everything below a matching directory', () => {
    expect(includes('logs/', 'logs/a/b')).toBe(true);
    expect(includes('logs/', 'app/logs/b')).toBe(true);
    expect(includes('logs/', 'logs/')).toBe(true);
    expect(includes('logs/', 'logs')).toBe(false);
    expect(includes('logs/', 'xlogs/a')).toBe(false);
    expect(includes('/logs/', 'app/logs/b')).toBe(false);
    expect(includes('x/', 'x/x')).toBe(true);
    expect(includes('a/*/', 'a/b/c')).toBe(true);
    expect(includes('a/*/', 'a/b')).toBe(false);
  });

  it('takes ( ) | ! + @ literally, as keys often contain them', () => {
    expect(includes('photo (1).jpg', 'photo (1).jpg')).toBe(true);
    expect(includes('a|b', 'a|b')).toBe(true);
    expect(includes('a|b', 'a')).toBe(false);
    expect(includes('!x', '!x')).toBe(true);
    expect(includes('!x', 'y')).toBe(false);
    expect(includes('+(a)', '+(a)')).toBe(true);
    expect(includes('+(a)', 'a')).toBe(false);
    expect(includes('a@b', 'a@b')).toBe(true);
    expect(includes('[(]x', '(x')).toBe(true);
  });

  it('treats backslash as an escape in patterns and a plain character in keys', () => {
    expect(includes('a\\*b', 'a*b')).toBe(true);
    expect(includes('a\\*b', 'axb')).toBe(false);
    expect(includes('a*', 'a\\b')).toBe(true);
  });

  it('is case sensitive unless ignoreCase', () => {
    expect(includes('*.JPG', 'a.jpg')).toBe(false);
    expect(createKeyFilter({ include: ['*.JPG'], ignoreCase: true })('x/a.jpg')).toBe(true);
  });
});

describe('createKeyFilter include/exclude', () => {
  it('passes everything without patterns', () => {
    const filter = createKeyFilter({});
    expect(filter('anything/at/all')).toBe(true);
    expect(createKeyFilter()('')).toBe(true);
  });

  it('requires a match with one of the includes', () => {
    const filter = createKeyFilter({ include: ['*.jpg', '*.png'] });
    expect(filter('a/b.jpg')).toBe(true);
    expect(filter('b.png')).toBe(true);
    expect(filter('b.gif')).toBe(false);
  });

  it('drops keys matching any exclude', () => {
    const filter = createKeyFilter({ exclude: ['*.tmp', '/cache/'] });
    expect(filter('a/b.tmp')).toBe(false);
    expect(filter('cache/x.jpg')).toBe(false);
    expect(filter('a/cache/x.jpg')).toBe(true);
    expect(filter('a/b.jpg')).toBe(true);
  });

  it('lets exclude win over include', () => {
    const filter = createKeyFilter({ include: ['*.jpg'], exclude: ['private/'] });
    expect(filter('public/a.jpg')).toBe(true);
    expect(filter('private/a.jpg')).toBe(false);
    expect(filter('public/a.txt')).toBe(false);
  });
});

describe('createKeyFilter invalid patterns', () => {
  it.each([
    ['--include', { include: ['[abc'] }],
    ['--exclude', { exclude: ['a['] }],
    ['--include', { include: [''] }],
    ['--exclude', { exclude: ['/'] }],
    ['--exclude', { exclude: ['*.jpg', '//'] }],
  ] as const)('%s %j is a usage error', (field, options) => {
    let caught: unknown;
    try {
      createKeyFilter(options);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FerryError);
    expect((caught as FerryError).code).toBe('USAGE');
    expect((caught as FerryError).field).toBe(field);
  });
});

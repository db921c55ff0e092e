import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FerryCli } from '../helpers/ferry-cli.js';

function tree(): { src: string; dst: string } {
  const root = mkdtempSync(join(tmpdir(), 'ferry-cli-copy-'));
  const src = join(root, 'src');
  mkdirSync(join(src, 'a/b'), { recursive: true });
  mkdirSync(join(src, 'empty'));
  writeFileSync(join(src, 'a/b/c.txt'), 'deep');
  writeFileSync(join(src, 'a-b.txt'), 'dash');
  writeFileSync(join(src, 'zero'), '');
  writeFileSync(join(src, 'ünï cødé #?&.txt'), 'unicode');
  utimesSync(join(src, 'a-b.txt'), new Date('2021-01-01T00:00:00Z'), new Date('2021-01-01T00:00:00Z'));
  return { src, dst: join(root, 'dst') };
}

describe('ferry copy between local folders', () => {
  it('copies every file, keeps mtimes and empty folders, and a re-run copies nothing', async () => {
    const { src, dst } = tree();
    const cli = new FerryCli();
    const first = (await cli.ok(0, 'copy', src, dst, '--json')).json<{ copied: number; listed: number; failed: number }>();
    expect(first).toMatchObject({ listed: 5, copied: 5, failed: 0 });
    expect(readFileSync(join(dst, 'a/b/c.txt'), 'utf8')).toBe('deep');
    expect(readFileSync(join(dst, 'ünï cødé #?&.txt'), 'utf8')).toBe('unicode');
    expect(statSync(join(dst, 'zero')).size).toBe(0);
    expect(statSync(join(dst, 'empty')).isDirectory()).toBe(true);
    expect(statSync(join(dst, 'a-b.txt')).mtimeMs).toBe(Date.parse('2021-01-01T00:00:00Z'));
    expect(readdirSync(dst).some((n) => n.startsWith('.ferry-tmp'))).toBe(false);

    const again = (await cli.ok(0, 'copy', src, dst, '--json')).json<{ copied: number; skipped: number }>();
    expect(again).toMatchObject({ copied: 0, skipped: 5 });

    writeFileSync(join(src, 'a/b/c.txt'), 'DEEP');
    const changed = (await cli.ok(0, 'copy', src, dst, '--json')).json<{ copied: number }>();
    expect(changed.copied).toBe(1);
    expect(readFileSync(join(dst, 'a/b/c.txt'), 'utf8')).toBe('DEEP');
  });

  it('prints a human summary, and --dry-run writes nothing', async () => {
    const { src, dst } = tree();
    const cli = new FerryCli();
    const dry = await cli.ok(0, 'copy', src, dst, '--dry-run');
    expect(dry.out).toContain('would copy a/b/c.txt');
    expect(dry.out).toContain('would copy 5 objects (dry run: nothing written)');
    expect(() => statSync(dst)).toThrow();
    const real = await cli.ok(0, 'copy', src, dst);
    expect(real.out).toMatch(/copied 5 objects/);
    expect(real.out).toMatch(/failed 0/);
  });

  it('--overwrite never keeps changed destination files', async () => {
    const { src, dst } = tree();
    const cli = new FerryCli();
    await cli.ok(0, 'copy', src, dst);
    writeFileSync(join(src, 'zero'), 'now not empty');
    const s = (await cli.ok(0, 'copy', src, dst, '--overwrite', 'never', '--json')).json<{ copied: number; skippedByReason: Record<string, number> }>();
    expect(s.copied).toBe(0);
    expect(s.skippedByReason.exists).toBe(5);
    expect(statSync(join(dst, 'zero')).size).toBe(0);
  });
});

describe('ferry copy refuses bad input with one line and exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['copy'], /missing required argument/],
    [['copy', '/tmp/a'], /missing required argument 'dst'/],
    [['copy', '/tmp/a', '/tmp/b', '--overwrite', 'sometimes'], /--overwrite: must be one of never, always, newer, different/],
    [['copy', '/tmp/a', '/tmp/b', '--since', 'yesterday'], /--since/],
    [['copy', '/tmp/a', '/tmp/b', '--concurrency', '0'], /--concurrency: must be a whole number/],
    [['copy', '/tmp/a', '/tmp/b', '--concurrency', 'lots'], /--concurrency/],
    [['copy', '/tmp/a', '/tmp/b', '--part-size', '100k'], /--part-size: must be at least 1MiB/],
    [['copy', '/tmp/a', '/tmp/b', '--part-size', 'huge'], /--part-size/],
    [['copy', '/tmp/a', '/tmp/b', '--retries', '-1'], /--retries/],
    [['copy', '/tmp/a', '/tmp/b', '--storage-class', 'A B'], /--storage-class/],
    [['copy', '/tmp/a', '/tmp/b', '--bogus'], /unknown option '--bogus'/],
    [['copy', 'nosuchaddress', '/tmp/b'], /"nosuchaddress" is neither a known address nor a local path/],
    [['copy', '/tmp/a', 'nosuch:prefix/'], /"nosuch:prefix\/" is neither a known address/],
    [['copy', '/tmp/a', '/tmp/a/inside'], /DST: overlaps SRC/],
    [['copy', '/tmp/a', '/tmp/b', 'extra'], /too many arguments/],
    [['nosuchcommand'], /unknown command/],
  ];
  for (const [argv, message] of cases) {
    it(`ferry ${argv.join(' ')}`, async () => {
      const cli = new FerryCli();
      const r = await cli.run(...argv);
      expect(r.code).toBe(2);
      const lines = r.err.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  }

  it('an http-list address cannot be a destination', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-ro-'));
    writeFileSync(join(dir, 'list.txt'), 'http://127.0.0.1:9/ a.txt\n');
    const cli = new FerryCli();
    await cli.ok(0, 'address', 'add', 'web', '--type', 'http-list', '--list', join(dir, 'list.txt'));
    const r = await cli.run('copy', dir, 'web');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/DST: .*read-only/);
  });
});

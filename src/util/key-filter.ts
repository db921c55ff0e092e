/**
 * `--include` / `--exclude` glob filters on object keys (relative to the
 * source root/prefix), with rclone's pattern semantics:
 *
 * - `*` matches within one path segment, `**` across `/`, `?` one non-`/`
 *   character; `[a-z]` classes and `{a,b}` alternatives work as usual.
 * - A pattern not starting with `/` matches at the end of the key, below any
 *   directory: `*.jpg` matches `a.jpg` and `x/y/a.jpg`; `logs/*.gz` matches
 *   `logs/1.gz` and `app/logs/1.gz`.
 * - A leading `/` anchors at the root: `/*.jpg` matches `a.jpg` only.
 * - A trailing `/` makes a directory pattern: it matches every key below a
 *   directory whose path matches (`logs/` takes `logs/a` and `x/logs/a/b`,
 *   not a file called `logs`), which is how rclone's directory rules act on
 *   the files in them.
 * - `(`, `)` and `|` are literal (keys like `photo (1).jpg` are common);
 *   picomatch would read them as regex groups and bash extglobs.
 * - Dotfiles are ordinary names (`*` matches `.env`, `*.tmp` matches
 *   `./x.tmp`: `.` and `..` are just key segments to S3), and matching is case
 *   sensitive unless `ignoreCase`, as keys are.
 *
 * Unlike rclone's ordered `--filter` rules, the result does not depend on
 * flag order: an exclude match always wins, and when includes are given a key
 * must match one of them.
 */
import picomatch from 'picomatch';
import { usageError } from '../core/errors.js';

export interface KeyFilterOptions {
  include?: readonly string[];
  exclude?: readonly string[];
  /** @defaultValue false */
  ignoreCase?: boolean;
}

export type KeyFilter = (key: string) => boolean;

export function createKeyFilter(options: KeyFilterOptions = {}): KeyFilter {
  const includes = compileAll(options.include ?? [], '--include', options.ignoreCase ?? false);
  const excludes = compileAll(options.exclude ?? [], '--exclude', options.ignoreCase ?? false);
  if (includes.length === 0 && excludes.length === 0) return () => true;
  return (key) => {
    for (const matches of excludes) if (matches(key)) return false;
    if (includes.length === 0) return true;
    for (const matches of includes) if (matches(key)) return true;
    return false;
  };
}

function compileAll(patterns: readonly string[], field: string, ignoreCase: boolean): KeyFilter[] {
  return patterns.map((pattern) => compile(pattern, field, ignoreCase));
}

function compile(pattern: string, field: string, ignoreCase: boolean): KeyFilter {
  const directory = pattern.endsWith('/');
  let glob = directory ? pattern.slice(0, -1) : pattern;
  // `**/x` also matches `x` at the root, which is what "at the end of the key" needs.
  glob = glob.startsWith('/') ? glob.slice(1) : `**/${glob}`;
  if (glob === '' || glob === '**/') {
    throw usageError(field, `pattern ${JSON.stringify(pattern)} names no file or directory (use ** for every key)`);
  }
  let re: RegExp;
  try {
    re = picomatch.makeRe(escapeGroupChars(glob), {
      dot: true,
      nocase: ignoreCase,
      strictBrackets: true,
      // Keys are not Windows paths: `\` is a character in a key, and an escape in a pattern.
      windows: false,
      // A leading `!` would invert the pattern; rclone has no such syntax and
      // `!` is a legal key character.
      nonegate: true,
      noextglob: true,
    });
  } catch (err) {
    throw usageError(field, `invalid pattern ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
  re = allowDotSegments(re);
  if (!directory) return (key) => re.test(key);
  // The directory itself must match, so `logs/` takes `logs/` and `logs/a/b`
  // but not a file named `logs` (which `logs/**` would).
  return (key) => {
    for (let slash = key.indexOf('/'); slash !== -1; slash = key.indexOf('/', slash + 1)) {
      if (re.test(key.slice(0, slash))) return true;
    }
    return false;
  };
}

/** Escapes `(`, `)` and `|` outside `[...]` classes so picomatch takes them literally. */
function escapeGroupChars(glob: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\') {
      out += c + (glob[i + 1] ?? '');
      i++;
    } else if (inClass) {
      // `]` right after `[` (or `[!`/`[^`) is a member, not the end of the class.
      const prev = out.at(-1);
      if (c === ']' && prev !== '[' && !((prev === '!' || prev === '^') && out.at(-2) === '[')) inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '(' || c === ')' || c === '|') {
      out += `\\${c}`;
    } else {
      out += c;
    }
  }
  return out;
}

// Even with `dot: true`, picomatch refuses to let wildcards match `.` and `..`
// segments (a path-traversal guard). In a key they are plain characters, and
// an `--exclude '*.tmp'` that let `./x.tmp` through would be a silent leak, so
// the guards are cut out of the generated regex. test/unit/key-filter.test.ts
// catches a picomatch upgrade that spells them differently.
const DOT_SEGMENT_GUARDS = [String.raw`(?!(?:^|\/)\.{1,2}(?:\/|$))`, String.raw`(?!\.{1,2}(?:\/|$))`];

function allowDotSegments(re: RegExp): RegExp {
  let source = re.source;
  for (const guard of DOT_SEGMENT_GUARDS) source = source.split(guard).join('');
  return source === re.source ? re : new RegExp(source, re.flags);
}

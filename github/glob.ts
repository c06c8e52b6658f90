/**
 * Repository path globs for `github.paths`: `**` spans any number of path
 * segments, `*` and `?` stay within one segment; everything else is literal.
 * Small on purpose: a config's globs are few and simple, and a dependency
 * with its own dialect (braces, extglobs) would make configs harder to read.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        re += '(?:.*/)?'; // "a/**/b" also matches "a/b"
      } else {
        re += '.*';
      }
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.some((g) => globToRegExp(g.replace(/^\.?\//, '')).test(path));
}

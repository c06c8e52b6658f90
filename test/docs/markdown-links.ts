import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

/**
 * Relative links in Markdown files and whether they resolve: the file (or
 * folder) must exist, and a `#fragment` into a Markdown file must name one of
 * its headings as GitHub renders their ids. External links (a scheme such as
 * https: or mailto:) are not followed: the tests run offline.
 */

export interface MarkdownLink {
  /** The file the link is in. */
  file: string;
  line: number;
  target: string;
}

export interface BrokenLink extends MarkdownLink {
  problem: string;
}

/** Blanks out fenced code blocks and inline code, keeping line numbers: links in code are examples, not links. */
function proseOnly(text: string): string {
  const lines = text.split('\n');
  let fence: string | null = null;
  return lines
    .map((line) => {
      const opener = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
      if (fence !== null) {
        if (opener && opener[1]!.startsWith(fence)) fence = null;
        return '';
      }
      if (opener) {
        fence = opener[1]!;
        return '';
      }
      return line.replace(/(`+)[^`]*?\1/g, (m) => ' '.repeat(m.length));
    })
    .join('\n');
}

/** Every link target in the prose: inline `[text](target)`, images, reference definitions `[ref]: target`, and HTML href/src. */
export function linksIn(file: string, text: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  proseOnly(text)
    .split('\n')
    .forEach((line, i) => {
      const add = (raw: string) => {
        // `<path with spaces>` and a link title after the target are both Markdown syntax, not part of the path.
        const target = raw.trim().replace(/^<(.*)>$/, '$1').split(/\s+"/)[0]!;
        links.push({ file, line: i + 1, target });
      };
      for (const m of line.matchAll(/\]\(([^()\s]*(?:\([^()]*\)[^()\s]*)*(?:\s+"[^"]*")?)\)/g)) add(m[1]!);
      const definition = /^\s{0,3}\[[^\]]+\]:\s+(\S+)/.exec(line);
      if (definition) add(definition[1]!);
      for (const m of line.matchAll(/\b(?:href|src)="([^"]+)"/g)) add(m[1]!);
    });
  return links;
}

/** GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, repeats numbered -1, -2, … */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseOnlyKeepingHeadings(text)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const plain = heading[1]!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link in a heading contributes its text
      .replace(/<[^>]+>/g, '')
      .toLowerCase();
    const base = plain.replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  // Explicit anchors (<a id="x"> / name="x") are link targets too.
  for (const m of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
  return anchors;
}

/** Lines outside fenced code blocks, inline code kept (a heading's id includes its code text). */
function proseOnlyKeepingHeadings(text: string): string[] {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of text.split('\n')) {
    const opener = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fence !== null) {
      if (opener && opener[1]!.startsWith(fence)) fence = null;
      continue;
    }
    if (opener) {
      fence = opener[1]!;
      continue;
    }
    out.push(line);
  }
  return out;
}

const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

/** The links of `files` that do not resolve, each with what is wrong. */
export function brokenLinks(files: string[], root: string): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const file of files) {
    for (const link of linksIn(file, readFileSync(file, 'utf8'))) {
      if (EXTERNAL.test(link.target) || link.target.startsWith('//')) continue;
      const [pathPart, fragment] = splitFragment(link.target);
      let path: string;
      try {
        path = decodeURIComponent(pathPart);
      } catch {
        broken.push({ ...link, problem: 'the path is not valid percent-encoding' });
        continue;
      }
      const target = path === '' ? file : path.startsWith('/') ? resolve(root, `.${path}`) : resolve(dirname(file), path);
      if (!existsSync(target)) {
        broken.push({ ...link, problem: `${relative(root, target) || '.'} does not exist` });
        continue;
      }
      if (fragment === null || fragment === '' || !target.endsWith('.md') || statSync(target).isDirectory()) continue;
      if (!headingAnchors(readFileSync(target, 'utf8')).has(decodeURIComponent(fragment).toLowerCase())) {
        broken.push({ ...link, problem: `${relative(root, target)} has no heading #${fragment}` });
      }
    }
  }
  return broken;
}

function splitFragment(target: string): [string, string | null] {
  const i = target.indexOf('#');
  return i < 0 ? [target, null] : [target.slice(0, i), target.slice(i + 1)];
}

import { mkdtemp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { brokenLinks, headingAnchors } from './markdown-links.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every Markdown file in docs/. */
async function docsFiles(): Promise<string[]> {
  return (await readdir(join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f));
}

/** README.md, the trainer's README (linked from both) and every Markdown file in docs/. */
async function documentation(): Promise<string[]> {
  return [join(ROOT, 'README.md'), join(ROOT, 'trainer', 'README.md'), ...(await docsFiles())];
}

describe('documentation links', () => {
  it('every relative link in README.md, trainer/README.md and docs/*.md resolves to a file, and every #anchor to a heading', async () => {
    const broken = brokenLinks(await documentation(), ROOT);
    expect(broken.map((b) => `${relative(ROOT, b.file)}:${b.line}: (${b.target}) ${b.problem}`)).toEqual([]);
  });

  it('docs/README.md lists every document in docs/', async () => {
    const index = await readFile(join(ROOT, 'docs', 'README.md'), 'utf8');
    const listed = new Set([...index.matchAll(/\]\(([^)#]+\.md)\)/g)].map((m) => m[1]));
    const files = (await docsFiles()).map((f) => relative(join(ROOT, 'docs'), f));
    expect(files.filter((f) => f !== 'README.md' && !listed.has(f))).toEqual([]);
  });

  it('the checker reports a missing file, a missing heading and a missing folder, and ignores code and external links', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftloop-links-'));
    await mkdir(join(dir, 'docs'));
    await writeFile(join(dir, 'docs', 'a.md'), '# Title\n\n## The `serve` command\n\n## Title\n');
    const readme = [
      '# Readme',
      '[ok](docs/a.md) [ok](docs/a.md#title-1) [ok](docs/a.md#the-serve-command) [ok](#readme) [ok](docs/)',
      '[gone](docs/b.md) [bad anchor](docs/a.md#nope) [gone folder](deploy/)',
      '[ext](https://example.com/x.md) `[code](nowhere.md)`',
      '```',
      '[fenced](nowhere.md)',
      '```',
      '[ref]: docs/missing.md',
    ].join('\n');
    await writeFile(join(dir, 'README.md'), readme);
    const found = brokenLinks([join(dir, 'README.md')], dir).map((b) => `${b.line}:${b.target}`);
    expect(found).toEqual(['3:docs/b.md', '3:docs/a.md#nope', '3:deploy/', '8:docs/missing.md']);
  });

  it('heading ids follow GitHub: punctuation dropped, repeats numbered', () => {
    const ids = headingAnchors('# Scaling out\n## HTTP APIs: serving & webhooks\n## Scaling out\n```\n# not a heading\n```\n');
    expect([...ids]).toEqual(['scaling-out', 'http-apis-serving--webhooks', 'scaling-out-1']);
  });
});

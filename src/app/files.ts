import pLimit from 'p-limit';
import picomatch from 'picomatch';
import { BlobCache } from './blob-cache.js';
import { type Octokit, type PullTarget, httpStatus, errorMessage } from './github.js';

export const MAX_FILE_BYTES = 1024 * 1024;
const GENERATED = /^\/\/ Code generated .* DO NOT EDIT\.$/m;

/** One entry of "list pull request files". */
export interface PullFile {
  filename: string;
  status: string;
  /** Blob sha of the head version; null for some submodule entries. */
  sha: string | null;
  additions: number;
  patch?: string;
}

export interface GoFile {
  path: string;
  /** Blob sha of this content, when GitHub gave one: the key of the analysis cache. */
  sha: string | null;
  content: string;
  patch: string | undefined;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface FetchStats {
  fromCache: number;
  fromPatch: number;
  fetched: number;
}

export async function listPullFiles(octokit: Octokit, target: PullTarget): Promise<PullFile[]> {
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
    owner: target.owner,
    repo: target.repo,
    pull_number: target.pullNumber,
    per_page: 100,
  });
  return files.map((f) => ({ filename: f.filename, status: f.status, sha: f.sha, additions: f.additions, patch: f.patch }));
}

function hasDir(path: string, dir: string): boolean {
  return path.startsWith(`${dir}/`) || path.includes(`/${dir}/`);
}

/** Splits the changed files into Go files worth analyzing and the ones skipped (with why). */
export function selectGoFiles(files: readonly PullFile[], ignoreGlobs: readonly string[]) {
  const ignored = ignoreGlobs.length > 0 ? picomatch([...ignoreGlobs], { dot: true }) : () => false;
  const selected: PullFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const file of files) {
    const path = file.filename;
    if (!path.endsWith('.go')) continue;
    if (file.status === 'removed') continue;
    if (hasDir(path, 'vendor')) skipped.push({ path, reason: 'vendored' });
    else if (hasDir(path, 'testdata')) skipped.push({ path, reason: 'testdata' });
    else if (ignored(path)) skipped.push({ path, reason: 'ignored by config' });
    else selected.push(file);
  }
  return { selected, skipped };
}

/**
 * A new file's patch holds the whole file, so it needs no fetch. Trusted only when every added line
 * is there (GitHub drops or truncates patches of very large diffs).
 */
export function contentFromAddedPatch(file: PullFile): string | undefined {
  if (file.status !== 'added' || !file.patch) return undefined;
  const lines: string[] = [];
  let trailingNewline = true;
  for (const line of file.patch.split('\n')) {
    if (line.startsWith('+')) lines.push(line.slice(1));
    else if (line.startsWith('\\')) trailingNewline = false;
    else if (line.startsWith('@@')) continue;
    else if (line !== '') return undefined; // context or deleted lines: not a whole-file patch
  }
  if (lines.length !== file.additions) return undefined;
  return lines.join('\n') + (trailingNewline ? '\n' : '');
}

async function fetchAtHead(octokit: Octokit, target: PullTarget, path: string): Promise<{ content?: string; size: number }> {
  const { data } = await octokit.rest.repos.getContent({ owner: target.owner, repo: target.repo, path, ref: target.headSha });
  if (Array.isArray(data) || data.type !== 'file') throw new Error(`${path} is not a file at ${target.headSha}`);
  // Files over 1 MB come back without content (encoding "none"), which spares the download.
  if (data.size > MAX_FILE_BYTES || !('content' in data) || data.encoding !== 'base64') return { size: data.size };
  return { content: Buffer.from(data.content, 'base64').toString('utf8'), size: data.size };
}

/** Head content of each selected file: from the blob cache, a new file's patch, or the contents API. */
export async function fetchGoFiles(
  octokit: Octokit,
  target: PullTarget,
  files: readonly PullFile[],
  cache: BlobCache,
  concurrency: number,
  /** Called as each file becomes available, so analysis overlaps the remaining fetches. */
  onFile?: (file: GoFile) => void,
): Promise<{ files: GoFile[]; skipped: SkippedFile[]; stats: FetchStats }> {
  const limit = pLimit(concurrency);
  const stats: FetchStats = { fromCache: 0, fromPatch: 0, fetched: 0 };
  const skipped: SkippedFile[] = [];
  const results = await Promise.all(
    files.map((file) =>
      limit(async (): Promise<GoFile | undefined> => {
        const path = file.filename;
        let content = file.sha ? cache.get(file.sha) : undefined;
        if (content !== undefined) stats.fromCache++;
        else {
          content = contentFromAddedPatch(file);
          if (content !== undefined) stats.fromPatch++;
          else {
            try {
              const fetched = await fetchAtHead(octokit, target, path);
              stats.fetched++;
              if (fetched.content === undefined) {
                skipped.push({ path, reason: `over 1 MB (${Math.round(fetched.size / 1024)} KB)` });
                return undefined;
              }
              content = fetched.content;
            } catch (err) {
              // A file we can't read costs only itself; rate limits and 5xx were already retried.
              if (httpStatus(err) === undefined || httpStatus(err)! >= 500 || httpStatus(err) === 404) {
                skipped.push({ path, reason: `could not be fetched: ${errorMessage(err)}` });
                return undefined;
              }
              throw err;
            }
          }
          if (file.sha) cache.set(file.sha, content);
        }
        if (Buffer.byteLength(content) > MAX_FILE_BYTES) {
          skipped.push({ path, reason: 'over 1 MB' });
          return undefined;
        }
        if (GENERATED.test(content)) {
          skipped.push({ path, reason: 'generated' });
          return undefined;
        }
        const goFile: GoFile = { path, sha: file.sha, content, patch: file.patch };
        onFile?.(goFile);
        return goFile;
      }),
    ),
  );
  skipped.sort((a, b) => a.path.localeCompare(b.path));
  return { files: results.filter((f): f is GoFile => f !== undefined), skipped, stats };
}

/** Root go.mod at head; undefined when the repo has none. */
export async function readGoMod(octokit: Octokit, target: PullTarget): Promise<string | undefined> {
  try {
    return (await fetchAtHead(octokit, target, 'go.mod')).content;
  } catch (err) {
    if (httpStatus(err) === 404) return undefined;
    throw err;
  }
}

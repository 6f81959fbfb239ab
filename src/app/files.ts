import { withCustomRequest } from '@octokit/graphql';
import pLimit from 'p-limit';
import picomatch from 'picomatch';
import { BlobCache } from './blob-cache.js';
import { type Octokit, type PullTarget, httpStatus, errorMessage } from './github.js';
import { DEFAULT_LIMITS, formatBytes } from './limits.js';
import { oneLine } from '../report/markdown.js';
import { abortReason, boundedRequestOptions } from './bounded-requests.js';

export const MAX_FILE_BYTES = DEFAULT_LIMITS.maxFileBytes;
/**
 * Files per GraphQL query when fetching contents: one request instead of one per file. Probot's throttling
 * spaces GraphQL queries 1 s apart (it counts them as writes), so fewer, larger queries are faster.
 */
export const GRAPHQL_BATCH = 100;
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
  /** GraphQL queries sent, and files fetched one by one over REST because a query failed or was truncated. */
  graphqlQueries: number;
  restFallbacks: number;
}

export interface FetchOptions {
  concurrency: number;
  maxFileBytes: number;
  /** Files per GraphQL query (default GRAPHQL_BATCH). */
  batchSize?: number;
  /** Told when a GraphQL query fails and its files fall back to REST. */
  onGraphqlError?: (err: unknown) => void;
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

async function fetchAtHead(octokit: Octokit, target: PullTarget, path: string, maxFileBytes = MAX_FILE_BYTES): Promise<{ content?: string; size: number }> {
  const { data } = await octokit.rest.repos.getContent({ owner: target.owner, repo: target.repo, path, ref: target.headSha });
  if (Array.isArray(data) || data.type !== 'file') throw new Error(`${path} is not a file at ${target.headSha}`);
  // Files over 1 MB come back without content (encoding "none"), which spares the download.
  if (data.size > maxFileBytes || !('content' in data) || data.encoding !== 'base64') return { size: data.size };
  return { content: Buffer.from(data.content, 'base64').toString('utf8'), size: data.size };
}

/**
 * GraphQL for a read-only query, outside Probot's write throttle. @octokit/plugin-throttling spaces
 * every GraphQL request a second apart, like content-creating writes, which is what GitHub asks
 * of writes only; a query of file contents creates nothing. Same token and base URL; retries are
 * the REST fallback's job. Without a plain token (another auth strategy), use the throttled client.
 */
async function readOnlyGraphql(octokit: Octokit): Promise<typeof octokit.graphql> {
  const auth = (await octokit.auth({ type: 'installation' }).catch(() => undefined)) as { token?: string } | undefined;
  if (!auth?.token) return octokit.graphql;
  const direct = octokit.request.defaults({
    headers: { authorization: `token ${auth.token}` },
    // Around Octokit's hooks (throttling among them), but with the timeout and the run's abort signal they would add.
    request: {
      hook: (send: typeof octokit.request, options: Parameters<typeof octokit.request>[1]) =>
        send({ ...options, request: { ...(options as { request?: object }).request, ...boundedRequestOptions(octokit) } } as never),
    },
  });
  return withCustomRequest(direct) as typeof octokit.graphql;
}

const GRAPHQL_RETRIES = 2;

interface GraphqlBlob {
  text?: string | null;
  byteSize?: number;
  isBinary?: boolean | null;
  isTruncated?: boolean;
}

/**
 * Head contents of up to GRAPHQL_BATCH files in one GraphQL query (`object(expression: "<sha>:<path>")`).
 * Maps each path to its blob, or null when the path is not a file at that commit (e.g. a force-push raced the run).
 */
export async function fetchBlobsGraphql(octokit: Octokit, target: PullTarget, paths: readonly string[]): Promise<Map<string, GraphqlBlob | null>> {
  const variables: Record<string, string> = { owner: target.owner, name: target.repo };
  const fields = paths.map((path, i) => {
    variables[`e${i}`] = `${target.headSha}:${path}`;
    return `f${i}: object(expression: $e${i}) { ... on Blob { text byteSize isBinary isTruncated } }`;
  });
  const declared = paths.map((_, i) => `, $e${i}: String!`).join('');
  const query = `query($owner: String!, $name: String!${declared}) { repository(owner: $owner, name: $name) { ${fields.join(' ')} } }`;
  const data = await readOnlyQuery<{ repository: Record<string, GraphqlBlob | null> | null }>(octokit, query, variables);
  if (!data.repository) throw new Error(`repository ${target.owner}/${target.repo} not visible over GraphQL`);
  return new Map(paths.map((path, i) => [path, data.repository![`f${i}`] ?? null]));
}

/** A read-only GraphQL query (see readOnlyGraphql), a 5xx retried as Probot's retry plugin would. */
async function readOnlyQuery<T>(octokit: Octokit, query: string, variables: Record<string, string>): Promise<T> {
  const graphql = await readOnlyGraphql(octokit);
  for (let attempt = 0; ; attempt++) {
    try {
      return await graphql<T>(query, variables);
    } catch (err) {
      const status = httpStatus(err);
      if (attempt >= GRAPHQL_RETRIES || status === undefined || status < 500) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
    }
  }
}

/** The directory of a repository path ('' for the root). */
export function dirOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** The unchanged .go files of a changed file's directory: its package's other files, read for their facts only. */
export type Siblings = { files: GoFile[]; bytes: number } | { fallback: string; failed?: boolean };

interface TreeEntry {
  name: string;
  type: string;
  object: GraphqlBlob & { oid?: string } | null;
}

const TREE_QUERY =
  'query($owner: String!, $name: String!, $expr: String!) { repository(owner: $owner, name: $name) { object(expression: $expr) { ' +
  '... on Tree { entries { name type object { ... on Blob { oid byteSize isBinary isTruncated text } } } } } } }';

/**
 * The other .go files of `dir` at the head commit, in one GraphQL tree query. `changed` (the files of the
 * pull request that are fetched anyway) are left out. When their bytes are over `budgetBytes`, or the query
 * fails, or GitHub leaves out a file's text (it does for large blobs), the answer is why, and the directory
 * is reviewed file by file. Throws only when the run is aborted.
 */
export async function fetchSiblings(
  octokit: Octokit,
  target: PullTarget,
  dir: string,
  changed: ReadonlySet<string>,
  options: { budgetBytes: number; maxFileBytes: number },
): Promise<Siblings> {
  type Answer = { repository: { object: { entries?: TreeEntry[] } | null } | null };
  let data: Answer;
  try {
    data = await readOnlyQuery<Answer>(octokit, TREE_QUERY, { owner: target.owner, name: target.repo, expr: `${target.headSha}:${dir}` });
  } catch (err) {
    if (abortReason(err) !== undefined) throw err; // the run stops: no fallback to speak of
    const status = httpStatus(err);
    return { fallback: `GitHub's tree query failed (${status !== undefined ? `${status}: ` : ''}${oneLine(errorMessage(err)).slice(0, 200)})`, failed: true };
  }
  const entries = data?.repository?.object?.entries;
  if (!Array.isArray(entries)) return { fallback: `GitHub's tree query found no directory \`${dir || '.'}\` at ${target.headSha.slice(0, 7)}` };
  const blobs = entries.filter((e) => e.type === 'blob' && e.name.endsWith('.go') && !changed.has(dir ? `${dir}/${e.name}` : e.name));
  let bytes = 0;
  for (const e of blobs) bytes += e.object?.byteSize ?? 0;
  if (bytes > options.budgetBytes) {
    const files = blobs.length === 1 ? 'other Go file is' : `${blobs.length} other Go files are`;
    return { fallback: `its ${files} ${formatBytes(bytes)}, over the ${formatBytes(options.budgetBytes)} budget per package (RACECHECK_PACKAGE_KB)` };
  }
  const files: GoFile[] = [];
  for (const e of blobs) {
    const path = dir ? `${dir}/${e.name}` : e.name;
    const blob = e.object;
    if (!blob || blob.isBinary) continue;
    if ((blob.byteSize ?? 0) > options.maxFileBytes) continue; // skipped as a changed file would be
    if (typeof blob.text !== 'string' || blob.isTruncated) return { fallback: `GitHub's tree query left out the text of \`${path}\` (${formatBytes(blob.byteSize ?? 0)})` };
    files.push({ path, sha: blob.oid ?? null, content: blob.text, patch: undefined });
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  return { files, bytes };
}

/** Head content of each selected file: from the blob cache, a new file's patch, or GitHub (GraphQL in batches, REST per file as fallback). */
export async function fetchGoFiles(
  octokit: Octokit,
  target: PullTarget,
  files: readonly PullFile[],
  cache: BlobCache,
  options: FetchOptions,
  /** Called as each file becomes available, so analysis overlaps the remaining fetches. */
  onFile?: (file: GoFile) => void,
): Promise<{ files: GoFile[]; skipped: SkippedFile[]; stats: FetchStats }> {
  const { maxFileBytes } = options;
  const stats: FetchStats = { fromCache: 0, fromPatch: 0, fetched: 0, graphqlQueries: 0, restFallbacks: 0 };
  const skipped: SkippedFile[] = [];
  const accepted = new Map<string, GoFile>();
  const tooBig = (size: number) => `over ${formatBytes(maxFileBytes)} (${Math.round(size / 1024)} KB; the limit is RACECHECK_MAX_FILE_KB)`;

  const accept = (file: PullFile, content: string): void => {
    const path = file.filename;
    const size = Buffer.byteLength(content);
    if (size > maxFileBytes) skipped.push({ path, reason: tooBig(size) });
    else if (GENERATED.test(content)) skipped.push({ path, reason: 'generated' });
    else {
      const goFile: GoFile = { path, sha: file.sha, content, patch: file.patch };
      accepted.set(path, goFile);
      onFile?.(goFile);
    }
  };
  const store = (file: PullFile, content: string) => {
    if (file.sha) cache.set(file.sha, content);
    accept(file, content);
  };
  const missing = (file: PullFile, why: string) =>
    skipped.push({ path: file.filename, reason: `could not be fetched at ${target.headSha.slice(0, 7)} (${why}); the branch may have moved on` });

  const toFetch: PullFile[] = [];
  for (const file of files) {
    const cached = file.sha ? cache.get(file.sha) : undefined;
    if (cached !== undefined) {
      stats.fromCache++;
      accept(file, cached);
      continue;
    }
    const fromPatch = contentFromAddedPatch(file);
    if (fromPatch !== undefined) {
      stats.fromPatch++;
      store(file, fromPatch);
    } else toFetch.push(file);
  }

  const restLimit = pLimit(options.concurrency);
  const viaRest = (file: PullFile) =>
    restLimit(async () => {
      stats.restFallbacks++;
      try {
        const fetched = await fetchAtHead(octokit, target, file.filename, maxFileBytes);
        stats.fetched++;
        if (fetched.content === undefined) skipped.push({ path: file.filename, reason: tooBig(fetched.size) });
        else store(file, fetched.content);
      } catch (err) {
        // A file we can't read costs only itself; rate limits and 5xx were already retried.
        const status = httpStatus(err);
        if (status === undefined || status >= 500 || status === 404) missing(file, errorMessage(err));
        else throw err;
      }
    });

  const batchSize = options.batchSize ?? GRAPHQL_BATCH;
  const batches: PullFile[][] = [];
  for (let i = 0; i < toFetch.length; i += batchSize) batches.push(toFetch.slice(i, i + batchSize));
  // Batches go out together; Probot's throttling spaces GraphQL queries (it counts them as writes) anyway.
  await Promise.all(
    batches.map(async (batch) => {
      let blobs: Map<string, GraphqlBlob | null>;
      try {
        stats.graphqlQueries++;
        blobs = await fetchBlobsGraphql(octokit, target, batch.map((f) => f.filename));
      } catch (err) {
        options.onGraphqlError?.(err);
        await Promise.all(batch.map(viaRest));
        return;
      }
      await Promise.all(
        batch.map(async (file) => {
          const blob = blobs.get(file.filename);
          if (blob === null || blob === undefined) return missing(file, 'not found');
          if (blob.byteSize === undefined) return missing(file, 'not a file');
          stats.fetched++;
          if (blob.byteSize > maxFileBytes) return void skipped.push({ path: file.filename, reason: tooBig(blob.byteSize) });
          if (blob.isBinary) return void skipped.push({ path: file.filename, reason: 'binary' });
          if (typeof blob.text !== 'string' || blob.isTruncated) {
            stats.fetched--;
            return viaRest(file);
          }
          store(file, blob.text);
        }),
      );
    }),
  );
  skipped.sort((a, b) => a.path.localeCompare(b.path));
  // The caller's order, whatever order the files arrived in.
  const result = files.map((f) => accepted.get(f.filename)).filter((f): f is GoFile => f !== undefined);
  return { files: result, skipped, stats };
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

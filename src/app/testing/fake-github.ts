/**
 * An in-memory GitHub REST API, just wide enough for racecheck: served over node:http for the end-to-end
 * test and the bench, and callable directly (`handle`) from nock interceptors in unit tests.
 * It validates what GitHub validates and racecheck could get wrong: review comment lines inside the diff,
 * at most 50 annotations per request, suggestion ranges.
 */
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface FakeResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: unknown;
}

export interface FakePullFile {
  filename: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  sha: string;
  additions: number;
  deletions: number;
  changes: number;
  patch?: string;
}

export interface FakePull {
  number: number;
  headSha: string;
  baseSha: string;
  state: 'open' | 'closed';
  author: string;
  files: FakePullFile[];
}

export interface FakeReviewComment {
  id: number;
  pull: number;
  path: string;
  line: number;
  start_line?: number;
  commit_id: string;
  body: string;
  user: { login: string; type: string };
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion?: string;
  started_at?: string;
  output?: { title?: string; summary?: string };
  annotations: unknown[];
  /** Every create/update body, in order. */
  history: Record<string, unknown>[];
}

interface Hang {
  method: string;
  path: RegExp;
  times: number;
  /** Apply the request (GitHub did the work) though the answer never comes. */
  apply: boolean;
}

interface Failure {
  method: string;
  path: RegExp;
  status: number;
  message: string;
  times: number;
  headers: Record<string, string>;
}

const BOT = { login: 'racecheck[bot]', type: 'Bot' };

export function blobSha(content: string): string {
  return createHash('sha1').update(`blob ${Buffer.byteLength(content)}\0${content}`).digest('hex');
}

/** Lines of the new file a patch's hunks show: where GitHub accepts review comments. */
function diffLines(patch: string | undefined): Set<number> {
  const lines = new Set<number>();
  let next = 0;
  for (const line of (patch ?? '').split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) next = Number(hunk[1]);
    else if (next > 0 && !line.startsWith('-') && !line.startsWith('\\')) lines.add(next++);
  }
  return lines;
}

/** A unified-diff patch (hunks only, as "list pull request files" returns) of old → new, one hunk per change region. */
export function makePatch(oldText: string | undefined, newText: string, context = 3): { patch: string; additions: number; deletions: number } {
  const a = oldText === undefined ? [] : oldText.replace(/\n$/, '').split('\n');
  const b = newText.replace(/\n$/, '').split('\n');
  if (a.length === 0) return { patch: `@@ -0,0 +1,${b.length} @@\n${b.map((l) => `+${l}`).join('\n')}`, additions: b.length, deletions: 0 };
  // Line-by-line LCS; fine for the small files tests use.
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: { op: ' ' | '-' | '+'; text: string; oldNo: number; newNo: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ op: ' ', text: a[i++]!, oldNo: i, newNo: ++j });
    else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) ops.push({ op: '+', text: b[j++]!, oldNo: i, newNo: j });
    else ops.push({ op: '-', text: a[i++]!, oldNo: i, newNo: j });
  }
  const hunks: string[] = [];
  let additions = 0;
  let deletions = 0;
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.op === ' ') {
      k++;
      continue;
    }
    let start = Math.max(0, k - context);
    let end = k;
    // Extend while changes are within 2*context of each other.
    while (end < ops.length) {
      if (ops[end]!.op !== ' ') {
        end++;
        continue;
      }
      let run = end;
      while (run < ops.length && ops[run]!.op === ' ') run++;
      if (run < ops.length && run - end <= 2 * context) end = run;
      else {
        end = Math.min(ops.length, end + context);
        break;
      }
    }
    const slice = ops.slice(start, end);
    const oldLines = slice.filter((o) => o.op !== '+').length;
    const newLines = slice.filter((o) => o.op !== '-').length;
    const first = slice[0]!;
    const oldStart = first.op === '+' ? first.oldNo + 1 : first.oldNo;
    const newStart = first.op === '-' ? first.newNo + 1 : first.newNo;
    hunks.push(`@@ -${oldStart},${oldLines} +${newStart},${newLines} @@\n${slice.map((o) => o.op + o.text).join('\n')}`);
    additions += slice.filter((o) => o.op === '+').length;
    deletions += slice.filter((o) => o.op === '-').length;
    k = end;
  }
  return { patch: hunks.join('\n'), additions, deletions };
}

export class FakeGitHub {
  /** Every API request, in arrival order ("GET /repos/o/r/pulls/1/files"). */
  readonly requests: string[] = [];
  readonly checkRuns = new Map<number, FakeCheckRun>();
  readonly reviews: { pull: number; event: string; body: string; commit_id: string; comments: unknown[] }[] = [];
  readonly reviewComments: FakeReviewComment[] = [];
  readonly issueComments: { issue: number; body: string }[] = [];
  readonly reactions: { commentId: number; content: string }[] = [];
  /** Requests that arrived over HTTP under the GitHub Enterprise prefix /api/v3. */
  enterprisePrefixed = 0;
  /** Called after every request; the bench uses it to time webhook → review. */
  onRequest?: (req: FakeRequest) => void;
  /** The installation token handed out (tests look for it in logs). */
  installationToken = 'ghs_fake';
  /** `owner/name` of every GraphQL repository query, in order. */
  readonly graphqlRepos: string[] = [];
  /** The `<sha>:<path>` expressions of every GraphQL blob query, in order. */
  readonly graphqlQueries: string[][] = [];
  /** The `<sha>:<dir>` expression of every GraphQL tree query, in order. */
  readonly graphqlTrees: string[] = [];
  /** GraphQL answers a blob's `text` as null (and `isTruncated`) past this many bytes. */
  graphqlTextLimit = 1024 * 1024;
  /** Over HTTP, each answer is sent this long after the request is handled (a network round trip). */
  latencyMs = 0;
  /** Authorization header of every request (tests look for these in logs). */
  readonly authorizations = new Set<string>();

  private readonly blobs = new Map<string, string>(); // `${sha}:${path}` → content
  private readonly defaultBranchFiles = new Map<string, string>(); // `${repo}:${path}` → content
  private readonly pulls = new Map<string, FakePull>();
  private readonly permissions = new Map<string, string>();
  private readonly failures: Failure[] = [];
  private readonly hangs: Hang[] = [];
  private nextId = 1000;
  private server?: Server;

  constructor(readonly owner = 'octo-org', readonly repo = 'service') {}

  /** A file at a commit (read by the contents API with ?ref=sha). */
  setFile(sha: string, path: string, content: string): void {
    this.blobs.set(`${sha}:${path}`, content);
  }

  /** A file on the default branch of any repo of the owner (config, incl. the org `.github` repo). */
  setDefaultBranchFile(repo: string, path: string, content: string): void {
    this.defaultBranchFiles.set(`${repo}:${path}`, content);
  }

  /**
   * Opens or updates a pull request: files maps path → [old content or undefined when added, new content].
   * Stores the head versions and computes the patches GitHub would list.
   */
  setPull(number: number, headSha: string, files: Record<string, [string | undefined, string | null]>, author = 'alice'): FakePull {
    const pullFiles: FakePullFile[] = [];
    for (const [filename, [oldText, newText]] of Object.entries(files)) {
      if (newText === null) {
        const lines = (oldText ?? '').split('\n').length;
        pullFiles.push({ filename, status: 'removed', sha: blobSha(''), additions: 0, deletions: lines, changes: lines });
        continue;
      }
      this.setFile(headSha, filename, newText);
      const { patch, additions, deletions } = makePatch(oldText, newText);
      pullFiles.push({ filename, status: oldText === undefined ? 'added' : 'modified', sha: blobSha(newText), additions, deletions, changes: additions + deletions, patch });
    }
    const pull: FakePull = { number, headSha, baseSha: 'b'.repeat(40), state: 'open', author, files: pullFiles };
    this.pulls.set(String(number), pull);
    return pull;
  }

  pull(number: number): FakePull | undefined {
    return this.pulls.get(String(number));
  }

  setPermission(login: string, permission: 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'): void {
    this.permissions.set(login, permission);
  }

  /** The next `times` requests matching method and path fail with `status` (and extra headers, e.g. retry-after). */
  fail(method: string, path: RegExp, status: number, message = 'Injected failure', times = 1, headers: Record<string, string> = {}): void {
    this.failures.push({ method, path, status, message, times, headers });
  }

  /**
   * Over HTTP, the next `times` requests matching method and path never get an answer (the connection stays
   * open until the client gives up). With `apply`, the request takes effect first, as when GitHub did the
   * work but the response was lost.
   */
  hang(method: string, path: RegExp, options: { times?: number; apply?: boolean } = {}): void {
    this.hangs.push({ method, path, times: options.times ?? 1, apply: options.apply ?? false });
  }

  /** Forgets a file at a commit, as a force-push that drops the commit does. */
  removeFile(sha: string, path: string): void {
    this.blobs.delete(`${sha}:${path}`);
  }

  checkRun(): FakeCheckRun | undefined {
    return [...this.checkRuns.values()].at(-1);
  }

  requestCount(pattern?: RegExp): number {
    return pattern ? this.requests.filter((r) => pattern.test(r)).length : this.requests.length;
  }

  handle(req: FakeRequest, origin: string): FakeResponse {
    // GitHub Enterprise serves REST under /api/v3 and GraphQL at /api/graphql.
    const path = req.path.replace(/^\/api\/v3(?=\/)/, '').replace(/^\/api\/graphql$/, '/graphql');
    this.requests.push(`${req.method} ${path}`);
    if (req.headers.authorization) this.authorizations.add(req.headers.authorization);
    try {
      const failure = this.failures.find((f) => f.method === req.method && f.path.test(path) && f.times > 0);
      if (failure) {
        failure.times--;
        const res = json(failure.status, { message: failure.message });
        Object.assign(res.headers, failure.headers);
        return res;
      }
      return this.route({ ...req, path }, origin);
    } finally {
      this.onRequest?.({ ...req, path });
    }
  }

  private route(req: FakeRequest, origin: string): FakeResponse {
    const { method, path, query } = req;
    const body = (req.body ?? {}) as Record<string, any>;
    let m: RegExpExecArray | null;
    if (method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) {
      return json(201, { token: this.installationToken, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {}, repository_selection: 'all' });
    }
    if (method === 'POST' && path === '/graphql') return this.graphql(body);
    if (method === 'GET' && path === '/app/installations') return paginate([{ id: 2, account: { login: this.owner } }], query, `${origin}${path}`);
    if (method === 'GET' && path === '/installation/repositories') {
      const repos = [{ id: 42, name: this.repo, full_name: `${this.owner}/${this.repo}`, owner: { login: this.owner } }];
      return json(200, { total_count: repos.length, repositories: repos });
    }
    const repoPrefix = `/repos/${this.owner}/`;
    if (!path.startsWith(repoPrefix)) return json(404, { message: 'Not Found' });
    const [repo, ...restParts] = path.slice(repoPrefix.length).split('/');
    const rest = `/${restParts.join('/')}`;

    if (method === 'GET' && (m = /^\/contents\/(.+)$/.exec(rest))) {
      const filePath = decodeURIComponent(m[1]!);
      const ref = query.get('ref');
      const content = ref ? this.blobs.get(`${ref}:${filePath}`) : this.defaultBranchFiles.get(`${repo}:${filePath}`);
      if (content === undefined) return json(404, { message: 'Not Found' });
      if ((req.headers.accept ?? '').includes('raw')) return { status: 200, headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' }, body: content };
      const size = Buffer.byteLength(content);
      const big = size > 1024 * 1024;
      return json(200, { type: 'file', path: filePath, name: filePath.split('/').pop(), sha: blobSha(content), size, encoding: big ? 'none' : 'base64', content: big ? '' : Buffer.from(content).toString('base64') });
    }
    if (repo !== this.repo) return json(404, { message: 'Not Found' });

    if (method === 'GET' && (m = /^\/pulls\/(\d+)$/.exec(rest))) {
      const pull = this.pulls.get(m[1]!);
      if (!pull) return json(404, { message: 'Not Found' });
      return json(200, { number: pull.number, state: pull.state, user: { login: pull.author, type: 'User' }, head: { sha: pull.headSha, ref: 'feature' }, base: { sha: pull.baseSha, ref: 'main' } });
    }
    if (method === 'GET' && (m = /^\/pulls\/(\d+)\/files$/.exec(rest))) {
      const pull = this.pulls.get(m[1]!);
      if (!pull) return json(404, { message: 'Not Found' });
      // GitHub lists at most 3,000 files.
      return paginate(pull.files.slice(0, 3000), query, `${origin}${path}`);
    }
    if (method === 'GET' && (m = /^\/pulls\/(\d+)\/comments$/.exec(rest))) {
      const pull = Number(m[1]);
      return paginate(this.reviewComments.filter((c) => c.pull === pull), query, `${origin}${path}`);
    }
    if (method === 'POST' && (m = /^\/pulls\/(\d+)\/reviews$/.exec(rest))) {
      const pull = this.pulls.get(m[1]!);
      if (!pull) return json(404, { message: 'Not Found' });
      const comments = (body.comments ?? []) as { path: string; line: number; start_line?: number; body: string }[];
      for (const c of comments) {
        const file = pull.files.find((f) => f.filename === c.path);
        const lines = diffLines(file?.patch);
        const first = c.start_line ?? c.line;
        for (let n = first; n <= c.line; n++) {
          if (!lines.has(n)) return json(422, { message: 'Unprocessable Entity', errors: [`Line could not be resolved: ${c.path}:${n}`] });
        }
      }
      this.reviews.push({ pull: pull.number, event: body.event, body: body.body, commit_id: body.commit_id, comments });
      for (const c of comments) {
        this.reviewComments.push({ id: this.nextId++, pull: pull.number, path: c.path, line: c.line, start_line: c.start_line, commit_id: body.commit_id, body: c.body, user: BOT });
      }
      return json(200, { id: this.nextId++, state: 'COMMENTED' });
    }
    if (method === 'PATCH' && (m = /^\/pulls\/comments\/(\d+)$/.exec(rest))) {
      const comment = this.reviewComments.find((c) => c.id === Number(m![1]));
      if (!comment) return json(404, { message: 'Not Found' });
      comment.body = body.body;
      return json(200, comment);
    }
    if (method === 'POST' && rest === '/check-runs') {
      const run: FakeCheckRun = { id: this.nextId++, name: body.name, head_sha: body.head_sha, status: body.status ?? 'queued', started_at: body.started_at ?? new Date().toISOString(), annotations: [], history: [body] };
      if (body.conclusion) run.conclusion = body.conclusion;
      if (body.output) run.output = { title: body.output.title, summary: body.output.summary };
      this.checkRuns.set(run.id, run);
      return json(201, { id: run.id, name: run.name, head_sha: run.head_sha, status: run.status });
    }
    if (method === 'PATCH' && (m = /^\/check-runs\/(\d+)$/.exec(rest))) {
      const run = this.checkRuns.get(Number(m[1]));
      if (!run) return json(404, { message: 'Not Found' });
      const annotations = (body.output?.annotations ?? []) as unknown[];
      if (annotations.length > 50) return json(422, { message: 'Only 50 annotations are allowed per request' });
      run.history.push(body);
      if (body.status) run.status = body.status;
      if (body.conclusion) run.conclusion = body.conclusion;
      if (body.output) run.output = { title: body.output.title, summary: body.output.summary };
      run.annotations.push(...annotations);
      return json(200, { id: run.id, status: run.status, conclusion: run.conclusion ?? null });
    }
    if (method === 'GET' && (m = /^\/commits\/([0-9a-f]+)\/check-runs$/.exec(rest))) {
      const runs = [...this.checkRuns.values()].filter(
        (r) => r.head_sha === m![1] && (!query.get('check_name') || r.name === query.get('check_name')) && (!query.get('status') || r.status === query.get('status')),
      );
      const page = runs.map((r) => ({ id: r.id, name: r.name, head_sha: r.head_sha, status: r.status, conclusion: r.conclusion ?? null, started_at: r.started_at, app: { id: 123 } }));
      return json(200, { total_count: page.length, check_runs: page });
    }
    if (method === 'GET' && (m = /^\/pulls\/(\d+)\/reviews$/.exec(rest))) {
      const pull = Number(m[1]);
      return paginate(this.reviews.filter((r) => r.pull === pull).map((r, i) => ({ id: i + 1, body: r.body, commit_id: r.commit_id, user: BOT, state: 'COMMENTED' })), query, `${origin}${path}`);
    }
    if (method === 'GET' && rest === '/pulls') {
      const open = [...this.pulls.values()].filter((p) => (query.get('state') ?? 'open') === 'all' || p.state === (query.get('state') ?? 'open'));
      return paginate(open.map((p) => ({ number: p.number, state: p.state, head: { sha: p.headSha }, base: { sha: p.baseSha } })), query, `${origin}${path}`);
    }
    if (method === 'GET' && (m = /^\/collaborators\/([^/]+)\/permission$/.exec(rest))) {
      const permission = this.permissions.get(decodeURIComponent(m[1]!));
      if (!permission) return json(404, { message: 'Not Found' });
      const legacy = permission === 'maintain' ? 'write' : permission === 'triage' ? 'read' : permission;
      return json(200, { permission: legacy, role_name: permission, user: { login: m[1] } });
    }
    if (method === 'POST' && (m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      this.issueComments.push({ issue: Number(m[1]), body: body.body });
      return json(201, { id: this.nextId++, body: body.body });
    }
    if (method === 'POST' && (m = /^\/issues\/comments\/(\d+)\/reactions$/.exec(rest))) {
      this.reactions.push({ commentId: Number(m[1]), content: body.content });
      return json(201, { id: this.nextId++, content: body.content });
    }
    return json(404, { message: `Not Found: ${method} ${path}` });
  }

  /**
   * Just the queries racecheck sends: `repository(owner: $owner, name: $name) { fN: object(expression: $eN) { ... on Blob { ... } } }`
   * and the tree query of one directory, answered from the files stored with setFile/setPull ("<sha>:<path>").
   */
  private graphql(body: Record<string, any>): FakeResponse {
    const query = String(body.query ?? '');
    const vars = (body.variables ?? {}) as Record<string, string>;
    if (!/repository\(owner: \$owner, name: \$name\)/.test(query)) return json(200, { data: null, errors: [{ message: 'unsupported query' }] });
    this.graphqlRepos.push(`${vars.owner}/${vars.name}`);
    if (vars.owner !== this.owner || vars.name !== this.repo) {
      return json(200, { data: { repository: null }, errors: [{ type: 'NOT_FOUND', message: `Could not resolve to a Repository with the name '${vars.owner}/${vars.name}'.` }] });
    }
    const blobFields = (content: string) => {
      const byteSize = Buffer.byteLength(content);
      const big = byteSize > this.graphqlTextLimit;
      return { text: big ? null : content, byteSize, isBinary: false, isTruncated: big };
    };
    // `object(expression: "<sha>:<dir>") { ... on Tree { entries { name type object { ... on Blob { ... } } } } }`
    const tree = /\bobject\(expression: \$(\w+)\) \{ \.\.\. on Tree/.exec(query);
    if (tree) {
      const expression = vars[tree[1]!] ?? '';
      this.graphqlTrees.push(expression);
      const [sha, dir = ''] = expression.split(/:(.*)/s);
      const prefix = `${sha}:${dir ? `${dir.replace(/\/$/, '')}/` : ''}`;
      const entries = new Map<string, { name: string; type: string; object: unknown }>();
      for (const [key, content] of this.blobs) {
        if (!key.startsWith(prefix)) continue;
        const [name, ...deeper] = key.slice(prefix.length).split('/');
        if (deeper.length > 0) entries.set(name!, { name: name!, type: 'tree', object: {} });
        else entries.set(name!, { name: name!, type: 'blob', object: { oid: blobSha(content), ...blobFields(content) } });
      }
      const object = entries.size === 0 ? null : { entries: [...entries.values()].sort((a, b) => a.name.localeCompare(b.name)) };
      return json(200, { data: { repository: { object } } });
    }
    const repository: Record<string, unknown> = {};
    const expressions: string[] = [];
    this.graphqlQueries.push(expressions);
    for (const m of query.matchAll(/(\w+): object\(expression: \$(\w+)\)/g)) {
      expressions.push(vars[m[2]!] ?? '');
      const content = this.blobs.get(vars[m[2]!] ?? '');
      repository[m[1]!] = content === undefined ? null : blobFields(content);
    }
    return json(200, { data: { repository } });
  }

  /** Serves the API on 127.0.0.1 (random port); resolves to its origin, e.g. http://127.0.0.1:41234. */
  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const text = Buffer.concat(chunks).toString('utf8');
        const enterprise = url.pathname.startsWith('/api/v3/') || url.pathname === '/api/graphql';
        if (enterprise) this.enterprisePrefixed++;
        const origin = `http://${req.headers.host}${enterprise ? '/api/v3' : ''}`;
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
        const fakeReq = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers, body: text ? JSON.parse(text) : undefined };
        const apiPath = url.pathname.replace(/^\/api\/v3(?=\/)/, '').replace(/^\/api\/graphql$/, '/graphql');
        const hang = this.hangs.find((h) => h.method === fakeReq.method && h.path.test(apiPath) && h.times > 0);
        if (hang) {
          hang.times--;
          if (hang.apply) this.handle(fakeReq, origin);
          else this.requests.push(`${fakeReq.method} ${apiPath}`);
          return; // no answer, ever
        }
        const response = this.handle(fakeReq, origin);
        const payload = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
        const answer = () => res.writeHead(response.status, response.headers).end(payload);
        if (this.latencyMs > 0) setTimeout(answer, this.latencyMs);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function json(status: number, body: unknown): FakeResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body };
}

function paginate(items: unknown[], query: URLSearchParams, url: string): FakeResponse {
  const perPage = Math.min(100, Number(query.get('per_page') ?? 30));
  const page = Number(query.get('page') ?? 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (page * perPage < items.length) headers.link = `<${url}?per_page=${perPage}&page=${page + 1}>; rel="next"`;
  return { status: 200, headers, body: slice };
}

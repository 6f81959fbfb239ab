/** racecheck --format sarif: schema-valid SARIF 2.1.0 that GitHub code scanning accepts. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '../../src/engine/index.js';
import { artifactLocation } from '../../src/cli/sarif.js';
import { DEFAULT_DOCS_BASE_URL, docsUrl } from '../../src/report/docs-url.js';
import { FIXABLE_GO, RACY_GO, cli, makeTree, removeTrees } from './helpers.js';
import { sarifSchemaErrors } from './sarif-schema.js';

afterAll(removeTrees);

interface Region {
  startLine: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
}
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string; markdown?: string };
  locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: Region } }[];
  relatedLocations?: { id: number; physicalLocation: { artifactLocation: { uri: string }; region: Region }; message: { text: string } }[];
  partialFingerprints: { primaryLocationLineHash: string };
  fixes?: { description: { text: string }; artifactChanges: { artifactLocation: { uri: string }; replacements: { deletedRegion: Region; insertedContent: { text: string } }[] }[] }[];
}
interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri: string;
  defaultConfiguration: { level: string };
  properties: { tags: string[] };
}
interface SarifLog {
  version: string;
  runs: { tool: { driver: { name: string; version: string; informationUri: string; rules: SarifRule[] } }; results: SarifResult[] }[];
}

const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function sarif(files: Record<string, string>, args: string[] = ['.'], env: Record<string, string> = {}) {
  const root = makeTree(files);
  const run = await cli(['--format', 'sarif', ...args], root, { env });
  return { root, run, log: JSON.parse(run.stdout) as SarifLog };
}

/** Applies a SARIF replacement (1-based lines and columns) to a file's text. */
function applyReplacement(content: string, region: Region, inserted: string): string {
  const lines = content.split('\n');
  const offset = (line: number, column: number) => lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
  const start = offset(region.startLine, region.startColumn ?? 1);
  const endLine = region.endLine ?? region.startLine;
  const end = offset(endLine, region.endColumn ?? lines[endLine - 1]!.length + 1);
  return content.slice(0, start) + inserted + content.slice(end);
}

describe('racecheck --format sarif', () => {
  test('is a valid SARIF 2.1.0 log with the driver, every rule, and exit status 1 on findings', async () => {
    const { run, log } = await sarif({ 'pkg/racy.go': RACY_GO });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(sarifSchemaErrors(log)).toEqual([]);
    expect(log.version).toBe('2.1.0');
    const driver = log.runs[0]!.tool.driver;
    expect(driver).toMatchObject({ name: 'racecheck', version: packageVersion, informationUri: 'https://github.com/racecheck/racecheck' });
    expect(driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
    const closureWrite = driver.rules.find((r) => r.id === 'closure-write')!;
    const meta = RULES.find((r) => r.id === 'closure-write')!;
    expect(closureWrite).toMatchObject({
      name: 'ClosureWrite',
      shortDescription: { text: meta.summary },
      helpUri: `${DEFAULT_DOCS_BASE_URL}docs/rules/closure-write.md`,
      defaultConfiguration: { level: 'error' },
      properties: { tags: expect.arrayContaining(['concurrency', 'go']) },
    });
    expect(closureWrite.fullDescription.text).toContain(meta.summary);
    expect(closureWrite.help.text).toContain(closureWrite.helpUri);
    expect(closureWrite.help.markdown).toContain(`](${closureWrite.helpUri})`);
    const levels = new Map(RULES.map((r) => [r.id, { error: 'error', warning: 'warning', info: 'note' }[r.defaultSeverity]]));
    for (const rule of driver.rules) expect(rule.defaultConfiguration.level).toBe(levels.get(rule.id));
  });

  test('each result carries the rule, a %SRCROOT%-relative location, related accesses and a fingerprint', async () => {
    const { log } = await sarif({ 'pkg/racy.go': RACY_GO });
    const { results, tool } = log.runs[0]!;
    expect(results).toHaveLength(2);
    const [first, second] = results as [SarifResult, SarifResult];
    expect(tool.driver.rules[first.ruleIndex]!.id).toBe('closure-write');
    expect(first).toMatchObject({
      ruleId: 'closure-write',
      level: 'error',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'pkg/racy.go', uriBaseId: '%SRCROOT%' },
            region: { startLine: 13, startColumn: 3, endLine: 13, endColumn: 6 },
          },
        },
      ],
    });
    expect(first.message.text).toContain('`err`');
    expect(first.relatedLocations).toEqual([
      {
        id: 1,
        physicalLocation: { artifactLocation: { uri: 'pkg/racy.go', uriBaseId: '%SRCROOT%' }, region: { startLine: 17 } },
        message: { text: expect.any(String) },
      },
    ]);
    // Both flagged lines read `err = work()`: same hash, told apart by the occurrence index.
    const [hash1, n1] = first.partialFingerprints.primaryLocationLineHash.split(':');
    const [hash2, n2] = second.partialFingerprints.primaryLocationLineHash.split(':');
    expect(hash1).toMatch(/^[0-9a-f]{16}$/);
    expect([hash2, n1, n2]).toEqual([hash1, '1', '2']);
  });

  test('a lock-guard finding carries the interleaving as a code flow: one thread flow per goroutine, start to access', async () => {
    const server = [
      'package srv',
      '',
      'import "sync"',
      '',
      'type Server struct {',
      '\tmu    sync.Mutex',
      '\tstate int',
      '}',
      '',
      'func (s *Server) Start() {',
      '\tgo s.loop()',
      '}',
      '',
      'func (s *Server) loop() {',
      '\tfor {',
      '\t\ts.handle()',
      '\t}',
      '}',
      '',
      'func (s *Server) handle() {',
      '\ts.state++',
      '}',
      '',
    ].join('\n');
    const stats = [
      'package srv',
      '',
      'func (s *Server) Reset() {',
      '\ts.mu.Lock()',
      '\ts.state = 0',
      '\ts.mu.Unlock()',
      '}',
      '',
      'func (s *Server) State() int {',
      '\ts.mu.Lock()',
      '\tdefer s.mu.Unlock()',
      '\treturn s.state',
      '}',
      '',
    ].join('\n');
    const { log } = await sarif({ 'srv/server.go': server, 'srv/stats.go': stats }, ['--enable', 'unguarded-field', '.']);
    expect(sarifSchemaErrors(log)).toEqual([]);
    const result = log.runs[0]!.results.find((r) => r.ruleId === 'unguarded-field') as SarifResult & {
      codeFlows: { threadFlows: { message: { text: string }; locations: { location: { physicalLocation: { artifactLocation: { uri: string }; region: Region }; message: { text: string } } }[] }[] }[];
    };
    expect(result.locations[0]!.physicalLocation.region.startLine).toBe(21);
    expect(result.message.text).toContain('Path: `go s.loop()` (line 11) → loop (line 16) → handle.');
    const [bare, locked] = result.codeFlows[0]!.threadFlows;
    const where = (t: typeof bare) => t!.locations.map((l) => `${l.location.physicalLocation.artifactLocation.uri}:${l.location.physicalLocation.region.startLine}`);
    expect(where(bare)).toEqual(['srv/server.go:11', 'srv/server.go:16', 'srv/server.go:21']);
    expect(bare!.locations[1]!.location.message.text).toBe('loop calls handle without the lock');
    expect(where(locked)).toEqual(['srv/stats.go:5']);
    expect(locked!.message.text).toContain('holding `s.mu`');
    // The same chain is in the related locations, for readers that show no code flows.
    expect(result.relatedLocations!.map((r) => r.physicalLocation.region.startLine)).toEqual([11, 16, 5]);
  });

  test('a fix becomes a SARIF fix with a replacement per edit that, applied, yields the fixed code', async () => {
    const { log } = await sarif({ 'fixable.go': FIXABLE_GO }, ['--enable', 'copied-lock', '.']);
    const result = log.runs[0]!.results.find((r) => r.fixes)!;
    const fix = result.fixes![0]!;
    expect(fix.description.text).toContain('Pass a pointer');
    expect(fix.artifactChanges[0]!.artifactLocation.uri).toBe('fixable.go');
    const replacements = fix.artifactChanges[0]!.replacements;
    expect(replacements.map((r) => r.deletedRegion)).toEqual([
      { startLine: 5, startColumn: 1, endLine: 6, endColumn: 1 },
      { startLine: 13, startColumn: 1, endLine: 14, endColumn: 1 },
    ]);
    // Applied from the bottom up, so the first replacement's lines stay where they were.
    let fixed = FIXABLE_GO;
    for (const r of [...replacements].reverse()) fixed = applyReplacement(fixed, r.deletedRegion, r.insertedContent.text);
    expect(fixed).toBe(FIXABLE_GO.replace('wg sync.WaitGroup)', 'wg *sync.WaitGroup)').replace('go worker(1, wg)', 'go worker(1, &wg)'));
  });

  test('a finding without a verified fix has no SARIF fix', async () => {
    const { log } = await sarif({ 'racy.go': RACY_GO });
    expect(log.runs[0]!.results.every((r) => r.fixes === undefined)).toBe(true);
  });

  test('the fingerprint survives lines inserted above and changes with the flagged code', async () => {
    const fingerprints = async (content: string) =>
      (await sarif({ 'racy.go': content })).log.runs[0]!.results.map((r) => r.partialFingerprints.primaryLocationLineHash);
    const original = await fingerprints(RACY_GO);
    const shifted = RACY_GO.replace('import "sync"\n', 'import "sync"\n\n\n\n');
    expect(shifted).not.toBe(RACY_GO);
    expect(await fingerprints(shifted)).toEqual(original);
    const reindented = RACY_GO.replace('\t\terr = work()\n\t}()\n\tgo', '\t\terr  =  work()\n\t}()\n\tgo');
    expect(await fingerprints(reindented)).toEqual(original);
    const edited = RACY_GO.replace('func work() error { return nil }', 'func work() error { return nil }\nfunc other() error { return nil }')
      .replace('\t\terr = work()\n\t}()\n\tgo', '\t\terr = other()\n\t}()\n\tgo');
    const changed = await fingerprints(edited);
    expect(changed).toHaveLength(2);
    expect(changed[0]!.split(':')[0]).not.toBe(original[0]!.split(':')[0]);
  });

  test('RACECHECK_DOCS_BASE_URL moves the rule links', async () => {
    const { log } = await sarif({ 'racy.go': RACY_GO }, ['.'], { RACECHECK_DOCS_BASE_URL: 'https://example.com/racecheck/v1' });
    const rule = log.runs[0]!.tool.driver.rules.find((r) => r.id === 'copied-lock')!;
    expect(rule.helpUri).toBe('https://example.com/racecheck/v1/docs/rules/copied-lock.md');
    expect(docsUrl('docs/rules/x.md', 'https://example.com/a/')).toBe('https://example.com/a/docs/rules/x.md');
  });

  test('a clean tree is a valid log with no results and exit status 0', async () => {
    const { run, log } = await sarif({ 'a.go': 'package p\n' });
    expect(run.code).toBe(0);
    expect(sarifSchemaErrors(log)).toEqual([]);
    expect(log.runs[0]!.results).toEqual([]);
    // The validator itself rejects what code scanning would.
    expect(sarifSchemaErrors({ ...log, version: '2.0.0' })).not.toEqual([]);
    expect(sarifSchemaErrors({ ...log, runs: [{ results: [] }] })).not.toEqual([]);
  });

  test('URIs are repo-relative with forward slashes and percent-encoding; outside the root is a file: URI', () => {
    const root = '/repo';
    expect(artifactLocation('./pkg/a b.go', root)).toEqual({ uri: 'pkg/a%20b.go', uriBaseId: '%SRCROOT%' });
    expect(artifactLocation('/repo/pkg/a.go', root)).toEqual({ uri: 'pkg/a.go', uriBaseId: '%SRCROOT%' });
    expect(artifactLocation('../elsewhere/a.go', root)).toEqual({ uri: 'file:///elsewhere/a.go' });
  });

  test('with --base the URIs are relative to the repository top level', async () => {
    const root = makeTree({ 'sub/racy.go': RACY_GO });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    git('checkout', '-q', '-b', 'feature');
    const racier = RACY_GO.replace('\twg.Wait()', '\tgo func() { err = work() }()\n\twg.Wait()');
    writeFileSync(join(root, 'sub/racy.go'), racier);
    const run = await cli(['--format', 'sarif', '--base', 'main', '--root', 'sub'], root);
    const log = JSON.parse(run.stdout) as SarifLog;
    expect(sarifSchemaErrors(log)).toEqual([]);
    const uris = log.runs[0]!.results.map((r) => r.locations[0]!.physicalLocation.artifactLocation.uri);
    expect(uris.length).toBeGreaterThan(0);
    expect(new Set(uris)).toEqual(new Set(['sub/racy.go']));
  });
});

/**
 * Every fix the engine offers on the fixtures and the seed reproducers, applied and type-checked by
 * the Go compiler (`go vet`, GOPATH mode, with Debian's golang-golang-x-sync-dev for errgroup and
 * test/support/gopath for the few third-party APIs the fixtures call). The unedited file must compile
 * too, so any error is the fix's.
 *
 * A file that needs a newer Go than the installed one says so with a line
 * `// racecheck:compiles-with go1.N (why)` and is skipped by name, with the reason printed.
 * Without `go` the suite is skipped locally, and fails when CI=true.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, applyEdits, RULES, type Finding } from '../../src/engine/index.js';
import { fixtureGoVersion } from '../fixtures/harness.js';

const TEST_DIR = fileURLToPath(new URL('..', import.meta.url));
const STUB_GOPATH = join(TEST_DIR, 'support', 'gopath');
const DEBIAN_GOCODE = '/usr/share/gocode';
// The seed reproducers are analyzed as the seed tests analyze them.
const SEED_GO_VERSION = '1.22';
// Every rule, including those off by default: each one's fixes must compile.
const ALL_RULES_ON = Object.fromEntries(RULES.map((r) => [r.id, { enabled: true }]));

interface GoFile {
  /** Relative to test/, e.g. fixtures/closure-write/closure_write.go. */
  name: string;
  source: string;
  goVersion: string | undefined;
  needs?: { version: string; why: string };
}

function goFiles(): GoFile[] {
  const files: GoFile[] = [];
  const add = (name: string, goVersion: string | undefined) => {
    const source = readFileSync(join(TEST_DIR, name), 'utf8');
    const marker = /^\/\/\s*racecheck:compiles-with go(\d+\.\d+)\s*(.*)$/m.exec(source);
    files.push({ name, source, goVersion, ...(marker ? { needs: { version: marker[1], why: marker[2].replace(/^\(|\)$/g, '') } } : {}) });
  };
  const fixtures = join(TEST_DIR, 'fixtures');
  for (const dir of readdirSync(fixtures, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const f of readdirSync(join(fixtures, dir)).filter((f) => f.endsWith('.go')).sort()) {
      const name = `fixtures/${dir}/${f}`;
      add(name, fixtureGoVersion(readFileSync(join(TEST_DIR, name), 'utf8')));
    }
  }
  for (const f of readdirSync(join(TEST_DIR, 'seed')).filter((f) => f.endsWith('.go')).sort()) add(`seed/${f}`, SEED_GO_VERSION);
  return files;
}

/** The installed Go's minor version (19 for go1.19.8), or undefined when there is no `go`. */
function installedGoMinor(): number | undefined {
  const run = spawnSync('go', ['version'], { encoding: 'utf8' });
  const m = run.status === 0 ? /go1\.(\d+)/.exec(run.stdout) : null;
  return m ? Number(m[1]) : undefined;
}

const goMinor = installedGoMinor();
const files = goFiles();
const needsNewer = (f: GoFile) => f.needs !== undefined && goMinor !== undefined && Number(f.needs.version.split('.')[1]) > goMinor;
const checked = files.filter((f) => !needsNewer(f));
const skipped = files.filter(needsNewer);

/** One package per file version: the original, and the file with each fix applied. */
interface Variant {
  file: GoFile;
  pkg: string;
  finding?: Finding;
}

/** `vet: …` lines of `go vet`'s output (the type checker's errors), per package. */
function vetTypeErrors(output: string): Map<string, string[]> {
  const errors = new Map<string, string[]>();
  let current: string | undefined;
  for (const line of output.split('\n')) {
    const header = /^# (\S+)/.exec(line);
    if (header) current = header[1];
    else if (line.startsWith('vet: ') && current) errors.set(current, [...(errors.get(current) ?? []), line.slice(5)]);
  }
  return errors;
}

if (goMinor === undefined) {
  if (process.env.CI === 'true') {
    test('the Go compiler is installed (CI=true: .ci/run installs golang-go)', () => {
      throw new Error('`go` is not on PATH, so the suggested fixes cannot be type-checked; install golang-go and golang-golang-x-sync-dev');
    });
  } else {
    console.warn('test/fix/go-compile.test.ts: skipped, `go` is not installed (apt-get install golang-go golang-golang-x-sync-dev)');
    test.skip('every suggested fix compiles (needs the Go compiler)', () => undefined);
  }
} else {
  describe(`every suggested fix compiles under go1.${goMinor}`, () => {
    const variants: Variant[] = [];
    let errors = new Map<string, string[]>();
    let workspace = '';
    let vetOutput = '';
    let listedCount = 0;

    beforeAll(() => {
      if (skipped.length > 0) {
        console.warn(
          'Skipped (need a newer Go than the installed go1.' + goMinor + '):\n' +
            skipped.map((f) => `  ${f.name}: go${f.needs!.version}, ${f.needs!.why}`).join('\n'),
        );
      }
      workspace = mkdtempSync(join(tmpdir(), 'racecheck-go-'));
      checked.forEach((file, i) => {
        const write = (pkg: string, content: string) => {
          mkdirSync(join(workspace, 'src', pkg), { recursive: true });
          writeFileSync(join(workspace, 'src', pkg, file.name.split('/').pop()!), content);
        };
        const original = `fx/f${i}`;
        write(original, file.source);
        variants.push({ file, pkg: original });
        const result = analyze([{ path: file.name, content: file.source }], { scope: 'all', rules: ALL_RULES_ON, ...(file.goVersion ? { goVersion: file.goVersion } : {}) });
        result.findings.forEach((finding, j) => {
          if (!finding.fix) return;
          const edited = applyEdits(file.source, finding.fix.edits);
          if (edited === undefined) throw new Error(`${file.name}:${finding.line}: the fix's edits do not apply`);
          const pkg = `fx/f${i}fix${j}`;
          write(pkg, edited);
          variants.push({ file, pkg, finding });
        });
      });
      const go = (args: string[]) =>
        spawnSync('go', args, {
          cwd: join(workspace, 'src'),
          encoding: 'utf8',
          env: {
            ...process.env,
            GO111MODULE: 'off',
            GOFLAGS: '',
            GOPATH: [workspace, STUB_GOPATH, DEBIAN_GOCODE].join(':'),
            GOCACHE: process.env.GOCACHE ?? join(tmpdir(), 'racecheck-gocache'),
          },
          maxBuffer: 64 * 1024 * 1024,
        });
      // A package that fails to load (a missing import) stops `go vet` for all: list those first.
      const listed = go(['list', '-e', '-f', '{{.ImportPath}}\t{{if .Error}}{{.Error}} {{end}}{{range .DepsErrors}}{{.}} {{end}}', './fx/...']);
      const loadable: string[] = [];
      for (const line of listed.stdout.split('\n').filter((l) => l.startsWith('fx/'))) {
        const [pkg, problem] = line.split('\t');
        if (problem?.trim()) errors.set(pkg, [problem.trim().replace(/\s+/g, ' ')]);
        else loadable.push(pkg);
      }
      const vet = go(['vet', ...loadable.map((p) => `./${p}`)]);
      vetOutput = `${listed.stderr}\n${vet.stdout}\n${vet.stderr}`;
      for (const [pkg, lines] of vetTypeErrors(vetOutput)) errors.set(pkg, lines);
      listedCount = listed.stdout.split('\n').filter((l) => l.startsWith('fx/')).length;
    }, 600_000);

    afterAll(() => {
      if (workspace) rmSync(workspace, { recursive: true, force: true });
    });

    test('go list and go vet ran over every file and fix', () => {
      expect(variants.length).toBeGreaterThan(checked.length);
      // A failure to run at all would otherwise pass as "no type errors".
      expect(listedCount).toBe(variants.length);
      expect(vetOutput).not.toMatch(/^go: /m);
    });

    test.each(checked.map((f) => [f.name, f] as const))('%s compiles as it is', (_name, file) => {
      const v = variants.find((x) => x.file === file && !x.finding)!;
      expect(errors.get(v.pkg) ?? []).toEqual([]);
    });

    test.each(checked.map((f) => [f.name, f] as const))('%s: every fix offered on it compiles', (_name, file) => {
      const failures = variants
        .filter((v) => v.file === file && v.finding && errors.has(v.pkg))
        .map((v) => `line ${v.finding!.line} [${v.finding!.rule}] ${JSON.stringify(v.finding!.fix!.edits)}: ${errors.get(v.pkg)!.join('; ')}`);
      expect(failures).toEqual([]);
    });

    test('files that need a newer Go are marked so, and the marker is still needed', () => {
      for (const f of skipped) expect(Number(f.needs!.version.split('.')[1])).toBeGreaterThan(goMinor);
    });
  });
}

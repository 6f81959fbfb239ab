/**
 * Every rule is checked against its go/analysis-style fixtures in test/fixtures/<rule-id>/
 * (see test/fixtures/harness.ts for the `// want "regexp"` format).
 */
import { RULES } from '../../src/engine/index.js';
import type { Finding } from '../../src/engine/index.js';
import { checkFixtures, compareWithWants, fixtureDirs, fixtureGoVersion, parseWants, topLevelFunctions } from '../fixtures/harness.js';

const MIN_WANTS = 8;
const MIN_CLEAN_FUNCTIONS = 8;

const ruleIds = RULES.map((r) => r.id);
const dirs = fixtureDirs();

describe('fixture directories and rules agree', () => {
  test('every fixture directory names a known rule', () => {
    expect(dirs.filter((d) => !ruleIds.includes(d))).toEqual([]);
  });

  test('every rule has a fixture directory', () => {
    expect(ruleIds.filter((id) => !dirs.includes(id)).map((id) => `test/fixtures/${id} is missing`)).toEqual([]);
  });

  test('there are rules to check', () => {
    expect(ruleIds.length).toBeGreaterThan(0);
  });
});

const checked = ruleIds.filter((id) => dirs.includes(id));
if (checked.length > 0) {
  describe.each(checked)('fixtures of %s', (ruleId) => {
    const report = checkFixtures(ruleId);

    test('every want is matched and nothing else is flagged', () => {
      expect(report.problems).toEqual([]);
    });

    test(`has at least ${MIN_WANTS} wants and ${MIN_CLEAN_FUNCTIONS} functions without wants`, () => {
      const shortfalls: string[] = [];
      if (report.wantCount < MIN_WANTS) shortfalls.push(`test/fixtures/${ruleId}: ${report.wantCount} wants, need at least ${MIN_WANTS}`);
      if (report.functionsWithoutWants < MIN_CLEAN_FUNCTIONS) {
        shortfalls.push(
          `test/fixtures/${ruleId}: ${report.functionsWithoutWants} top-level functions without wants, need at least ${MIN_CLEAN_FUNCTIONS}`,
        );
      }
      expect(shortfalls).toEqual([]);
    });
  });
}

describe('the harness itself', () => {
  const finding = (line: number, message: string): Finding => ({
    rule: 'r',
    file: 'f.go',
    line,
    column: 2,
    endLine: line,
    endColumn: 5,
    severity: 'error',
    message,
    related: [],
  });

  test('parses one or more quoted and raw regexps per want comment', () => {
    const src = 'package p\nfunc f() {\n\tx = 1 // want "`x` is written" `line \\d+`\n\ty = 2\n\tz = 3 //want "a\\\\.b"\n}\n';
    const { wants, problems } = parseWants(src, 'f.go');
    expect(problems).toEqual([]);
    expect(wants.map((w) => [w.line, w.text])).toEqual([
      [3, '`x` is written'],
      [3, 'line \\d+'],
      [5, 'a\\.b'],
    ]);
  });

  test('reports malformed wants with file:line', () => {
    const { problems } = parseWants('package p\nvar x = 1 // want x\nvar y = 2 // want "("\n', 'f.go');
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^f\.go:2: malformed want/);
    expect(problems[1]).toMatch(/^f\.go:3: bad want "\(":/);
  });

  test('a want needs a matching finding on its line; a finding needs a want on its line', () => {
    const wants = parseWants('package p\n\nx // want "shared"\ny // want "other"\n', 'f.go').wants;
    const problems = compareWithWants('f.go', wants, [finding(3, '`x` is shared'), finding(4, 'unrelated'), finding(6, 'stray')]);
    expect(problems).toEqual([
      'f.go:4: no finding matches want "other" (findings here: "unrelated")',
      'f.go:6:2: unexpected finding [r] stray',
    ]);
    expect(compareWithWants('f.go', wants, [finding(3, 'shared'), finding(4, 'other')])).toEqual([]);
  });

  test('reads the racecheck:go1.N header', () => {
    expect(fixtureGoVersion('// racecheck:go1.21\n\npackage p\n')).toBe('1.21');
    expect(fixtureGoVersion('package p\n// racecheck:go1.21\n')).toBeUndefined();
  });

  test('finds top-level functions and methods with their line ranges', () => {
    const src = 'package p\n\nfunc a() {\n\tgo func() {}()\n}\n\ntype T struct{}\n\nfunc (T) m() {}\n';
    expect(topLevelFunctions(src)).toEqual([
      { name: 'a', startLine: 3, endLine: 5 },
      { name: 'm', startLine: 9, endLine: 9 },
    ]);
  });

  test('checkFixtures flags a directory that names no rule', () => {
    expect(checkFixtures('no-such-rule').problems[0]).toMatch(/no rule with id no-such-rule/);
  });
});

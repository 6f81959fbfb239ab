/** What parallel-test-state's findings name: the field both subtests touch, in the message and its related locations. */
import { analyze, onlyRules } from '../../src/engine/index.js';

const source = `package p

import "testing"

type issuer struct{ descriptors []string }

func TestIssuer(t *testing.T) {
	iss := &issuer{}
	t.Run("first", func(t *testing.T) {
		t.Parallel()
		iss.descriptors = []string{"a"}
	})
	t.Run("second", func(t *testing.T) {
		t.Parallel()
		iss.descriptors = []string{"b"}
	})
}
`;

test('the related location names the field the other subtest writes, not only the variable', () => {
  const { findings } = analyze([{ path: 'p/issuer_test.go', content: source }], { scope: 'all', rules: onlyRules(new Set(['parallel-test-state'])) });
  const first = findings.find((f) => f.line === 11);
  expect(first?.message).toContain('`iss.descriptors` is assigned by the parallel subtest on line 9');
  expect(first?.related?.map((r) => [r.line, r.message])).toEqual([[15, '`iss.descriptors` written by the parallel subtest on line 13']]);
});

const repeated = `package p

import "testing"

func connect(name string) error { return nil }

func TestConnect(t *testing.T) {
	var err error
	for _, name := range []string{"a", "b"} {
		name := name
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err = connect(name)
			if err != nil {
				t.Fatal(err)
			}
			err = connect(name + "/again")
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
`;

test('one finding per variable and subtest, at its first write, with the later writes as related locations', () => {
  const { findings } = analyze([{ path: 'p/connect_test.go', content: repeated }], { scope: 'all', rules: onlyRules(new Set(['parallel-test-state'])) });
  expect(findings.map((f) => f.line)).toEqual([13]);
  expect(findings[0].related?.map((r) => r.line)).toContain(17);
});

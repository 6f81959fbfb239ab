/**
 * Handlers in test code answer the test's own requests (Spawn.sequential): a `_test.go` file whose
 * tests start no goroutine, or a test app or harness driven by tests elsewhere (under test/, tests/,
 * e2e/, mocks/, …, or a file named mock.go, server_fake.go, testing.go, …). The same handlers in a
 * server's own code run for many requests at once.
 */
import { analyze } from '../../src/engine/index.js';

const app = `package main

import "net/http"

var current string
var hits int

func setName(w http.ResponseWriter, r *http.Request) {
	current = r.URL.Query().Get("name")
}

func count(w http.ResponseWriter, r *http.Request) {
	hits++
	w.Write([]byte(current))
}

func main() {
	http.HandleFunc("/set", setName)
	http.HandleFunc("/count", count)
	_ = http.ListenAndServe(":8080", nil)
}
`;

function packageStateLines(path: string, content: string): number[] {
  return analyze([{ path, content }], { scope: 'all' })
    .findings.filter((f) => f.rule === 'package-state')
    .map((f) => f.line)
    .sort((a, b) => a - b);
}

describe('handlers in test code', () => {
  test("a server's own handlers race on package state", () => {
    expect(packageStateLines('cmd/echo/main.go', app)).toEqual([9, 13]);
  });

  test.each(['test/apps/echo/main.go', 'tests/echo/main.go', 'e2e/echo/main.go', 'internal/testutil/server.go'])('a test app at %s is driven one request at a time', (path) => {
    expect(packageStateLines(path, app)).toEqual([]);
  });

  test.each(['pkg/api/mock.go', 'pkg/api/mock_server.go', 'pkg/api/server_mock.go', 'pkg/api/fake_api.go', 'pkg/api/testing.go', 'internal/mocks/server.go', 'pkg/fake/server.go'])(
    'a harness file or directory at %s is driven by its tests, one request at a time',
    (path) => {
      expect(packageStateLines(path, app)).toEqual([]);
    },
  );

  test.each(['pkg/attestation/main.go', 'pkg/mockingbird/main.go', 'pkg/api/mockery.go', 'pkg/api/server_stub.go'])('%s only looks like test code', (path) => {
    expect(packageStateLines(path, app)).toEqual([9, 13]);
  });

  const testFile = (spawns: string) => `package main

import (
	"net/http"
	"testing"
)

var hits int

func count(w http.ResponseWriter, r *http.Request) {
	hits++
}

func TestCount(t *testing.T) {
	${spawns}
}
`;

  test("a test file's named handler, with tests that start no goroutine, serves one request at a time", () => {
    expect(packageStateLines('server_test.go', testFile('_ = count'))).toEqual([]);
  });

  test('a test file whose tests start goroutines may send requests at once', () => {
    expect(packageStateLines('server_test.go', testFile('go func() { _ = count; _, _ = http.Get("http://localhost/") }()'))).toEqual([11]);
  });

  test('a goroutine that calls nothing able to send a request (it only receives and reports) sends none', () => {
    expect(packageStateLines('server_test.go', testFile('done := make(chan int); go func() { _ = count; t.Log(<-done) }(); done <- 1'))).toEqual([]);
  });
});

describe('handlers a test helper registers', () => {
  const mock = (testBody: string) => `package p

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

type mockAPI struct {
	mux   *http.ServeMux
	calls map[string]int
}

func (m *mockAPI) setup() {
	for _, path := range []string{"/a", "/b"} {
		m.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			m.calls[r.URL.Path]++
		})
	}
}

func TestMock(t *testing.T) {
	m := &mockAPI{mux: http.NewServeMux(), calls: map[string]int{}}
	m.setup()
	srv := httptest.NewServer(m.mux)
	defer srv.Close()
	${testBody}
}
`;
  const lines = (testBody: string) =>
    analyze([{ path: 'mock_test.go', content: mock(testBody) }], { scope: 'all', rules: { 'shared-container': { enabled: true } } })
      .findings.filter((f) => f.rule === 'shared-container')
      .map((f) => f.line);

  test('registered in a loop, they still answer sequential requests one at a time', () => {
    expect(lines('_, _ = http.Get(srv.URL + "/a")')).toEqual([]);
  });

  test('when the tests send requests from goroutines, they run at once', () => {
    expect(lines('go http.Get(srv.URL + "/a")\n\t_, _ = http.Get(srv.URL + "/b")')).toEqual([17]);
  });
});

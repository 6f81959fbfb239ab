import {
  compareGoVersions,
  effectiveGoVersion,
  goVersionFromBuildTag,
  goVersionFromGoMod,
} from '../../src/engine/goversion.js';

describe('goVersionFromGoMod', () => {
  test.each([
    ['module m\n\ngo 1.21\n', '1.21'],
    ['module m\ngo 1.22.3\ntoolchain go1.23.1\n', '1.22'],
    ['module m\r\ngo 1.20 // comment\r\n', '1.20'],
    ['module m\ngo 1.21rc1\n', '1.21'],
    ['module m\ngo 1\n', '1.0'],
  ])('%j → %s', (text, expected) => {
    expect(goVersionFromGoMod(text)).toBe(expected);
  });

  test('a go.mod without a go directive means 1.16', () => {
    expect(goVersionFromGoMod('module example.com/m\n\nrequire golang.org/x/sync v0.1.0\n')).toBe('1.16');
  });

  test('the toolchain directive is not the language version', () => {
    expect(goVersionFromGoMod('module m\ntoolchain go1.23.0\n')).toBe('1.16');
  });

  test('a go directive that is not a version gives undefined', () => {
    expect(goVersionFromGoMod('module m\ngo banana\n')).toBeUndefined();
  });
});

describe('goVersionFromBuildTag', () => {
  const file = (header: string) => `${header}\n\npackage p\n\nfunc f() {}\n`;

  test.each([
    ['//go:build go1.21', '1.21'],
    ['//go:build go1.21 && linux', '1.21'],
    ['//go:build linux && go1.22', '1.22'],
    ['//go:build go1.21 && go1.22', '1.22'],
    ['//go:build go1.21 || go1.22', '1.21'],
    ['//go:build (go1.20 || go1.21) && !windows', '1.20'],
    ['// Copyright 2024 The Authors.\n\n//go:build go1.23', '1.23'],
    ['/* block\n comment */\n//go:build go1.19', '1.19'],
  ])('%j → %s', (header, expected) => {
    expect(goVersionFromBuildTag(file(header))).toBe(expected);
  });

  test.each([
    ['no build line', '// just a comment'],
    ['no go version', '//go:build linux && amd64'],
    ['a negated version is an upper bound', '//go:build !go1.21'],
    ['an alternative without a version', '//go:build go1.21 || linux'],
    ['a malformed expression', '//go:build go1.21 &&'],
    ['an old-style +build line', '// +build go1.21'],
  ])('%s gives undefined', (_why, header) => {
    expect(goVersionFromBuildTag(file(header))).toBeUndefined();
  });

  test('a //go:build after the package clause does not count', () => {
    expect(goVersionFromBuildTag('package p\n\n//go:build go1.21\nfunc f() {}\n')).toBeUndefined();
  });
});

describe('compareGoVersions', () => {
  test('orders numerically, not as strings', () => {
    expect(compareGoVersions('1.9', '1.10')).toBeLessThan(0);
    expect(compareGoVersions('1.22', '1.21.9')).toBeGreaterThan(0);
    expect(compareGoVersions('go1.21', '1.21.0')).toBe(0);
    expect(compareGoVersions('1.21.1', '1.21')).toBeGreaterThan(0);
  });

  test('sorts [1.10, 1.2, 1.21.3, 1.21]', () => {
    expect(['1.10', '1.2', '1.21.3', '1.21'].sort(compareGoVersions)).toEqual(['1.2', '1.10', '1.21', '1.21.3']);
  });
});

describe('effectiveGoVersion', () => {
  const tagged = (v: string) => `//go:build go${v}\n\npackage p\n`;

  test('the module version applies to a file without a tag', () => {
    expect(effectiveGoVersion('1.21', 'package p\n')).toBe('1.21');
  });

  test('a build tag raises the version', () => {
    expect(effectiveGoVersion('1.20', tagged('1.22'))).toBe('1.22');
  });

  test('a build tag lowers the version in a go1.21+ module (as go/types does)', () => {
    expect(effectiveGoVersion('1.22', tagged('1.21'))).toBe('1.21');
  });

  test('a build tag does not lower the version in an older module', () => {
    expect(effectiveGoVersion('1.20', tagged('1.18'))).toBe('1.20');
  });

  test('a file outside any module takes its tag, or nothing', () => {
    expect(effectiveGoVersion(undefined, tagged('1.22'))).toBe('1.22');
    expect(effectiveGoVersion(undefined, 'package p\n')).toBeUndefined();
  });
});

/**
 * The engine's node accessors (src/engine/tree-access.ts) against tree-sitter's own cursor, which they
 * do not replace: every node's type, span, start point, field and children must agree, and a node must
 * come back as the same object whichever way it is reached.
 */
import type Parser from 'tree-sitter';
import { parseGo } from '../../src/engine/parse.js';
import { installFastNodeAccess } from '../../src/engine/tree-access.js';

const SOURCE = `package demo

import (
	"fmt"
	"sync"
)

// Counter counts, with a lock. Non-ASCII text moves byte offsets away from character offsets: é, 日本.
type Counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *Counter) Inc(key string) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := "naïve ✓"
	for i, r := range s {
		if r > 127 {
			c.n[key] += i
		}
	}
	go func() { fmt.Println(c.n[key]) }()
	return c.n[key], nil
}

func broken( {
`;

interface Reference {
  type: string;
  named: boolean;
  start: number;
  end: number;
  row: number;
  column: number;
  field: string | null;
  children: Reference[];
}

/** The tree as tree-sitter's cursor sees it (the cursor is not touched by tree-access). */
function reference(tree: Parser.Tree): Reference {
  const cursor = tree.walk();
  const visit = (): Reference => {
    const start = cursor.startPosition;
    const node: Reference = {
      type: cursor.nodeType,
      named: cursor.nodeIsNamed,
      start: cursor.startIndex,
      end: cursor.endIndex,
      row: start.row,
      column: start.column,
      field: cursor.currentFieldName,
      children: [],
    };
    if (cursor.gotoFirstChild()) {
      do node.children.push(visit());
      while (cursor.gotoNextSibling());
      cursor.gotoParent();
    }
    return node;
  };
  return visit();
}

function same(node: Parser.SyntaxNode, ref: Reference): string[] {
  const got = { type: node.type, start: node.startIndex, end: node.endIndex, row: node.startPosition.row, column: node.startPosition.column };
  const want = { type: ref.type, start: ref.start, end: ref.end, row: ref.row, column: ref.column };
  return JSON.stringify(got) === JSON.stringify(want) ? [] : [`${JSON.stringify(got)} != ${JSON.stringify(want)}`];
}

describe('fast node access', () => {
  test('is in use with the tree-sitter version the project pins', () => {
    expect(installFastNodeAccess()).toBe(true);
  });

  test('agrees with the cursor on every node: type, span, start point, children, fields, parent', () => {
    const tree = parseGo(SOURCE);
    const problems: string[] = [];
    let visited = 0;
    const check = (node: Parser.SyntaxNode, ref: Reference) => {
      visited++;
      problems.push(...same(node, ref));
      const children = node.children;
      const named = node.namedChildren;
      const refNamed = ref.children.filter((c) => c.named);
      if (children.length !== ref.children.length || named.length !== refNamed.length) {
        problems.push(`${ref.type} at ${ref.start}: ${children.length}/${named.length} children, cursor ${ref.children.length}/${refNamed.length}`);
        return;
      }
      ref.children.forEach((r, i) => {
        const child = children[i];
        if (node.child(i) !== child) problems.push(`${ref.type} at ${ref.start}: child(${i}) is another object than children[${i}]`);
        if (child.parent !== node) problems.push(`${r.type} at ${r.start}: its parent is another object`);
        if (r.field && node.childForFieldName(r.field) !== ref.children.map((_, j) => children[j]).find((_, j) => ref.children[j].field === r.field)) {
          problems.push(`${ref.type} at ${ref.start}: field ${r.field} is not the first child in it`);
        }
        check(child, r);
      });
      refNamed.forEach((r, i) => {
        if (node.namedChild(i) !== named[i]) problems.push(`${ref.type} at ${ref.start}: namedChild(${i}) is another object than namedChildren[${i}]`);
        const next = i + 1 < named.length ? named[i + 1] : null;
        if (named[i].nextNamedSibling !== next) problems.push(`${r.type} at ${r.start}: nextNamedSibling differs`);
        const previous = i > 0 ? named[i - 1] : null;
        if (named[i].previousNamedSibling !== previous) problems.push(`${r.type} at ${r.start}: previousNamedSibling differs`);
      });
      if (node.firstNamedChild !== (named[0] ?? null)) problems.push(`${ref.type} at ${ref.start}: firstNamedChild differs`);
      if (node.lastNamedChild !== (named[named.length - 1] ?? null)) problems.push(`${ref.type} at ${ref.start}: lastNamedChild differs`);
      if (node.lastChild !== (children[children.length - 1] ?? null)) problems.push(`${ref.type} at ${ref.start}: lastChild differs`);
      // The smallest node spanning this one's range: itself or a descendant of the same span, reached as the walk reaches it.
      let inner = node;
      while (inner.childCount === 1 && inner.children[0].startIndex === node.startIndex && inner.children[0].endIndex === node.endIndex) inner = inner.children[0];
      if (node.endIndex > node.startIndex && node.tree.rootNode.descendantForIndex(node.startIndex, node.endIndex) !== inner) problems.push(`${ref.type} at ${ref.start}: descendantForIndex gives another node`);
    };
    check(tree.rootNode, reference(tree));
    expect(problems).toEqual([]);
    expect(visited).toBeGreaterThan(150);
  });

  test('named children, asked for again, are the same array, which no caller can change', () => {
    const root = parseGo(SOURCE).rootNode;
    const named = root.namedChildren;
    expect(root.namedChildren).toBe(named);
    expect(() => (named as Parser.SyntaxNode[]).push(root)).toThrow(TypeError);
    expect(root.namedChildren.length).toBe(named.length);
  });

  test('a field the node lacks, or no field of the language, gives null; an end asked for again is the same', () => {
    const root = parseGo(SOURCE).rootNode;
    const method = root.namedChildren.find((n) => n.type === 'method_declaration')!;
    const name = method.childForFieldName('name')!;
    expect(name.text).toBe('Inc');
    expect(name.childForFieldName('body')).toBeNull();
    expect(method.childForFieldName('no_such_field')).toBeNull();
    expect([method.endIndex, method.endIndex]).toEqual([SOURCE.indexOf('\n}\n', SOURCE.indexOf('func (c')) + 2, SOURCE.indexOf('\n}\n', SOURCE.indexOf('func (c')) + 2]);
  });

  test('descendantsOfType finds the nodes the walk reaches, as the same objects, and text slices by character', () => {
    const tree = parseGo(SOURCE);
    const root = tree.rootNode;
    const literals = root.descendantsOfType('interpreted_string_literal');
    expect(literals.map((n) => n.text)).toEqual(['"fmt"', '"sync"', '"naïve ✓"']);
    const method = root.namedChildren.find((n) => n.type === 'method_declaration')!;
    const declared = method.childForFieldName('body')!.namedChild(0)!.namedChildren[2]!; // s := "naïve ✓" (the block wraps a statement_list)
    const value = declared.childForFieldName('right')!.namedChild(0)!;
    expect(literals[2]).toBe(value);
    expect(root.descendantsOfType(['go_statement']).map((n) => n.startPosition)).toEqual([{ row: 22, column: 1 }]);
    expect(root.hasError).toBe(true);
  });
});

// Prints tree-sitter-go's tree for a Go snippet: node test/tools/ast.mjs 'package p; func f() {}'
import Parser from 'tree-sitter';
import Go from 'tree-sitter-go';
const parser = new Parser();
parser.setLanguage(Go);
function print(node, depth, field) {
  if (!node.isNamed) return;
  const leaf = node.childCount === 0 ? ' ' + JSON.stringify(node.text) : '';
  console.log('  '.repeat(depth) + (field ? field + ': ' : '') + node.type + leaf);
  const cursor = node.walk();
  if (cursor.gotoFirstChild()) {
    do print(cursor.currentNode, depth + 1, cursor.currentFieldName);
    while (cursor.gotoNextSibling());
  }
}
print(parser.parse(process.argv[2]).rootNode, 0);

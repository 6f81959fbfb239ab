import Parser from 'tree-sitter';
import Go from 'tree-sitter-go';

let parser: Parser | undefined;

/** One parser per process: tree-sitter parsers are reusable and costly to create. */
export function parseGo(source: string): Parser.Tree {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(Go as unknown as Parser.Language);
  }
  return parser.parse(source);
}

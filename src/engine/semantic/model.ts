import { parseGo } from '../parse.js';
// placeholder while the semantic layer is written
export interface FileModel { source: string; lines: string[]; hasSyntaxErrors: boolean }
export function buildFileModel(source: string, _o: { goVersion?: string }): FileModel {
  const tree = parseGo(source);
  return { source, lines: source.split('\n'), hasSyntaxErrors: tree.rootNode.hasError };
}

/** Reads the `go 1.N[.P]` directive of a go.mod; the engine only needs major.minor. */
export function goVersionFromGoMod(text: string): string | undefined {
  const match = /^\s*go\s+(\d+\.\d+)(?:\.\d+|rc\d+|beta\d+)?\s*(?:\/\/.*)?$/m.exec(text);
  return match?.[1];
}

// Which documents netpath serves: C sources and headers of the tree, by file name. VS Code gives
// `.h` files the language id `cpp` (and users map `.c` to other ids), so the language id never
// decides. No `vscode` import, so it is tested with node --test.

/** Glob of the files the client hands to the server, relative to a workspace folder. */
export const SOURCE_GLOB = '**/*.{c,h}';

/** `when` clause of the editor menus: a C source or header on disk, whatever its language id. */
export const SOURCE_WHEN = 'resourceScheme == file && resourceExtname =~ /^\\.[ch]$/';

/** True for a `file:` URI (or a path) of a C source or header. */
export function isCSource(uriOrPath: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uriOrPath) && !uriOrPath.startsWith('file:')) return false;
  return /\.[ch]$/.test(uriOrPath.replace(/[?#].*$/, ''));
}

/**
 * Document filter patterns for the language client: `SOURCE_GLOB` under each folder, as absolute
 * glob strings (VS Code matches a string pattern against the document's path; the client passes
 * strings through unchanged, unlike pattern objects, which it converts differently for document
 * sync and for providers). A folder whose path holds glob syntax cannot be written into a glob:
 * it falls back to the pattern alone, and the server ignores files outside the tree it indexes.
 */
export function sourcePatterns(folders: string[]): string[] {
  if (!folders.length) return [SOURCE_GLOB];
  const out = folders.map((f) => (/[*?{}[\]!]/.test(f) ? SOURCE_GLOB : `${f.replace(/\\/g, '/').replace(/\/+$/, '')}/${SOURCE_GLOB}`));
  return [...new Set(out)];
}

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

// The map's command id, apart from the panel (which imports `vscode`) so tests can check package.json.
export const SHOW_PATH_MAP_COMMAND = 'netpath.showReceivePathMap';

// What the status bar says for an index state. Kept free of `vscode` so it is unit-tested with node --test.
import type { IndexStatus, IndexSummary } from '../../shared/protocol';

export interface StatusText {
  text: string;
  tooltip: string;
  /** Show as a warning (not a kernel tree, failed, cancelled). */
  warning: boolean;
}

const count = (n: number) => n.toLocaleString('en-US');

export function statusText(status: IndexStatus): StatusText {
  switch (status.state) {
    case 'starting':
      return { text: '$(sync~spin) netpath: starting…', tooltip: 'netpath: waiting for the language server', warning: false };
    case 'indexing': {
      const progress = status.total ? ` ${Math.floor(((status.done ?? 0) * 100) / status.total)}%` : '';
      const detail = status.total ? `${count(status.done ?? 0)} of ${count(status.total)} files parsed` : 'scanning the tree';
      return { text: `$(sync~spin) netpath: indexing…${progress}`, tooltip: `netpath: ${detail}`, warning: false };
    }
    case 'ready':
      return status.summary
        ? { text: `$(database) netpath: ${count(status.summary.files)} files`, tooltip: readyTooltip(status.summary, status.message), warning: false }
        : { text: '$(database) netpath', tooltip: 'netpath: ready', warning: false };
    case 'unavailable':
      return { text: '$(warning) netpath: no index', tooltip: status.message ?? 'netpath: the folder could not be indexed', warning: true };
  }
}

function readyTooltip(s: IndexSummary, note: string | undefined): string {
  const lines = [
    `Linux ${s.version ?? '(unknown version)'} at ${s.root}`,
    `scope: ${s.scope.join(', ')}`,
    `${count(s.files)} files, ${count(s.functions)} functions`,
    `opened in ${s.seconds.toFixed(1)} s (${count(s.indexed)} parsed, ${count(s.fromCache)} from cache${s.skipped ? `, ${count(s.skipped)} skipped` : ''})`,
  ];
  if (note) lines.push(note);
  lines.push('Click to show the log.');
  return lines.join('\n');
}

// The host quick pick shared by the live counters and "netpath: Probe for host…": this machine
// (`local`), the concrete Hosts of ~/.ssh/config, or a typed [user@]host, validated before it is
// ever handed to ssh (as one argv element after `--`).
import * as vscode from 'vscode';
import { LOCAL_PROBE_HOST } from '../../shared/protocol';
import { userSshConfigHosts, validateHost } from '../../live-counters/ssh-host';

export async function pickHost(title: string, localDescription: string): Promise<string | undefined> {
  const typed = '$(edit) Type a host…';
  const items: vscode.QuickPickItem[] = [
    { label: LOCAL_PROBE_HOST, description: localDescription },
    ...userSshConfigHosts().map((h) => ({ label: h, description: '~/.ssh/config' })),
    { label: typed },
  ];
  const choice = await vscode.window.showQuickPick(items, { title });
  if (!choice) return undefined;
  if (choice.label !== typed) return choice.label;
  return vscode.window.showInputBox({
    title,
    prompt: 'A Host of ~/.ssh/config or [user@]hostname; its key must already be in known_hosts',
    validateInput: (v) => {
      try {
        validateHost(v);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  }).then((v) => (v ? validateHost(v) : undefined));
}

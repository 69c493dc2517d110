import { useEffect, useState } from 'react';
import type { AppStatus } from '../../../shared/contract';
import { useChat } from '../chat/chat-store';
import { useUi } from '../store';
import { useSettings } from '../settings-state';

const MEMORY_KIND: Record<AppStatus['memory']['kind'], string> = { builtin: 'built-in', aigpt: 'aigpt (MCP)', off: 'off' };

function Busy() {
  const since = useChat((s) => s.busy?.since);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (since === undefined) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [since]);
  if (since === undefined) return null;
  const secs = Math.max(0, Math.floor((now - since) / 1000));
  return (
    <span className="busy" data-testid="status-busy" title="Esc stops it">
      <span className="spinner" aria-hidden="true" /> working {secs}s
    </span>
  );
}

function Provider() {
  const provider = useUi((s) => s.provider);
  const showSetup = useUi((s) => s.showSetup);
  const failure = useUi((s) => s.status?.providerError ?? null);
  if (!provider) return <span data-testid="status-provider">AI: …</span>;
  if (provider.provider === null) {
    return (
      <button type="button" className="link-button warn" data-testid="status-provider" onClick={() => showSetup(true)}>
        no provider: how to set one up
      </button>
    );
  }
  if (failure) {
    return (
      <span data-testid="status-provider" className="bad" title={failure} data-health="failing">
        {provider.provider}: not answering
      </span>
    );
  }
  return (
    <span data-testid="status-provider" title="AI model @ provider" data-health="ok">
      {provider.provider}
    </span>
  );
}

function Memory({ memory }: { memory: AppStatus['memory'] | undefined }) {
  if (!memory) return <span data-testid="status-memory">memory: …</span>;
  const rows = memory.rows !== null ? ` · ${memory.rows} ${memory.rows === 1 ? 'row' : 'rows'}` : '';
  return (
    <span
      data-testid="status-memory"
      className={memory.kind === 'off' || memory.problem ? 'warn' : undefined}
      title={memory.problem ?? memory.path}
    >
      memory: {MEMORY_KIND[memory.kind]}
      {rows}
      {memory.kind !== 'off' && memory.problem ? ' · not saving' : ''}
    </span>
  );
}

function Mcp({ servers }: { servers: AppStatus['mcp'] }) {
  return (
    <span data-testid="status-mcp" className="mcp" title="MCP servers">
      {servers.length === 0 ? (
        <span className="dim">MCP: none</span>
      ) : (
        servers.map((m) => (
          <span key={m.name} className={`chip mcp-${m.state}`} title={m.detail ?? m.state}>
            {m.name}: {m.state}
          </span>
        ))
      )}
    </span>
  );
}

/** Says when the rules are not the usual shipped floor plus config.toml: dropped, or the safe fallback. */
function Policy({ policy }: { policy: AppStatus['policy'] }) {
  if (!policy) return null;
  if (policy.fallback) {
    return (
      <span
        data-testid="status-policy"
        className="chip policy-fallback"
        title="config.toml has problems (aios doctor): every command and tool call needs approval; the shipped deny list applies"
      >
        policy: safe fallback
      </span>
    );
  }
  if (policy.shipped === 'replaced') {
    return (
      <span
        data-testid="status-policy"
        className="chip policy-replaced"
        title="[permissions] replace_shipped = true: the shipped rules, deny list included, are not in force"
      >
        policy: shipped rules dropped
      </span>
    );
  }
  return (
    <span data-testid="status-policy" className="policy" title="The shipped rules plus config.toml's own">
      policy: shipped + yours{policy.profile ? ` · profile ${policy.profile}` : ''}
    </span>
  );
}

export function StatusBar() {
  const info = useUi((s) => s.info);
  const status = useUi((s) => s.status);
  const connection = useUi((s) => s.connection);
  const renderer = useUi((s) => s.terminalRenderer);
  return (
    <footer className="status-bar" aria-label="Status">
      <span className={`connection ${connection}`} title="Connection to the aios core">
        {connection === 'open' ? 'connected' : connection}
      </span>
      <span data-testid="status-machine" title="Machine">
        {status?.machine ?? info?.machine ?? '…'}
      </span>
      <Provider />
      <Memory memory={status?.memory} />
      <Mcp servers={status?.mcp ?? []} />
      <Policy policy={status?.policy} />
      {status && !status.sandbox.available && (
        <span data-testid="status-sandbox" className="warn" title={status.sandbox.detail}>
          sandbox: off
        </span>
      )}
      <Busy />
      <span className="spacer" />
      <button
        type="button"
        className="link-button"
        data-testid="status-settings"
        onClick={() => useSettings.getState().show()}
        title="AI provider, model and key"
      >
        Settings
      </button>
      {renderer && <span title="Terminal renderer">terminal: {renderer}</span>}
      {info && (
        <span title={`Config: ${info.configFile}`}>
          aios {info.version} · {info.host}
        </span>
      )}
    </footer>
  );
}

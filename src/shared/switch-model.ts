/**
 * `/model` in both chats: list the models the provider offers, or switch to
 * one of them. Through the setup calls every host already has, so the new
 * model is saved in config.toml as the setup form saves it.
 */
import type { CallName, CallRequest, CallResponse } from './contract';

type Call = <N extends CallName>(name: N, req: CallRequest<N>) => Promise<CallResponse<N>>;

/** What to tell the person, in plain text (one line per model when listing). */
export async function switchModel(call: Call, wanted: string): Promise<string> {
  const state = await call('setup.state', {});
  const target = { ...(state.ai.baseUrl ? { baseUrl: state.ai.baseUrl } : {}), apiKeyEnv: state.ai.apiKeyEnv };
  const probe = await call('setup.testProvider', target);
  const current = state.ai.model;
  if (!wanted) {
    if (!probe.ok) return `the provider at ${probe.url} did not list its models: ${probe.message}`;
    const lines = probe.models.map((m) => `${m === current ? '*' : ' '} ${m}`);
    return [`models at ${probe.url} (* in use); /model NAME switches:`, ...lines].join('\n');
  }
  if (probe.ok && !probe.models.includes(wanted)) {
    return `${probe.url} has no model ${wanted}; /model lists the ${probe.models.length} it has`;
  }
  if (wanted === current) return `already using ${wanted}`;
  const saved = await call('setup.saveProvider', { ...target, model: wanted });
  if (saved.problem) return `saved to ${saved.file}, but: ${saved.problem}`;
  return `now using ${saved.provider ?? wanted} (saved to ${saved.file}); the conversation goes on`;
}

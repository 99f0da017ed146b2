// One cluster: its topology kept live from the SSE stream, the lifecycle, switchover, failover, the failover policy
// and its operations.
import { call, follow, problemText } from './api.js';
import { el } from './ui.js';
import { topologySection } from './topology.js';
import { switchoverSection } from './switchover.js';
import { failoverSection } from './failover.js';
import { policySection } from './policy.js';
import { operationsSection } from './operations.js';

// The stream announces a new topology version (a role or status change); lag and positions move without one.
const positionsRefreshMilliseconds = 5000;

export async function clusterPage(main, [id], signal) {
  const load = async () => {
    const answer = await call('GET', `/api/clusters/${id}`);
    if (!answer.ok) throw new Error(problemText(answer));
    return answer.body;
  };
  let cluster = await load();
  const live = el('p', { class: 'live', 'aria-live': 'polite' }, 'Connecting to the live topology…');
  const topology = topologySection(id, () => refresh());
  const failover = failoverSection(id, () => refresh());
  const operations = operationsSection(id);
  main.replaceChildren(
    el('h1', {}, `Cluster ${cluster.name}`, el('small', {}, ` ${cluster.flavor}`)),
    live,
    topology.element,
    switchoverSection(id, cluster),
    failover.element,
    policySection(id, cluster),
    operations.element);

  async function refresh() {
    if (signal.aborted) return;
    cluster = await load();
    topology.show(cluster);
    failover.show(cluster);
    await operations.show();
  }
  await refresh();

  const timer = setInterval(() => refresh().catch(() => {}), positionsRefreshMilliseconds);
  signal.addEventListener('abort', () => clearInterval(timer));
  follow(`/api/clusters/${id}/topology/stream`, (_, published) => {
    live.textContent = published === null
      ? 'Live: no topology published yet.'
      : `Live: topology version ${published.version}, ${published.state}.`;
    refresh().catch(() => {});
  }, signal).catch(error => {
    if (!signal.aborted) live.textContent = `The live stream stopped (${error.message}); reload to reconnect.`;
  });
}

// The registered clusters, each instance with its role and status.
import { call, problemText } from './api.js';
import { badge, el, table } from './ui.js';

export async function clustersPage(main) {
  const answer = await call('GET', '/api/clusters');
  if (!answer.ok) throw new Error(problemText(answer));
  main.replaceChildren(
    el('h1', {}, 'Clusters'),
    answer.body.length === 0
      ? el('p', {}, 'No cluster is registered yet (POST /api/clusters, or scripts/demo.sh for the sandbox).')
      : table('Registered clusters', ['Cluster', 'Flavor', 'Instances', 'Operation'], answer.body.map(cluster => [
        el('a', { href: `#/clusters/${cluster.id}` }, cluster.name),
        cluster.flavor,
        el('ul', { class: 'inline' }, cluster.instances.map(instance =>
          el('li', {}, `${instance.name} ${instance.role} `, badge(instance.status)))),
        cluster.runningOperation ? el('a', { href: `#/operations/${cluster.runningOperation}` }, 'running') : 'none',
      ])));
}

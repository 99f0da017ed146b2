// The cluster's instances as the servers report them (who replicates from whom, lag, GTID position) with the
// monitor's status, and the lifecycle actions the caller's role allows, each confirmed first.
import { call, may, problemText } from './api.js';
import { badge, confirmAction, el, notify, section, table } from './ui.js';

const lifecycle = {
  register: (instance, role) => `Gives ${instance.name} the role ${role}. Only MySqlHa's records change.`,
  unregister: instance => `Removes ${instance.name}'s role. Replication on the server is left alone.`,
  activate: instance => instance.role === 'master'
    ? `Starts the reverse channel from the standby on the master ${instance.name}.`
    : `Points ${instance.name} at the master (CHANGE MASTER TO … MASTER_USE_GTID) and starts replication.`,
  detach: instance => `Stops replication on ${instance.name} and forgets its source; the data stays.`,
  pause: instance => instance.role === 'master'
    ? `Makes the master ${instance.name} read-only: writes stop until it is resumed.`
    : `Stops ${instance.name}'s replication threads.`,
  resume: instance => instance.role === 'master'
    ? `Makes the master ${instance.name} writable again.`
    : `Starts ${instance.name}'s replication threads again.`,
};

export function topologySection(id, changed) {
  const element = section('topology', 'Topology');
  let shown = '';
  return {
    element,
    show(cluster) {
      const rows = cluster.instances.map(instance => row(cluster, instance, may('operator') ? actions(cluster, instance) : null));
      // Unchanged data is not drawn again, so that focus and a half-chosen role stay where they are.
      const drawn = JSON.stringify(rows.map(cells => cells.map(cell => cell instanceof Node ? cell.outerHTML : String(cell))));
      if (drawn === shown) return;
      shown = drawn;
      const headers = ['Instance', 'Role', 'Status', 'Replicates from', 'Lag (s)', 'IO / SQL', 'GTID executed', 'Binlog', 'Writable'];
      element.replaceChildren(element.firstChild,
        table(`Instances of ${cluster.name}`, may('operator') ? [...headers, 'Actions'] : headers, rows));
    },
  };

  function actions(cluster, instance) {
    const run = async (action, role) => {
      const confirmed = await confirmAction(`${action[0].toUpperCase()}${action.slice(1)} ${instance.name}?`, lifecycle[action](instance, role), action);
      if (!confirmed) return;
      const answer = await call('POST', `/api/clusters/${id}/instances/${encodeURIComponent(instance.name)}/${action}`, role ? { role } : undefined);
      notify(answer.ok ? `${action} ${instance.name}: done.` : `${action} ${instance.name} refused: ${problemText(answer)}`, !answer.ok);
      changed();
    };
    const button = (action, role) => el('button', { type: 'button', onclick: () => run(action, role) }, action);
    if (instance.role === 'unregistered') {
      const role = el('select', { id: `role-${instance.name}`, 'aria-label': `Role for ${instance.name}` },
        ['replica', 'standby', 'master'].map(name => el('option', { value: name }, name)));
      return el('div', { class: 'actions' }, role, el('button', { type: 'button', onclick: () => run('register', role.value) }, 'register'));
    }
    const hasStandby = cluster.instances.some(other => other.role === 'standby');
    return el('div', { class: 'actions' },
      !instance.replicationActive && (instance.role !== 'master' || hasStandby) && button('activate'),
      instance.replicationActive && instance.role !== 'master' && button('detach'),
      instance.paused ? button('resume') : button('pause'),
      button('unregister'));
  }
}

function row(cluster, instance, actionCell) {
  const discovered = cluster.topology?.instances.find(found => found.name === instance.name);
  const snapshot = discovered?.snapshot;
  const replication = snapshot?.replication;
  const status = el('span', {}, badge(instance.status), instance.paused ? ' paused' : '',
    instance.statusReason ? el('small', { class: 'reason' }, ` ${instance.statusReason}`) : '');
  const cells = [
    el('a', { href: `#/clusters/${cluster.id}/instances/${encodeURIComponent(instance.name)}` }, instance.name),
    instance.role + (instance.fenced ? ' (fenced)' : ''),
    status,
    discovered?.reachable === false ? `unreachable: ${discovered.failure ?? ''}` : (discovered?.replicatesFrom ?? (replication ? 'outside the cluster' : '—')),
    replication?.secondsBehindSource ?? '—',
    replication ? `${replication.ioThread} / ${replication.sqlThread}` : '—',
    el('code', {}, snapshot?.gtidExecuted || '—'),
    snapshot?.binaryLog ? `${snapshot.binaryLog.file}:${snapshot.binaryLog.position}` : '—',
    snapshot ? (snapshot.readOnly ? 'no' : 'yes') : '—',
  ];
  return actionCell === null ? cells : [...cells, actionCell];
}

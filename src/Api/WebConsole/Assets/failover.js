// LAIN's emergency switch, offered only while the master's status is ERROR (the API refuses it otherwise), and the
// acknowledgement that lifts the block on automatic failover after one. Both are an admin's.
import { call, may, problemText } from './api.js';
import { confirmAction, el, notify, section, time } from './ui.js';

export function failoverSection(id, changed) {
  const element = section('failover', 'Failover');
  const body = el('div');
  element.append(body);
  let shown = '';
  return {
    element,
    show(cluster) {
      const master = cluster.instances.find(instance => instance.role === 'master');
      // A replica of a dead master is in ERROR too (its IO thread cannot connect): the API judges the candidates.
      const candidates = cluster.instances.filter(instance => instance.role === 'replica' || instance.role === 'standby');
      const state = JSON.stringify([master?.status, cluster.automaticFailoverBlockedUntil, candidates.map(instance => instance.name)]);
      if (state === shown) return;
      shown = state;
      const failing = master?.status === 'ERROR';
      body.replaceChildren(...[
        el('p', {}, failing
          ? `The master ${master.name} is in ERROR${master.statusReason ? `: ${master.statusReason.replace(/\.$/, '')}` : ''}.`
          : `The master ${master?.name ?? '(none)'} is ${master?.status ?? 'not registered'}; emergency failover is offered only while it is ERROR.`),
        cluster.automaticFailoverBlockedUntil
          ? el('p', {}, `Automatic failover is blocked until ${time(cluster.automaticFailoverBlockedUntil)} (anti-flapping).`)
          : null,
        !may('admin') ? el('p', {}, 'Admins may fail over and acknowledge.') : null,
        may('admin') && failing ? emergencyForm(master, candidates) : null,
        may('admin') && cluster.automaticFailoverBlockedUntil ? acknowledgeForm() : null,
      ].filter(Boolean));
    },
  };

  function emergencyForm(master, candidates) {
    const candidate = el('select', { id: 'failover-candidate' }, el('option', { value: '' }, 'chosen by MySqlHa'),
      candidates.map(instance => el('option', { value: instance.name }, instance.name)));
    const reason = el('input', { id: 'failover-reason', type: 'text' });
    const form = el('form', {},
      el('label', { for: 'failover-candidate' }, 'Candidate to promote'), candidate,
      el('label', { for: 'failover-reason' }, 'Reason (recorded)'), reason,
      el('button', { type: 'submit', class: 'danger' }, 'Emergency failover'));
    form.addEventListener('submit', async event => {
      event.preventDefault();
      const target = candidate.value || 'the candidate MySqlHa chooses';
      if (!await confirmAction('Emergency failover?', `Fences the failed master ${master.name} and promotes ${target}. Transactions that never left ${master.name} are lost.`, 'Fail over')) return;
      const answer = await call('POST', `/api/clusters/${id}/failover`, { candidate: candidate.value || null, reason: reason.value || null });
      if (!answer.ok) { notify(`The failover did not start: ${problemText(answer)}`, true); return; }
      location.hash = `#/operations/${answer.body.operationId}`;
    });
    return form;
  }

  function acknowledgeForm() {
    const note = el('input', { id: 'acknowledge-note', type: 'text' });
    const form = el('form', {}, el('label', { for: 'acknowledge-note' }, 'Note'), note,
      el('button', { type: 'submit' }, 'Acknowledge the last failover'));
    form.addEventListener('submit', async event => {
      event.preventDefault();
      if (!await confirmAction('Acknowledge the failover?', 'Automatic failover is allowed again from now on.', 'Acknowledge')) return;
      const answer = await call('POST', `/api/clusters/${id}/failover/acknowledge`, { note: note.value || null });
      notify(answer.ok ? 'Acknowledged: automatic failover is allowed again.' : `Not acknowledged: ${problemText(answer)}`, !answer.ok);
      changed();
    });
    return form;
  }
}

// Planned switchover: the dry run's plan is shown and confirmed before the switchover starts; then the operation's
// page follows its progress.
import { call, may, problemText } from './api.js';
import { confirmAction, el, notify, section } from './ui.js';

export function switchoverSection(id, cluster) {
  const element = section('switchover', 'Switchover');
  if (!may('operator')) {
    element.append(el('p', {}, 'Operators and admins may run a switchover.'));
    return element;
  }
  const candidate = el('select', { id: 'switchover-candidate' },
    el('option', { value: '' }, 'chosen by MySqlHa (the standby, else the most advanced healthy replica)'),
    cluster.instances.filter(instance => instance.role === 'replica' || instance.role === 'standby')
      .map(instance => el('option', { value: instance.name }, instance.name)));
  const killSessions = el('input', { id: 'switchover-kill', type: 'checkbox' });
  const plan = el('div', { class: 'plan', 'aria-live': 'polite' });
  const form = el('form', {},
    el('label', { for: 'switchover-candidate' }, 'Candidate'), candidate,
    el('div', { class: 'check' }, killSessions, el('label', { for: 'switchover-kill' }, "Kill the old master's sessions that outlast the transaction wait")),
    el('button', { type: 'submit' }, 'Plan switchover'),
    plan);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const request = { candidate: candidate.value || null, killSessions: killSessions.checked };
    const dryRun = await call('POST', `/api/clusters/${id}/switchover?dryRun=true`, request);
    if (!dryRun.ok) {
      notify(`The switchover cannot be planned: ${problemText(dryRun)}`, true);
      return;
    }
    const steps = describe(dryRun.body);
    plan.replaceChildren(el('h3', {}, 'Plan (dry run)'), steps.cloneNode(true));
    if (!dryRun.body.wouldRun) {
      notify(`The switchover would be refused: ${dryRun.body.refusal}`, true);
      return;
    }
    if (!await confirmAction(`Switch over to ${dryRun.body.candidate}?`, steps, 'Switch over')) return;
    const started = await call('POST', `/api/clusters/${id}/switchover`, { ...request, candidate: dryRun.body.candidate });
    if (!started.ok) {
      notify(`The switchover did not start: ${problemText(started)}`, true);
      return;
    }
    notify(`Switchover ${started.body.operationId} started.`);
    location.hash = `#/operations/${started.body.operationId}`;
  });
  element.append(form);
  return element;
}

function describe(plan) {
  if (!plan.wouldRun) return el('p', { class: 'failed' }, `Refused: ${plan.refusal}`);
  return el('ol', {},
    el('li', {}, `Hold new writes and freeze the old master ${plan.oldMaster}.`),
    el('li', {}, `Let ${plan.candidate} catch up with every transaction of ${plan.oldMaster}, then promote it.`),
    el('li', {}, plan.replicas.length > 0 ? `Repoint ${plan.replicas.join(', ')} to ${plan.candidate}.` : 'No other replica to repoint.'),
    el('li', {}, plan.mutual
      ? `${plan.oldMaster} becomes the standby of ${plan.candidate} (mutual pair).`
      : `${plan.oldMaster} becomes a replica of ${plan.candidate}.`),
    el('li', {}, 'Release the held writes to the new master.'));
}

// The cluster's failover policy: read by everyone, changed by admins.
import { call, may, problemText } from './api.js';
import { el, notify, section } from './ui.js';

// The API shows periods as TimeSpans ("00:10:00", "1.00:00:00") and takes them in seconds.
const seconds = span => {
  const [, days, hours, minutes, rest] = /^(?:(\d+)\.)?(\d+):(\d+):([\d.]+)$/.exec(span);
  return Number(days ?? 0) * 86400 + Number(hours) * 3600 + Number(minutes) * 60 + Number(rest);
};

export function policySection(id, cluster) {
  const policy = cluster.failoverPolicy;
  const editable = may('admin');
  const field = (name, label, input) => el('div', { class: 'field' }, el('label', { for: `policy-${name}` }, label), input);
  const automatic = el('input', { id: 'policy-automatic', type: 'checkbox', checked: policy.automatic, disabled: !editable });
  const blockPeriod = el('input', { id: 'policy-block', type: 'number', min: '0', value: seconds(policy.blockPeriod), disabled: !editable });
  const relayLogTimeout = el('input', { id: 'policy-relay', type: 'number', min: '1', value: seconds(policy.relayLogTimeout), disabled: !editable });
  const registered = cluster.instances.filter(instance => instance.role !== 'unregistered');
  const perInstance = registered.map(instance => ({
    name: instance.name,
    neverPromote: el('input', { id: `policy-never-${instance.name}`, type: 'checkbox', checked: policy.neverPromote.includes(instance.name), disabled: !editable }),
    priority: el('input', { id: `policy-priority-${instance.name}`, type: 'number', value: policy.priorities[instance.name] ?? 0, disabled: !editable }),
  }));
  const form = el('form', {},
    el('div', { class: 'check' }, automatic, el('label', { for: 'policy-automatic' }, 'Automatic failover')),
    field('block', 'Block period after a failover (s)', blockPeriod),
    field('relay', 'Relay log timeout (s)', relayLogTimeout),
    el('fieldset', {}, el('legend', {}, 'Per instance'), perInstance.map(entry => el('div', { class: 'field inline' },
      el('span', {}, entry.name),
      el('div', { class: 'check' }, entry.neverPromote, el('label', { for: `policy-never-${entry.name}` }, 'never promote')),
      el('label', { for: `policy-priority-${entry.name}` }, 'priority'), entry.priority))),
    editable ? el('button', { type: 'submit' }, 'Save the policy') : el('p', {}, 'Admins may change the policy.'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const answer = await call('PUT', `/api/clusters/${id}/failover-policy`, {
      automatic: automatic.checked,
      blockPeriodSeconds: Number(blockPeriod.value),
      relayLogTimeoutSeconds: Number(relayLogTimeout.value),
      neverPromote: perInstance.filter(entry => entry.neverPromote.checked).map(entry => entry.name),
      priorities: Object.fromEntries(perInstance.map(entry => [entry.name, Number(entry.priority.value)])),
    });
    notify(answer.ok ? 'The failover policy is saved.' : `The policy was refused: ${problemText(answer)}`, !answer.ok);
  });
  return section('policy', 'Failover policy', form);
}

// The cluster's switchovers and failovers, newest first, each linking to its timeline.
import { call, problemText } from './api.js';
import { badge, el, section, table, time } from './ui.js';

export function operationsSection(id) {
  const element = section('operations', 'Operations');
  const list = el('div');
  element.append(list);
  let shown = '';
  return {
    element,
    async show() {
      const answer = await call('GET', `/api/clusters/${id}/operations`);
      const drawn = JSON.stringify(answer.body);
      if (drawn === shown) return;
      shown = drawn;
      if (!answer.ok) { list.replaceChildren(el('p', { class: 'failed' }, problemText(answer))); return; }
      list.replaceChildren(answer.body.length === 0 ? el('p', {}, 'No switchover or failover yet.')
        : table('Operations, newest first', ['Started', 'Kind', 'State', 'Last step'], [...answer.body].reverse().map(operation => [
          el('a', { href: `#/operations/${operation.id}` }, time(operation.startedAt)),
          operation.kind,
          badge(operation.state),
          operation.lastEvent,
        ])));
    },
  };
}

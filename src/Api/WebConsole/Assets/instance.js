// One instance: its record, and its SHOW ... STATUS outputs with a search (as LAIN's console had).
import { call, problemText } from './api.js';
import { badge, el, table } from './ui.js';

export async function instancePage(main, [id, name]) {
  const search = el('input', { id: 'stats-search', type: 'search', placeholder: 'gtid, Threads_, innodb…' });
  const results = el('div', { 'aria-live': 'polite' });
  const form = el('form', { role: 'search' }, el('label', { for: 'stats-search' }, 'Search the stats'), search, el('button', { type: 'submit' }, 'Search'));
  main.replaceChildren(
    el('p', {}, el('a', { href: `#/clusters/${id}` }, 'Back to the cluster')),
    el('h1', {}, `Instance ${name}`),
    form,
    results);
  const show = async () => {
    const answer = await call('GET', `/api/clusters/${id}/instances/${encodeURIComponent(name)}/stats?search=${encodeURIComponent(search.value)}`);
    if (!answer.ok) { results.replaceChildren(el('p', { class: 'failed' }, problemText(answer))); return; }
    const view = answer.body;
    const pairs = (caption, values) => Object.keys(values ?? {}).length === 0 ? null
      : table(caption, ['Name', 'Value'], Object.entries(values).map(([key, value]) => [key, el('code', {}, value)]));
    results.replaceChildren(...[
      el('p', {}, 'Status: ', badge(view.status), view.reason ? ` ${view.reason}` : '',
        view.queriesPerSecond === null ? '' : ` — ${view.queriesPerSecond.toFixed(1)} queries/s`),
      pairs('SHOW SLAVE STATUS', view.stats.replicaStatus),
      pairs('SHOW GLOBAL STATUS', view.stats.globalStatus),
      pairs('SHOW GLOBAL VARIABLES', view.stats.globalVariables),
      view.stats.innoDbStatus ? el('details', {}, el('summary', {}, 'SHOW ENGINE INNODB STATUS'), el('pre', {}, view.stats.innoDbStatus)) : null,
    ].filter(Boolean));
  };
  form.addEventListener('submit', event => { event.preventDefault(); show(); });
  await show();
}

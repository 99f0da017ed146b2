// One operation's timeline: every step with its time, actor and the positions it saw, followed while it runs.
import { call, problemText } from './api.js';
import { badge, el, time } from './ui.js';

const pollMilliseconds = 1000;

export async function operationPage(main, [id], signal) {
  const heading = el('h1', {}, 'Operation');
  const state = el('p', { 'aria-live': 'polite' });
  const steps = el('ol', { class: 'timeline' });
  main.replaceChildren(heading, state, steps);
  let clusterLinked = false;
  while (!signal.aborted) {
    const answer = await call('GET', `/api/operations/${id}`);
    // The operation's stream appears once its saga has started: a 404 until then.
    if (answer.status === 404) state.replaceChildren('Starting…');
    else if (!answer.ok) throw new Error(problemText(answer));
    else {
      const operation = answer.body;
      const clusterId = operation.steps.map(step => step.data?.clusterId).find(Boolean);
      if (clusterId && !clusterLinked) {
        clusterLinked = true;
        main.insertBefore(el('p', {}, el('a', { href: `#/clusters/${clusterId}` }, 'Back to the cluster')), state);
      }
      heading.textContent = `Operation ${operation.id}`;
      state.replaceChildren('State: ', badge(operation.state));
      steps.replaceChildren(...operation.steps.map(step => el('li', {},
        el('div', { class: 'step' }, el('strong', {}, step.event), el('span', {}, ` ${time(step.at)}`), step.actor ? el('span', {}, ` by ${step.actor}`) : null),
        facts(step.data))));
      if (operation.state !== 'running') return;
    }
    await new Promise(resolve => setTimeout(resolve, pollMilliseconds));
  }
}

// The step's recorded facts (positions, instances, reasons), ids left out.
function facts(data) {
  const entries = Object.entries(data ?? {}).filter(([name, value]) =>
    value !== null && value !== '' && !/id$/i.test(name) && !(Array.isArray(value) && value.length === 0));
  return entries.length === 0 ? null : el('dl', {}, entries.flatMap(([name, value]) => [
    el('dt', {}, name),
    el('dd', {}, typeof value === 'object' ? el('code', {}, JSON.stringify(value)) : /at$/i.test(name) ? time(value) : String(value)),
  ]));
}

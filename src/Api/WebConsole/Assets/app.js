// The console's router: #/ the clusters, #/clusters/{id} one cluster, #/clusters/{id}/instances/{name} an
// instance, #/operations/{id} an operation. Every page gets an AbortSignal that fires when the user leaves it.
import { resume, signIn, signOut, signedIn } from './api.js';
import { el, notify } from './ui.js';
import { clustersPage } from './clusters.js';
import { clusterPage } from './cluster.js';
import { instancePage } from './instance.js';
import { operationPage } from './operation.js';

const routes = [
  [/^#\/clusters\/([^/]+)\/instances\/([^/]+)$/, instancePage],
  [/^#\/clusters\/([^/]+)$/, clusterPage],
  [/^#\/operations\/([^/]+)$/, operationPage],
  [/^(#\/?)?$/, clustersPage],
];
let leaving = new AbortController();

async function show() {
  leaving.abort();
  leaving = new AbortController();
  const main = document.getElementById('page');
  showCaller();
  if (signedIn() === null) {
    main.replaceChildren(signInForm());
    return;
  }
  const [pattern, page] = routes.find(([pattern]) => pattern.test(location.hash)) ?? routes.at(-1);
  const parameters = location.hash.match(pattern)?.slice(1).map(decodeURIComponent) ?? [];
  main.replaceChildren(el('p', {}, 'Loading…'));
  try {
    await page(main, parameters, leaving.signal);
  } catch (error) {
    if (!leaving.signal.aborted) main.replaceChildren(el('p', { class: 'failed' }, `The page could not be shown: ${error.message}`));
  }
}

function showCaller() {
  const caller = signedIn();
  document.getElementById('caller').replaceChildren(...(caller === null ? [] : [
    el('span', {}, `${caller.name} (${caller.role})`),
    el('button', { type: 'button', onclick: () => { signOut(); show(); } }, 'Sign out'),
  ]));
}

function signInForm() {
  const key = el('input', { id: 'api-key', type: 'password', autocomplete: 'off', required: true });
  const form = el('form', { class: 'sign-in' },
    el('h1', {}, 'Sign in'),
    el('p', {}, 'Paste an API key. Its role decides what you may do here: a viewer reads, an operator also runs the lifecycle and switchovers, an admin also fails over and sets the failover policy.'),
    el('label', { for: 'api-key' }, 'API key'),
    key,
    el('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const refusal = await signIn(key.value.trim());
    if (refusal === null) { notify(`Signed in as ${signedIn().name}.`); show(); } else notify(`Not signed in: ${refusal}`, true);
  });
  queueMicrotask(() => key.focus());
  return form;
}

window.addEventListener('hashchange', show);
await resume();
show();

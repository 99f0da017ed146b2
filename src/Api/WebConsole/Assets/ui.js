// Small helpers to build the pages' DOM and ask for confirmation; no framework.

// el('button', { class: 'x', onclick }, 'text', child...): attributes starting with "on" become listeners.
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// A table with a caption, column headers and one row per item (cells are strings or nodes).
export function table(caption, headers, rows, label) {
  return el('div', { class: 'scroll', role: 'region', 'aria-label': label ?? caption, tabindex: '0' },
    el('table', {},
      el('caption', {}, caption),
      el('thead', {}, el('tr', {}, headers.map(header => el('th', { scope: 'col' }, header)))),
      el('tbody', {}, rows.map(cells => el('tr', {}, cells.map(cell => el('td', {}, cell)))))));
}

export const badge = status => el('span', { class: `badge ${String(status ?? '').toLowerCase()}` }, status ?? '—');

// Says something to the user (and to screen readers through the live region).
export function notify(message, failed = false) {
  const notice = document.getElementById('notice');
  notice.className = failed ? 'failed' : 'done';
  notice.textContent = message;
}

// Opens the confirmation dialog with `body` (nodes or text); resolves true on Confirm, false on Cancel or Escape.
export function confirmAction(title, body, confirmLabel = 'Confirm') {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-body').replaceChildren(...[body].flat().map(part => part instanceof Node ? part : el('p', {}, part)));
  document.getElementById('confirm-ok').textContent = confirmLabel;
  dialog.returnValue = 'cancel';
  dialog.showModal();
  return new Promise(resolve => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true }));
}

export const time = value => value ? new Date(value).toLocaleString() : '—';

// A page section named by its heading (so that screen readers list it as a region with that name).
export const section = (name, title, ...children) =>
  el('section', { 'aria-labelledby': `${name}-title` }, el('h2', { id: `${name}-title` }, title), ...children);

// The list of problems beside an editor: the server's deploy checks ("server") and the
// browser's bpmnlint ("lint"), each naming the element (clicking selects it), the file when
// it is another one, and the line where known.

import { h } from './page.js';
import { SHARED, translator } from './i18n.js';

const t = translator(SHARED);

/**
 * @typedef {{source: 'server'|'lint', severity: 'error'|'warning', file?: string,
 *   element?: string, name?: string, line?: number|null, message: string,
 *   known?: boolean}} Problem
 */

/** GET the check URL: {"problems": [{file, element, name, line, message}]}. */
export function fetchServerProblems(url) {
  if (!url) {
    return Promise.resolve([]);
  }
  return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then((response) => {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    })
    .then((data) =>
      (Array.isArray(data && data.problems) ? data.problems : []).map((problem) => ({
        source: 'server',
        severity: 'error',
        file: problem.file || '',
        element: problem.element || '',
        name: problem.name || '',
        line: problem.line || null,
        message: String(problem.message || '')
      }))
    );
}

export class ProblemList {
  /**
   * @param {HTMLElement} parent
   * @param {{file: string, onSelect: (id: string) => void}} options
   */
  constructor(parent, { file, onSelect }) {
    this.file = file;
    this.onSelect = onSelect;
    this.server = [];
    this.lint = [];
    this.serverState = 'loading';
    this.heading = h('h3', { class: 'studio-problems-title' }, t('problems'));
    this.summary = h('p', { class: 'studio-problems-summary', 'aria-live': 'polite' });
    this.list = h('ul', { class: 'studio-problems-list' });
    this.root = h('section', { class: 'studio-problems', 'data-state': 'loading' },
      this.heading, this.summary, this.list);
    parent.appendChild(this.root);
    this.render();
  }

  setServer(problems, state = 'ready') {
    this.server = problems;
    this.serverState = state;
    this.render();
  }

  setLint(problems) {
    this.lint = problems;
    this.render();
  }

  all() {
    return [...this.server, ...this.lint];
  }

  render() {
    const problems = this.all();
    this.list.replaceChildren(...problems.map((problem) => this.item(problem)));
    const counts = { server: this.server.length, lint: this.lint.length };
    this.root.dataset.server = String(counts.server);
    this.root.dataset.lint = String(counts.lint);
    this.root.dataset.state = this.serverState;
    let summary;
    if (this.serverState === 'loading') {
      summary = t('checking');
    } else if (this.serverState === 'error') {
      summary = t('checkFailed');
    } else if (!problems.length) {
      summary = t('noProblems');
    } else {
      summary = '';
    }
    this.summary.textContent = summary;
    this.summary.hidden = !summary;
  }

  item(problem) {
    const elsewhere = problem.file && this.file && problem.file !== this.file;
    const label = problem.name && problem.element && problem.name !== problem.element
      ? `${problem.name} (${problem.element})`
      : problem.name || problem.element || '';
    const where = [];
    if (elsewhere) {
      where.push(t('otherFile', { file: problem.file }));
    }
    if (problem.line) {
      where.push(t('line', { line: problem.line }));
    }
    const selectable = problem.element && !elsewhere && problem.known !== false;
    const body = [
      h('span', { class: `studio-problem-source studio-problem-${problem.source}` }, t(problem.source)),
      h('span', { class: `studio-problem-severity studio-problem-${problem.severity}` },
        t(problem.severity)),
      label ? h('strong', { class: 'studio-problem-element' }, label) : null,
      h('span', { class: 'studio-problem-message' }, problem.message),
      where.length ? h('small', { class: 'studio-problem-where' }, where.join(' · ')) : null
    ];
    const attributes = {
      class: `studio-problem studio-problem-${problem.source} studio-problem-${problem.severity}`,
      'data-source': problem.source,
      'data-element': problem.element || '',
      'data-file': problem.file || ''
    };
    if (!selectable) {
      return h('li', attributes, h('div', { class: 'studio-problem-body' }, body));
    }
    return h('li', attributes, h('button', {
      type: 'button',
      class: 'studio-problem-body',
      onclick: () => this.onSelect(problem.element)
    }, body));
  }
}

// The BPMN editor of a draft file (data-kind="bpmn"): bpmn-js's Modeler (vendored dist,
// window.BpmnJS) with Doudi's properties panel, bpmnlint and the server's deploy checks shown
// at their elements. Saving writes the XML into the page's textarea and posts its form.

import spiffworkflow from './spiffworkflow.json';
import DoudiPropertiesPanel from './panel.js';
import DoudiLinting from './lint/index.js';
import { MultiCommandHandler } from './properties.js';
import { TranslateModule } from './translate.js';
import { ProblemList, fetchServerProblems } from '../shared/problems.js';
import { SHARED, translator } from '../shared/i18n.js';
import { getPage, h, saveButton, wireSave } from '../shared/page.js';

const t = translator({
  ...SHARED,
  serverNote: ['部署检查针对最近一次保存的内容', 'Server checks are of the last saved text'],
  problemCount: ['{count} 个问题', '{count} problems']
});

const CommandsModule = {
  __init__: [ [ 'commandStack', (commandStack) => commandStack.registerHandler('doudi.multi', MultiCommandHandler) ] ]
};

const PanelModule = {
  __init__: [ 'doudiPanel', 'doudiLinting' ],
  doudiPanel: [ 'type', DoudiPropertiesPanel ],
  doudiLinting: [ 'type', DoudiLinting ]
};

function toolbarButton(label, action, extra) {
  return h('button', { type: 'button', class: `studio-tool ${extra || ''}`, title: label, 'aria-label': label, onclick: action }, label);
}

/** The shape a problem points at: an element, or the pool of a process named by its id. */
function shapeFor(elementRegistry, id) {
  if (!id) {
    return null;
  }
  const shape = elementRegistry.get(id);
  if (shape) {
    return shape;
  }
  return elementRegistry.find((element) => {
    const bo = element.businessObject;
    return element.type === 'bpmn:Participant' && bo && bo.processRef && bo.processRef.id === id;
  }) || null;
}

export function startBpmnEditor(page) {
  const { container, source } = page;
  if (typeof window.BpmnJS !== 'function') {
    container.dataset.state = 'error';
    return;
  }
  container.classList.add('studio-editor', 'studio-bpmn');
  const status = h('span', { class: 'studio-status', 'aria-live': 'polite' }, t('saved'));
  const save = saveButton(page);
  const toolbar = h('div', { class: 'studio-toolbar' });
  const canvasNode = h('div', { class: 'studio-canvas' });
  const panelNode = h('div', { class: 'studio-panel' });
  const side = h('aside', { class: 'studio-side' }, panelNode);
  const workspace = h('div', { class: 'studio-workspace' }, canvasNode, side);
  container.replaceChildren(toolbar, workspace);

  const modeler = new window.BpmnJS({
    container: canvasNode,
    moddleExtensions: { spiffworkflow },
    additionalModules: [ TranslateModule, CommandsModule, PanelModule ],
    doudiPanel: { parent: panelNode },
    doudiLinting: { roles: page.roles }
  });
  container.doudiModeler = modeler;
  const eventBus = modeler.get('eventBus');
  const canvas = modeler.get('canvas');
  const commandStack = modeler.get('commandStack');
  const elementRegistry = modeler.get('elementRegistry');
  const overlays = modeler.get('overlays');
  const selection = modeler.get('selection');

  // The page's lists, answered on the event bus (see panel.js).
  const options = { roles: page.roles, forms: page.forms, evidence: page.evidence };
  eventBus.on('doudi.options.requested', ({ kind }) => {
    eventBus.fire('doudi.options.returned', { kind, options: options[kind] || [] });
  });

  const selectElement = (id) => {
    const shape = shapeFor(elementRegistry, id);
    if (!shape) {
      return;
    }
    selection.select(shape);
    try {
      canvas.scrollToElement(shape);
    } catch (error) {
      // a shape on another plane (a collapsed sub-process) stays selected only
    }
  };
  const problems = new ProblemList(side, { file: page.file, onSelect: selectElement });
  side.appendChild(h('p', { class: 'studio-problems-note' }, t('serverNote')));

  let markers = [];
  const showOnDiagram = () => {
    overlays.remove({ type: 'doudi-problem' });
    markers.forEach(([ id, marker ]) => canvas.removeMarker(id, marker));
    markers = [];
    const byShape = new Map();
    problems.all().forEach((problem) => {
      if (problem.file && page.file && problem.file !== page.file) {
        return;
      }
      const shape = shapeFor(elementRegistry, problem.element);
      if (!shape || shape.type === 'label') {
        return;
      }
      if (!byShape.has(shape)) {
        byShape.set(shape, []);
      }
      byShape.get(shape).push(problem);
    });
    byShape.forEach((list, shape) => {
      const error = list.some((problem) => problem.severity === 'error');
      const sources = new Set(list.map((problem) => problem.source));
      const marker = error ? 'studio-has-error' : 'studio-has-warning';
      canvas.addMarker(shape.id, marker);
      markers.push([ shape.id, marker ]);
      const badge = h('button', {
        type: 'button',
        class: `studio-badge studio-badge-${error ? 'error' : 'warning'}`,
        title: list.map((problem) => problem.message).join('\n'),
        'aria-label': t('problemCount', { count: list.length }),
        'data-element': shape.id,
        'data-sources': [ ...sources ].sort().join(' '),
        onclick: () => selectElement(shape.id)
      }, String(list.length));
      const position = shape.waypoints ? { top: -10, left: -10 } : { top: -10, right: 10 };
      overlays.add(shape, 'doudi-problem', { position, html: badge });
    });
  };

  eventBus.on('doudi.lint.done', ({ issues }) => {
    problems.setLint(issues);
    showOnDiagram();
  });

  const loadServerChecks = () => {
    problems.setServer(problems.server, 'loading');
    fetchServerProblems(page.checkUrl)
      .then((list) => {
        list.forEach((problem) => {
          problem.known = !!shapeFor(elementRegistry, problem.element);
        });
        problems.setServer(list, 'ready');
        showOnDiagram();
      })
      .catch(() => problems.setServer([], 'error'));
  };

  toolbar.append(
    save ? toolbarButton(t('save'), () => page.form.requestSubmit(save), 'studio-save') : '',
    toolbarButton(t('undo'), () => commandStack.undo(), 'studio-undo'),
    toolbarButton(t('redo'), () => commandStack.redo(), 'studio-redo'),
    toolbarButton(t('zoomOut'), () => canvas.zoom(canvas.zoom() / 1.25), 'studio-zoom-out'),
    toolbarButton(t('zoomIn'), () => canvas.zoom(canvas.zoom() * 1.25), 'studio-zoom-in'),
    toolbarButton(t('fit'), () => canvas.zoom('fit-viewport', 'auto'), 'studio-fit'),
    status
  );

  let dirty = false;
  const setStatus = (state, error) => {
    container.dataset.dirty = dirty ? 'true' : 'false';
    status.textContent = state === 'saving' ? t('saving')
      : state === 'error' ? String(error && error.message || error)
        : dirty ? t('unsaved') : t('saved');
    status.classList.toggle('studio-status-dirty', dirty);
  };
  eventBus.on('commandStack.changed', () => {
    dirty = commandStack.canUndo();
    setStatus();
  });
  wireSave(page, {
    serialize: () => modeler.saveXML({ format: true }).then(({ xml }) => {
      source.value = xml;
    }),
    isDirty: () => dirty,
    onStatus: setStatus
  });

  container.dataset.state = 'loading';
  modeler.importXML(source.value)
    .then(({ warnings }) => {
      if (warnings && warnings.length) {
        window.console.warn('doudi bpmn import warnings:', warnings);
      }
      page.form.classList.add('studio-enhanced');
      source.hidden = true;
      canvas.zoom('fit-viewport', 'auto');
      container.dataset.state = 'ready';
      loadServerChecks();
    })
    .catch((error) => {
      modeler.destroy();
      container.replaceChildren(h('p', { class: 'studio-load-error' }, t('loadFailed', { error: error.message || String(error) })));
      container.dataset.state = 'error';
    });
}

const page = getPage();
if (page && page.kind === 'bpmn') {
  startBpmnEditor(page);
}

// The DMN editor of a draft file (data-kind="dmn"): dmn-js's Modeler (vendored dist,
// window.DmnJS) opened on the decision table; the same save path as the BPMN editor. Cells
// hold Python expressions (SpiffWorkflow evaluates them), so they are edited as plain text.

import { ProblemList, fetchServerProblems } from '../shared/problems.js';
import { SHARED, isEnglish, translator } from '../shared/i18n.js';
import { getPage, h, saveButton, wireSave } from '../shared/page.js';

const t = translator({
  ...SHARED,
  views: ['视图', 'View'],
  drd: ['决策关系图', 'Decision diagram'],
  serverNote: ['部署检查针对最近一次保存的内容', 'Server checks are of the last saved text']
});

const ZH = {
  'Add rule': '添加规则',
  'Add rule above': '在上方添加规则',
  'Add rule below': '在下方添加规则',
  'Remove rule': '删除规则',
  'Copy rule': '复制规则',
  'Cut rule': '剪切规则',
  'Paste rule above': '粘贴到上方',
  'Paste rule below': '粘贴到下方',
  'Move rule': '移动规则',
  'Add input': '添加输入',
  'Add output': '添加输出',
  'Add input column left': '在左侧添加输入列',
  'Add input column right': '在右侧添加输入列',
  'Add output column left': '在左侧添加输出列',
  'Add output column right': '在右侧添加输出列',
  'Remove input column': '删除输入列',
  'Remove output column': '删除输出列',
  'Copy input column': '复制输入列',
  'Copy output column': '复制输出列',
  'Cut input column': '剪切输入列',
  'Cut output column': '剪切输出列',
  'Paste input column left': '粘贴到左侧',
  'Paste input column right': '粘贴到右侧',
  'Paste output column left': '粘贴到左侧',
  'Paste output column right': '粘贴到右侧',
  'Add cell description': '添加单元格说明',
  'Remove cell description': '删除单元格说明',
  'Hit policy': '命中策略',
  'Hit policy:': '命中策略：',
  'Input': '输入',
  'Output': '输出',
  'Annotations': '说明',
  'Annotation': '说明',
  'When': '当',
  'And': '且',
  'Then': '则',
  'Input label': '输入名称',
  'Input expression': '输入表达式',
  'Input type': '输入类型',
  'Input values': '输入取值',
  'Output label': '输出名称',
  'Output name': '输出变量名',
  'Output type': '输出类型',
  'Output values': '输出取值',
  'Expression': '表达式',
  'Expression language': '表达式语言',
  'Type': '类型',
  'Value': '值',
  'Values': '取值',
  'Delete': '删除',
  'Edit': '编辑',
  'View DRD': '查看决策关系图',
  'Decision name': '决策名称',
  'Definition name': '定义名称',
  'Definition ID': '定义 ID',
  'Activate hand tool': '抓手工具',
  'Activate lasso tool': '框选工具',
  'Create decision': '创建决策',
  'Create input data': '创建输入数据',
  'Create knowledge model': '创建知识模型',
  'Create knowledge source': '创建知识来源',
  'Connect to other element': '连接到其他元素',
  'Change type': '更改类型',
  'Add text annotation': '添加注释'
};

function translate(template, replacements) {
  const text = !isEnglish() && Object.prototype.hasOwnProperty.call(ZH, template) ? ZH[template] : template;
  replacements = replacements || {};
  return text.replace(/{([^}]+)}/g, (match, key) => (key in replacements ? replacements[key] : match));
}

const TranslateModule = { translate: [ 'value', translate ] };

export function startDmnEditor(page) {
  const { container, source } = page;
  if (typeof window.DmnJS !== 'function') {
    container.dataset.state = 'error';
    return;
  }
  container.classList.add('studio-editor', 'studio-dmn');
  const status = h('span', { class: 'studio-status', 'aria-live': 'polite' }, t('saved'));
  const tabs = h('span', { class: 'studio-views', role: 'tablist', 'aria-label': t('views') });
  const save = saveButton(page);
  const toolbar = h('div', { class: 'studio-toolbar' });
  const canvasNode = h('div', { class: 'studio-canvas studio-dmn-canvas' });
  const side = h('aside', { class: 'studio-side' });
  const workspace = h('div', { class: 'studio-workspace' }, canvasNode, side);
  container.replaceChildren(toolbar, workspace);

  const modules = { additionalModules: [ TranslateModule ] };
  const dmnJS = new window.DmnJS({
    container: canvasNode,
    // SpiffWorkflow evaluates every cell as Python: plain text editors, not the FEEL editor
    // (whose CodeMirror would also inject a <style> element the CSP refuses).
    common: {
      expressionLanguages: {
        options: [ { value: 'python', label: 'Python' } ],
        defaults: { editor: 'python', inputCell: 'python', outputCell: 'python' }
      }
    },
    drd: modules,
    decisionTable: modules,
    literalExpression: modules
  });
  container.doudiModeler = dmnJS;

  let dirty = false;
  const setStatus = (state, error) => {
    container.dataset.dirty = dirty ? 'true' : 'false';
    status.textContent = state === 'saving' ? t('saving')
      : state === 'error' ? String(error && error.message || error)
        : dirty ? t('unsaved') : t('saved');
    status.classList.toggle('studio-status-dirty', dirty);
  };
  const watch = (viewer) => {
    viewer.get('eventBus').on('commandStack.changed', ({ trigger }) => {
      if (trigger === 'clear') {
        return;
      }
      dirty = true;
      setStatus();
    });
  };
  dmnJS.on('viewer.created', ({ viewer }) => watch(viewer));

  const activeCommandStack = () => {
    const viewer = dmnJS.getActiveViewer();
    return viewer && viewer.get('commandStack');
  };
  const renderTabs = () => {
    const active = dmnJS.getActiveView();
    tabs.replaceChildren(...dmnJS.getViews().map((view) => {
      const label = view.type === 'drd' ? t('drd') : (view.element.name || view.element.id);
      return h('button', {
        type: 'button',
        role: 'tab',
        class: 'studio-tool studio-view-tab',
        'aria-selected': active === view ? 'true' : 'false',
        'data-view': view.type,
        onclick: () => dmnJS.open(view)
      }, label);
    }));
  };
  dmnJS.on('views.changed', renderTabs);

  toolbar.append(
    save ? h('button', { type: 'button', class: 'studio-tool studio-save', onclick: () => page.form.requestSubmit(save) }, t('save')) : '',
    h('button', { type: 'button', class: 'studio-tool studio-undo', onclick: () => { const stack = activeCommandStack(); if (stack) { stack.undo(); } } }, t('undo')),
    h('button', { type: 'button', class: 'studio-tool studio-redo', onclick: () => { const stack = activeCommandStack(); if (stack) { stack.redo(); } } }, t('redo')),
    tabs,
    status
  );

  const problems = new ProblemList(side, { file: page.file, onSelect: () => {} });
  side.appendChild(h('p', { class: 'studio-problems-note' }, t('serverNote')));

  wireSave(page, {
    serialize: () => dmnJS.saveXML({ format: true }).then(({ xml }) => {
      source.value = xml;
    }),
    isDirty: () => dirty,
    onStatus: setStatus
  });

  container.dataset.state = 'loading';
  dmnJS.importXML(source.value)
    .then(() => {
      const table = dmnJS.getViews().find((view) => view.type === 'decisionTable');
      const ready = table && dmnJS.getActiveView() !== table ? dmnJS.open(table) : Promise.resolve();
      return ready;
    })
    .then(() => {
      page.form.classList.add('studio-enhanced');
      source.hidden = true;
      renderTabs();
      container.dataset.state = 'ready';
      problems.setServer([], 'loading');
      return fetchServerProblems(page.checkUrl)
        .then((list) => problems.setServer(list.map((problem) => ({ ...problem, known: false })), 'ready'))
        .catch(() => problems.setServer([], 'error'));
    })
    .catch((error) => {
      container.replaceChildren(h('p', { class: 'studio-load-error' }, t('loadFailed', { error: error.message || String(error) })));
      container.dataset.state = 'error';
    });
}

const page = getPage();
if (page && page.kind === 'dmn') {
  startDmnEditor(page);
}

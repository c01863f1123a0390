// The properties panel: @bpmn-io/properties-panel's components, rendered for the selected
// element by a small diagram-js service, with Doudi's groups (role, form, evidence, due date,
// exclusions, wait role, script, condition). bpmn-js-properties-panel is not bundled: its one
// dist file carries the Camunda and Zeebe providers and a FEEL editor the studio has no use for.
//
// Roles, form files and evidence kinds come from the page through the event bus, like
// SpiffArena's panel: the panel fires `doudi.options.requested` ({kind}), the page answers
// with `doudi.options.returned` ({kind, options}).

import { createElement as h, render } from '@bpmn-io/properties-panel/preact';
import {
  CheckboxEntry,
  CheckboxGroup,
  PropertiesPanel,
  SelectEntry,
  TextAreaEntry,
  TextFieldEntry,
  isCheckboxEntryEdited,
  isSelectEntryEdited,
  isTextAreaEntryEdited,
  isTextFieldEntryEdited
} from '@bpmn-io/properties-panel';
import { debounce } from 'min-dash';
import { getBusinessObject, is, isAny } from 'bpmn-js/lib/util/ModelUtil';

import { PROPERTY, PropertyWriter, getProperty, splitList } from './properties.js';
import { translator } from '../shared/i18n.js';

const t = translator({
  general: ['基本信息', 'General'],
  name: ['名称', 'Name'],
  id: ['标识（ID）', 'ID'],
  idInvalid: ['ID 须以字母或下划线开头，只含字母、数字、_ - .', 'An ID starts with a letter or underscore and holds only letters, digits, _ - .'],
  idTaken: ['此 ID 已被其他元素使用', 'Another element already has this ID'],
  idEmpty: ['ID 不能为空', 'The ID cannot be empty'],
  role: ['角色', 'Role'],
  laneRole: ['办理此泳道任务的角色', 'The role that acts in this lane'],
  unknownRole: ['{code}（未知角色）', '{code} (unknown role)'],
  noRole: ['（请选择角色）', '(choose a role)'],
  task: ['办理', 'Task'],
  form: ['表单文件', 'Form file'],
  noForm: ['（无表单）', '(no form)'],
  missingForm: ['{file}（草稿中没有此文件）', '{file} (not in the draft)'],
  uiForm: ['界面表单文件（可选）', 'UI form file (optional)'],
  due: ['办理期限表达式', 'Due date expression'],
  dueHelp: ['例如 add_working_days(today(), policy[\'opinion_working_days\'])', 'For example add_working_days(today(), policy[\'opinion_working_days\'])'],
  evidence: ['必需材料', 'Required evidence'],
  evidenceUnknown: ['{code}（未知材料）', '{code} (unknown kind)'],
  evidenceWhen: ['何时必须齐全（条件）', 'Required when (condition)'],
  evidenceWhenHelp: ['条件成立时，缺少上面勾选的材料不能提交；留空则只作提示', 'When this holds the step cannot be completed while a ticked kind is missing; empty: a checklist only'],
  exclusions: ['回避：不得由以下环节的办理人办理', 'Separation of duties: not by whoever did'],
  otherFile: ['{id}（其他文件）', '{id} (another file)'],
  wait: ['等待', 'Waiting'],
  waitRole: ['等待哪个角色登记', 'Role whose record it awaits'],
  noWaitRole: ['（不指定）', '(none)'],
  script: ['脚本', 'Script'],
  scriptHelp: ['Python 语句，在受限沙箱中运行', 'Python statements, run in the restricted sandbox'],
  condition: ['条件', 'Condition'],
  conditionExpression: ['条件表达式', 'Condition expression'],
  conditionHelp: ['Python 表达式，为真时走此分支，例如 opinion == \'approve\'', 'A Python expression; the flow is taken when it is true, e.g. opinion == \'approve\''],
  defaultFlow: ['默认分支（其他条件都不成立时）', 'Default flow (when no other condition holds)'],
  decision: ['决策表', 'Decision table'],
  decisionId: ['调用的决策 ID', 'Called decision ID'],
  types: ['元素', 'Element']
});

const TYPE_LABELS = {
  'bpmn:Process': ['流程', 'Process'],
  'bpmn:Collaboration': ['协作', 'Collaboration'],
  'bpmn:Participant': ['池', 'Pool'],
  'bpmn:Lane': ['泳道', 'Lane'],
  'bpmn:UserTask': ['人工任务', 'User task'],
  'bpmn:ScriptTask': ['脚本任务', 'Script task'],
  'bpmn:BusinessRuleTask': ['业务规则任务', 'Business rule task'],
  'bpmn:CallActivity': ['调用子流程', 'Call activity'],
  'bpmn:Task': ['任务', 'Task'],
  'bpmn:ExclusiveGateway': ['排他网关', 'Exclusive gateway'],
  'bpmn:ParallelGateway': ['并行网关', 'Parallel gateway'],
  'bpmn:EventBasedGateway': ['事件网关', 'Event-based gateway'],
  'bpmn:InclusiveGateway': ['包容网关', 'Inclusive gateway'],
  'bpmn:StartEvent': ['开始事件', 'Start event'],
  'bpmn:EndEvent': ['结束事件', 'End event'],
  'bpmn:IntermediateCatchEvent': ['中间捕获事件', 'Intermediate catch event'],
  'bpmn:IntermediateThrowEvent': ['中间抛出事件', 'Intermediate throw event'],
  'bpmn:BoundaryEvent': ['边界事件', 'Boundary event'],
  'bpmn:SequenceFlow': ['顺序流', 'Sequence flow'],
  'bpmn:SubProcess': ['子流程', 'Sub-process'],
  'bpmn:TextAnnotation': ['注释', 'Text annotation']
};

const ID_PATTERN = /^[A-Za-z_][\w.-]*$/;

function typeLabel(element) {
  const bo = getBusinessObject(element);
  const english = (document.documentElement.getAttribute('lang') || '').toLowerCase().startsWith('en');
  const type = (bo && bo.$type) || '';
  const pair = TYPE_LABELS[type];
  if (pair) {
    return pair[english ? 1 : 0];
  }
  return type.replace(/^bpmn:/, '');
}

function withCurrent(options, current, label) {
  if (current && !options.some((option) => option.value === current)) {
    return [ ...options, { value: current, label } ];
  }
  return options;
}

export default function DoudiPropertiesPanel(config, injector, eventBus, canvas, elementRegistry) {
  this._bpmnjs = injector;
  this._eventBus = eventBus;
  this._canvas = canvas;
  this._elementRegistry = elementRegistry;
  this._writer = new PropertyWriter(injector);
  this._options = { roles: [], forms: [], evidence: [] };
  this._element = null;
  this._container = document.createElement('div');
  this._container.className = 'studio-properties';
  this._debounce = (fn) => debounce(fn, 300);
  this._render = this._render.bind(this);

  eventBus.on('doudi.options.returned', ({ kind, options }) => {
    this._options[kind] = Array.isArray(options) ? options : [];
    this._render();
  });
  eventBus.on('import.done', () => {
    // Asked on each import: the page answers once the modeler is built.
    [ 'roles', 'forms', 'evidence' ].forEach((kind) => eventBus.fire('doudi.options.requested', { kind }));
    this._element = canvas.getRootElement();
    this._render();
  });
  eventBus.on('selection.changed', ({ newSelection }) => {
    this._element = newSelection.length === 1 ? newSelection[0] : canvas.getRootElement();
    this._render();
  });
  eventBus.on('elements.changed', ({ elements }) => {
    // An element whose id changed or that was removed: fall back to what the registry has.
    if (this._element && !elementRegistry.get(this._element.id)) {
      const replaced = elements.find((element) => element.businessObject === (this._element && this._element.businessObject));
      this._element = replaced || canvas.getRootElement();
    }
    this._render();
  });
  eventBus.on('diagram.destroy', () => render(null, this._container));
  if (config && config.parent) {
    this.attachTo(config.parent);
  }
}

DoudiPropertiesPanel.$inject = [ 'config.doudiPanel', 'injector', 'eventBus', 'canvas', 'elementRegistry' ];

DoudiPropertiesPanel.prototype.attachTo = function(parent) {
  parent.appendChild(this._container);
  this._render();
};

DoudiPropertiesPanel.prototype._render = function() {
  const element = this._element;
  if (!element || !element.businessObject || !element.businessObject.$type || !this._container.isConnected) {
    render(null, this._container);
    return;
  }
  render(h(PropertiesPanel, {
    element,
    eventBus: this._eventBus,
    groups: this._groups(element),
    headerProvider: {
      getElementLabel: (el) => {
        const bo = getBusinessObject(el);
        return (bo && (bo.name || bo.id)) || '';
      },
      getElementIcon: () => null,
      getTypeLabel: typeLabel,
      getDocumentationRef: () => null
    },
    layoutConfig: { open: true }
  }), this._container);
};

DoudiPropertiesPanel.prototype._groups = function(element) {
  const groups = [ this._general(element) ];
  if (is(element, 'bpmn:Lane')) {
    groups.push(this._lane(element));
  }
  if (is(element, 'bpmn:UserTask')) {
    groups.push(this._userTask(element));
  }
  if (isAny(element, [ 'bpmn:IntermediateCatchEvent', 'bpmn:EventBasedGateway', 'bpmn:ReceiveTask', 'bpmn:BoundaryEvent' ])) {
    groups.push(this._wait(element));
  }
  if (is(element, 'bpmn:ScriptTask')) {
    groups.push(this._script(element));
  }
  if (is(element, 'bpmn:SequenceFlow')) {
    groups.push(this._condition(element));
  }
  if (is(element, 'bpmn:BusinessRuleTask')) {
    groups.push(this._decision(element));
  }
  return groups.filter((group) => group.entries.length);
};

DoudiPropertiesPanel.prototype._entry = function(id, component, props, isEdited) {
  return { id, component, isEdited, ...props };
};

DoudiPropertiesPanel.prototype._general = function(element) {
  const entries = [];
  if (!is(element, 'bpmn:Collaboration')) {
    entries.push(this._entry('name', TextAreaEntry, {
      label: t('name'),
      rows: 1,
      debounce: this._debounce,
      getValue: () => getBusinessObject(element).get('name') || '',
      setValue: (value) => {
        this._bpmnjs.get('modeling').updateProperties(element, { name: value || undefined });
      }
    }, isTextAreaEntryEdited));
  }
  const problem = (value) => {
    if (!value) {
      return t('idEmpty');
    }
    if (!ID_PATTERN.test(value)) {
      return t('idInvalid');
    }
    const current = getBusinessObject(element);
    const owner = current.$model.ids.assigned(value);
    return owner && owner !== current ? t('idTaken') : null;
  };
  entries.push(this._entry('id', TextFieldEntry, {
    label: t('id'),
    debounce: this._debounce,
    getValue: () => getBusinessObject(element).get('id') || '',
    validate: problem,
    setValue: (value) => {
      if (!problem(value) && value !== getBusinessObject(element).get('id')) {
        this._bpmnjs.get('modeling').updateProperties(element, { id: value });
      }
    }
  }, isTextFieldEntryEdited));
  return { id: 'general', label: t('general'), entries, shouldOpen: true };
};

DoudiPropertiesPanel.prototype._roleOptions = function(current, emptyLabel) {
  const roles = this._options.roles.map((role) => ({
    value: role.code,
    label: role.label && role.label !== role.code ? `${role.label} (${role.code})` : role.code
  }));
  return withCurrent([ { value: '', label: emptyLabel }, ...roles ], current, t('unknownRole', { code: current }));
};

DoudiPropertiesPanel.prototype._lane = function(element) {
  const roleLabel = (code) => {
    const role = this._options.roles.find((item) => item.code === code);
    return role ? role.label : '';
  };
  return {
    id: 'doudi-lane',
    label: t('role'),
    shouldOpen: true,
    entries: [
      this._entry('laneRole', SelectEntry, {
        label: t('laneRole'),
        getValue: () => getBusinessObject(element).get('name') || '',
        getOptions: () => this._roleOptions(getBusinessObject(element).get('name') || '', t('noRole')),
        setValue: (code) => {
          const previous = getBusinessObject(element).get('name') || '';
          this._writer.setLaneRole(element, code || undefined, roleLabel(code), roleLabel(previous));
        }
      }, isSelectEntryEdited)
    ]
  };
};

DoudiPropertiesPanel.prototype._propertyText = function(element, id, name, label, props) {
  return this._entry(id, TextAreaEntry, {
    label,
    rows: 1,
    monospace: true,
    debounce: this._debounce,
    getValue: () => getProperty(element, name),
    setValue: (value) => this._writer.setProperty(element, name, (value || '').trim()),
    ...props
  }, isTextAreaEntryEdited);
};

DoudiPropertiesPanel.prototype._formOptions = function(current, emptyLabel) {
  const options = this._options.forms.map((file) => ({ value: file, label: file }));
  return withCurrent([ { value: '', label: emptyLabel }, ...options ], current, t('missingForm', { file: current }));
};

DoudiPropertiesPanel.prototype._userTask = function(element) {
  const writer = this._writer;
  const evidenceOptions = () => {
    const known = this._options.evidence.map((kind) => ({ value: kind.code, label: kind.label || kind.code }));
    const current = splitList(getProperty(element, PROPERTY.evidence));
    const unknown = current
      .filter((code) => !known.some((option) => option.value === code))
      .map((code) => ({ value: code, label: t('evidenceUnknown', { code }) }));
    return [ ...known, ...unknown ];
  };
  const taskOptions = () => {
    const own = getBusinessObject(element).get('id');
    const tasks = this._elementRegistry
      .filter((el) => is(el, 'bpmn:UserTask') && el.type !== 'label' && getBusinessObject(el).get('id') !== own)
      .map((el) => {
        const bo = getBusinessObject(el);
        return { value: bo.get('id'), label: bo.get('name') ? `${bo.get('name')} (${bo.get('id')})` : bo.get('id') };
      });
    const current = splitList(getProperty(element, PROPERTY.exclude));
    const others = current
      .filter((id) => !tasks.some((option) => option.value === id))
      .map((id) => ({ value: id, label: t('otherFile', { id }) }));
    return [ ...tasks, ...others ];
  };
  return {
    id: 'doudi-task',
    label: t('task'),
    shouldOpen: true,
    entries: [
      this._entry('form', SelectEntry, {
        label: t('form'),
        getValue: () => getProperty(element, PROPERTY.form),
        getOptions: () => this._formOptions(getProperty(element, PROPERTY.form), t('noForm')),
        setValue: (value) => writer.setProperty(element, PROPERTY.form, value)
      }, isSelectEntryEdited),
      this._entry('uiForm', SelectEntry, {
        label: t('uiForm'),
        getValue: () => getProperty(element, PROPERTY.uiForm),
        getOptions: () => this._formOptions(getProperty(element, PROPERTY.uiForm), t('noForm')),
        setValue: (value) => writer.setProperty(element, PROPERTY.uiForm, value)
      }, isSelectEntryEdited),
      this._propertyText(element, 'dueDate', PROPERTY.due, t('due'), { description: t('dueHelp') }),
      this._entry('evidence', CheckboxGroup, {
        label: t('evidence'),
        options: evidenceOptions(),
        getValue: () => splitList(getProperty(element, PROPERTY.evidence)),
        setValue: (codes) => {
          // Kept in the order of the list on the page, unknown codes at the end.
          const order = evidenceOptions().map((option) => option.value);
          const sorted = [ ...codes ].sort((a, b) => order.indexOf(a) - order.indexOf(b));
          writer.setProperty(element, PROPERTY.evidence, sorted.join(','));
        }
      }),
      this._propertyText(element, 'evidenceWhen', PROPERTY.evidenceWhen, t('evidenceWhen'), { description: t('evidenceWhenHelp') }),
      this._entry('exclusions', CheckboxGroup, {
        label: t('exclusions'),
        options: taskOptions(),
        getValue: () => splitList(getProperty(element, PROPERTY.exclude)),
        setValue: (ids) => {
          const order = taskOptions().map((option) => option.value);
          const sorted = [ ...ids ].sort((a, b) => order.indexOf(a) - order.indexOf(b));
          writer.setProperty(element, PROPERTY.exclude, sorted.join(','));
        }
      })
    ]
  };
};

DoudiPropertiesPanel.prototype._wait = function(element) {
  const writer = this._writer;
  return {
    id: 'doudi-wait',
    label: t('wait'),
    shouldOpen: true,
    entries: [
      this._entry('waitRole', SelectEntry, {
        label: t('waitRole'),
        getValue: () => getProperty(element, PROPERTY.waitRole),
        getOptions: () => this._roleOptions(getProperty(element, PROPERTY.waitRole), t('noWaitRole')),
        setValue: (value) => writer.setProperty(element, PROPERTY.waitRole, value)
      }, isSelectEntryEdited),
      this._propertyText(element, 'waitDue', PROPERTY.due, t('due'), { description: t('dueHelp') })
    ]
  };
};

DoudiPropertiesPanel.prototype._script = function(element) {
  return {
    id: 'doudi-script',
    label: t('script'),
    shouldOpen: true,
    entries: [
      this._entry('script', TextAreaEntry, {
        label: t('script'),
        description: t('scriptHelp'),
        monospace: true,
        rows: 8,
        autoResize: true,
        debounce: this._debounce,
        getValue: () => getBusinessObject(element).get('script') || '',
        setValue: (value) => this._writer.setAttributes(element, { script: value || undefined })
      }, isTextAreaEntryEdited)
    ]
  };
};

DoudiPropertiesPanel.prototype._condition = function(element) {
  const bo = getBusinessObject(element);
  const source = bo.get('sourceRef');
  const entries = [];
  const fromGateway = source && isAny(source, [ 'bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway' ]);
  const fromActivity = source && is(source, 'bpmn:Activity');
  if (fromGateway || fromActivity) {
    entries.push(this._entry('condition', TextAreaEntry, {
      label: t('conditionExpression'),
      description: t('conditionHelp'),
      monospace: true,
      rows: 2,
      debounce: this._debounce,
      getValue: () => {
        const expression = getBusinessObject(element).get('conditionExpression');
        return (expression && expression.get('body')) || '';
      },
      setValue: (value) => this._writer.setCondition(element, (value || '').trim())
    }, isTextAreaEntryEdited));
  }
  if (fromGateway) {
    entries.push(this._entry('defaultFlow', CheckboxEntry, {
      label: t('defaultFlow'),
      getValue: () => getBusinessObject(element).get('sourceRef').get('default') === getBusinessObject(element),
      setValue: (checked) => {
        const sourceShape = this._elementRegistry.get(getBusinessObject(element).get('sourceRef').get('id'));
        this._bpmnjs.get('modeling').updateProperties(sourceShape, { default: checked ? getBusinessObject(element) : undefined });
      }
    }, isCheckboxEntryEdited));
  }
  return { id: 'doudi-condition', label: t('condition'), shouldOpen: true, entries };
};

DoudiPropertiesPanel.prototype._decision = function(element) {
  return {
    id: 'doudi-decision',
    label: t('decision'),
    shouldOpen: true,
    entries: [
      this._entry('decisionId', TextFieldEntry, {
        label: t('decisionId'),
        debounce: this._debounce,
        getValue: () => {
          const extensions = getBusinessObject(element).get('extensionElements');
          const found = extensions && extensions.get('values').find((value) => is(value, 'spiffworkflow:CalledDecisionId'));
          return (found && found.get('value')) || '';
        },
        setValue: (value) => this._writer.setExtensionBody(element, 'spiffworkflow:CalledDecisionId', (value || '').trim())
      }, isTextFieldEntryEdited)
    ]
  };
};

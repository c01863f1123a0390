// The form editor of a draft file (data-kind="form"): a task form's JSON Schema as a list of
// fields (name, label, type, options, required, description), or as raw JSON; both edit the
// page's textarea. A live preview, drawn by the portal's own renderer, is asked for from
// data-preview-url (POST `schema`, debounced) and shown beside.
//
// Whatever the list does not edit (maxLength, if/then, additionalProperties…) is kept as is.

import { ProblemList, fetchServerProblems } from '../shared/problems.js';
import { SHARED, translator } from '../shared/i18n.js';
import { csrfToken, getPage, h, saveButton, wireSave } from '../shared/page.js';

const t = translator({
  ...SHARED,
  fields: ['字段', 'Fields'],
  json: ['JSON 源文本', 'JSON source'],
  formTitle: ['表单标题', 'Form title'],
  name: ['字段名（变量名）', 'Name (variable)'],
  title: ['显示名称', 'Label'],
  type: ['类型', 'Type'],
  options: ['选项（每行一个：值 = 显示名称）', 'Options (one a line: value = label)'],
  required: ['必填', 'Required'],
  description: ['说明', 'Description'],
  addField: ['添加字段', 'Add field'],
  remove: ['删除', 'Remove'],
  up: ['上移', 'Move up'],
  down: ['下移', 'Move down'],
  string: ['文本', 'Text'],
  number: ['数字', 'Number'],
  integer: ['整数', 'Whole number'],
  boolean: ['是/否', 'Yes/no'],
  date: ['日期', 'Date'],
  other: ['其他（在 JSON 中编辑）', 'Other (edit in JSON)'],
  preview: ['预览', 'Preview'],
  previewLoading: ['正在生成预览…', 'Drawing the preview…'],
  previewFailed: ['预览无法生成', 'The preview could not be drawn'],
  invalidJson: ['JSON 有误：{error}', 'Invalid JSON: {error}'],
  notObject: ['表单须是 "type": "object" 的 JSON Schema，字段在 "properties" 中', 'A form is a JSON Schema of "type": "object" with its fields in "properties"'],
  badName: ['字段名须以字母或下划线开头，只含字母、数字和下划线', 'A name starts with a letter or underscore and holds only letters, digits and underscores'],
  takenName: ['已有同名字段', 'Another field has this name'],
  newField: ['新字段', 'New field'],
  fieldCount: ['{count} 个字段', '{count} fields']
});

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TYPES = [ 'string', 'number', 'integer', 'boolean', 'date' ];

function fieldType(spec) {
  if (spec.type === 'string' && spec.format === 'date') {
    return 'date';
  }
  return TYPES.includes(spec.type) ? spec.type : 'other';
}

function optionsText(spec) {
  if (Array.isArray(spec.oneOf) && spec.oneOf.every((option) => option && 'const' in option)) {
    return spec.oneOf.map((option) =>
      option.title != null && String(option.title) !== String(option.const)
        ? `${option.const} = ${option.title}`
        : String(option.const)).join('\n');
  }
  if (Array.isArray(spec.enum)) {
    return spec.enum.map(String).join('\n');
  }
  return '';
}

function parseOptions(text, type) {
  const convert = (value) => {
    if (type === 'integer' || type === 'number') {
      const number = Number(value);
      return value !== '' && Number.isFinite(number) ? number : value;
    }
    return value;
  };
  return text.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
    const at = line.indexOf('=');
    if (at < 0) {
      return { value: convert(line) };
    }
    return { value: convert(line.slice(0, at).trim()), title: line.slice(at + 1).trim() };
  });
}

function hasOptions(type) {
  return type === 'string' || type === 'number' || type === 'integer';
}

export function startFormEditor(page) {
  const { container, source } = page;
  container.classList.add('studio-editor', 'studio-form-editor');
  const initial = source.value;
  let schema = null;
  let parseError = '';
  try {
    schema = JSON.parse(source.value || '{}');
  } catch (error) {
    parseError = error.message;
  }

  const status = h('span', { class: 'studio-status', 'aria-live': 'polite' }, t('saved'));
  const save = saveButton(page);
  const fieldsTab = h('button', { type: 'button', role: 'tab', class: 'studio-tool studio-tab-fields', 'aria-selected': 'true' }, t('fields'));
  const jsonTab = h('button', { type: 'button', role: 'tab', class: 'studio-tool studio-tab-json', 'aria-selected': 'false' }, t('json'));
  const toolbar = h('div', { class: 'studio-toolbar' },
    save ? h('button', { type: 'button', class: 'studio-tool studio-save', onclick: () => page.form.requestSubmit(save) }, t('save')) : '',
    h('span', { class: 'studio-views', role: 'tablist' }, fieldsTab, jsonTab),
    status);
  const jsonError = h('p', { class: 'studio-json-error', role: 'alert' });
  const fieldsPane = h('div', { class: 'studio-fields', role: 'tabpanel' });
  const raw = h('textarea', { class: 'studio-json', spellcheck: 'false', rows: '24', 'aria-label': t('json') });
  raw.value = source.value;
  const jsonPane = h('div', { class: 'studio-json-pane', role: 'tabpanel', hidden: true }, raw);
  const previewBody = h('div', { class: 'studio-preview-body' });
  const previewState = h('p', { class: 'studio-preview-state', 'aria-live': 'polite' });
  const preview = h('section', { class: 'studio-preview' }, h('h3', {}, t('preview')), previewState, previewBody);
  const side = h('aside', { class: 'studio-side' }, preview);
  const main = h('div', { class: 'studio-form-main' }, jsonError, fieldsPane, jsonPane);
  container.replaceChildren(toolbar, h('div', { class: 'studio-workspace' }, main, side));
  const problems = new ProblemList(side, { file: page.file, onSelect: () => {} });

  let dirty = false;
  const setStatus = (state, error) => {
    dirty = source.value !== initial;
    container.dataset.dirty = dirty ? 'true' : 'false';
    status.textContent = state === 'saving' ? t('saving')
      : state === 'error' ? String(error && error.message || error)
        : dirty ? t('unsaved') : t('saved');
    status.classList.toggle('studio-status-dirty', dirty);
  };

  // ---- preview
  let previewTimer = null;
  let previewGeneration = 0;
  const requestPreview = () => {
    window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(() => {
      if (!page.previewUrl || parseError) {
        return;
      }
      const mine = ++previewGeneration;
      previewState.textContent = t('previewLoading');
      preview.dataset.state = 'loading';
      const body = new URLSearchParams();
      body.set('schema', source.value);
      fetch(page.previewUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-CSRFToken': csrfToken(page.form), 'Content-Type': 'application/x-www-form-urlencoded' },
        body
      })
        .then((response) => response.text().then((text) => ({ ok: response.ok, text })))
        .then(({ ok, text }) => {
          if (mine !== previewGeneration) {
            return;
          }
          // The fragment is the portal's own rendering of the form (escaped by Django).
          previewBody.innerHTML = text;
          previewBody.querySelectorAll('input, select, textarea, button').forEach((input) => {
            input.setAttribute('tabindex', '-1');
          });
          previewState.textContent = ok ? '' : t('previewFailed');
          preview.dataset.state = ok ? 'ready' : 'error';
          preview.dataset.generation = String(mine);
        })
        .catch(() => {
          if (mine === previewGeneration) {
            previewState.textContent = t('previewFailed');
            preview.dataset.state = 'error';
          }
        });
    }, 400);
  };

  // ---- writing
  const write = () => {
    source.value = `${JSON.stringify(schema, null, 2)}\n`;
    raw.value = source.value;
    setStatus();
    requestPreview();
  };

  const showError = () => {
    jsonError.textContent = parseError ? t('invalidJson', { error: parseError }) : '';
    jsonError.hidden = !parseError;
  };

  const isForm = () => schema && typeof schema === 'object' && !Array.isArray(schema) &&
    (schema.properties == null || (typeof schema.properties === 'object' && !Array.isArray(schema.properties)));

  // ---- the field list
  const renderFields = () => {
    showError();
    if (parseError || !isForm()) {
      fieldsPane.replaceChildren(h('p', { class: 'studio-json-error' }, parseError ? t('invalidJson', { error: parseError }) : t('notObject')));
      return;
    }
    const properties = schema.properties || {};
    const names = Object.keys(properties);
    const titleInput = h('input', { type: 'text', class: 'studio-form-title', value: schema.title || '' });
    titleInput.addEventListener('input', () => {
      if (titleInput.value) {
        schema.title = titleInput.value;
      } else {
        delete schema.title;
      }
      write();
    });
    const list = h('ol', { class: 'studio-field-list', 'data-count': String(names.length) });
    names.forEach((name, index) => list.appendChild(fieldCard(name, index, names.length)));
    const add = h('button', { type: 'button', class: 'studio-tool studio-add-field', onclick: addField }, t('addField'));
    fieldsPane.replaceChildren(
      h('label', { class: 'studio-field-row' }, h('span', {}, t('formTitle')), titleInput),
      list,
      add
    );
  };

  const setProperties = (entries) => {
    schema.properties = Object.fromEntries(entries);
  };

  const renameField = (from, to) => {
    const entries = Object.entries(schema.properties).map(([ key, value ]) => [ key === from ? to : key, value ]);
    setProperties(entries);
    if (Array.isArray(schema.required)) {
      schema.required = schema.required.map((key) => (key === from ? to : key));
    }
  };

  const moveField = (name, step) => {
    const entries = Object.entries(schema.properties);
    const index = entries.findIndex(([ key ]) => key === name);
    const target = index + step;
    if (index < 0 || target < 0 || target >= entries.length) {
      return;
    }
    [ entries[index], entries[target] ] = [ entries[target], entries[index] ];
    setProperties(entries);
    write();
    renderFields();
    const card = fieldsPane.querySelector(`[data-field="${CSS.escape(name)}"] .studio-field-move-${step < 0 ? 'up' : 'down'}`);
    if (card) {
      card.focus();
    }
  };

  const removeField = (name) => {
    delete schema.properties[name];
    if (Array.isArray(schema.required)) {
      schema.required = schema.required.filter((key) => key !== name);
      if (!schema.required.length) {
        delete schema.required;
      }
    }
    write();
    renderFields();
  };

  function addField() {
    if (!schema.type) {
      schema.type = 'object';
    }
    if (!schema.properties) {
      schema.properties = {};
    }
    let index = Object.keys(schema.properties).length + 1;
    let name = `field_${index}`;
    while (name in schema.properties) {
      index += 1;
      name = `field_${index}`;
    }
    schema.properties[name] = { title: t('newField'), type: 'string' };
    write();
    renderFields();
    const input = fieldsPane.querySelector(`[data-field="${name}"] .studio-field-name`);
    if (input) {
      input.focus();
      input.select();
    }
  }

  function fieldCard(initialName, index, count) {
    let name = initialName;
    const spec = () => schema.properties[name];
    const type = fieldType(spec());
    const nameInput = h('input', { type: 'text', class: 'studio-field-name', value: name, spellcheck: 'false', autocomplete: 'off' });
    const nameError = h('small', { class: 'studio-field-error', hidden: true });
    nameInput.addEventListener('input', () => {
      const wanted = nameInput.value.trim();
      let problem = '';
      if (!NAME.test(wanted)) {
        problem = t('badName');
      } else if (wanted !== name && wanted in schema.properties) {
        problem = t('takenName');
      }
      nameError.textContent = problem;
      nameError.hidden = !problem;
      nameInput.setAttribute('aria-invalid', problem ? 'true' : 'false');
      if (!problem && wanted !== name) {
        renameField(name, wanted);
        name = wanted;
        card.dataset.field = name;
        write();
      }
    });
    const titleInput = h('input', { type: 'text', class: 'studio-field-title', value: spec().title || '' });
    titleInput.addEventListener('input', () => {
      if (titleInput.value) {
        spec().title = titleInput.value;
      } else {
        delete spec().title;
      }
      write();
    });
    const typeSelect = h('select', { class: 'studio-field-type' },
      ...TYPES.map((value) => h('option', { value, selected: value === type }, t(value))),
      type === 'other' ? h('option', { value: 'other', selected: true, disabled: true }, t('other')) : null);
    const optionsInput = h('textarea', { class: 'studio-field-options', rows: '3', spellcheck: 'false' });
    optionsInput.value = optionsText(spec());
    const optionsRow = h('label', { class: 'studio-field-row studio-field-options-row', hidden: !hasOptions(type) },
      h('span', {}, t('options')), optionsInput);
    typeSelect.addEventListener('change', () => {
      const chosen = typeSelect.value;
      const field = spec();
      if (chosen === 'date') {
        field.type = 'string';
        field.format = 'date';
      } else {
        field.type = chosen;
        if (field.format === 'date') {
          delete field.format;
        }
      }
      if (!hasOptions(chosen)) {
        delete field.enum;
        delete field.oneOf;
        optionsInput.value = '';
      } else if (optionsInput.value.trim()) {
        applyOptions();
      }
      optionsRow.hidden = !hasOptions(chosen);
      write();
    });
    const applyOptions = () => {
      const field = spec();
      const options = parseOptions(optionsInput.value, fieldType(field));
      delete field.enum;
      delete field.oneOf;
      if (options.some((option) => option.title)) {
        field.oneOf = options.map((option) => ({ const: option.value, title: option.title || String(option.value) }));
      } else if (options.length) {
        field.enum = options.map((option) => option.value);
      }
    };
    optionsInput.addEventListener('input', () => {
      applyOptions();
      write();
    });
    const required = Array.isArray(schema.required) && schema.required.includes(name);
    const requiredInput = h('input', { type: 'checkbox', class: 'studio-field-required', checked: required });
    requiredInput.addEventListener('change', () => {
      const list = Array.isArray(schema.required) ? schema.required.filter((key) => key !== name) : [];
      if (requiredInput.checked) {
        list.push(name);
      }
      if (list.length) {
        schema.required = list;
      } else {
        delete schema.required;
      }
      write();
    });
    const descriptionInput = h('textarea', { class: 'studio-field-description', rows: '2' });
    descriptionInput.value = spec().description || '';
    descriptionInput.addEventListener('input', () => {
      if (descriptionInput.value) {
        spec().description = descriptionInput.value;
      } else {
        delete spec().description;
      }
      write();
    });
    const card = h('li', { class: 'studio-field', 'data-field': name },
      h('div', { class: 'studio-field-grid' },
        h('label', { class: 'studio-field-row' }, h('span', {}, t('name')), nameInput, nameError),
        h('label', { class: 'studio-field-row' }, h('span', {}, t('title')), titleInput),
        h('label', { class: 'studio-field-row' }, h('span', {}, t('type')), typeSelect),
        h('label', { class: 'studio-field-check' }, requiredInput, h('span', {}, t('required')))),
      optionsRow,
      h('label', { class: 'studio-field-row' }, h('span', {}, t('description')), descriptionInput),
      h('div', { class: 'studio-field-actions' },
        h('button', { type: 'button', class: 'studio-tool studio-field-move-up', disabled: index === 0, onclick: () => moveField(name, -1) }, t('up')),
        h('button', { type: 'button', class: 'studio-tool studio-field-move-down', disabled: index === count - 1, onclick: () => moveField(name, 1) }, t('down')),
        h('button', { type: 'button', class: 'studio-tool studio-field-remove', onclick: () => removeField(name) }, t('remove'))));
    return card;
  }

  // ---- raw JSON
  raw.addEventListener('input', () => {
    source.value = raw.value;
    try {
      schema = JSON.parse(raw.value);
      parseError = '';
    } catch (error) {
      parseError = error.message;
    }
    showError();
    setStatus();
    requestPreview();
  });

  const showTab = (which) => {
    const fields = which === 'fields';
    fieldsTab.setAttribute('aria-selected', fields ? 'true' : 'false');
    jsonTab.setAttribute('aria-selected', fields ? 'false' : 'true');
    fieldsPane.hidden = !fields;
    jsonPane.hidden = fields;
    if (fields) {
      renderFields();
    }
  };
  fieldsTab.addEventListener('click', () => showTab('fields'));
  jsonTab.addEventListener('click', () => showTab('json'));

  wireSave(page, { serialize: () => undefined, isDirty: () => source.value !== initial, onStatus: setStatus });
  page.form.classList.add('studio-enhanced');
  source.hidden = true;
  showTab(parseError ? 'json' : 'fields');
  container.dataset.state = 'ready';
  requestPreview();
  problems.setServer([], 'loading');
  fetchServerProblems(page.checkUrl)
    .then((list) => problems.setServer(list.map((problem) => ({ ...problem, known: false })), 'ready'))
    .catch(() => problems.setServer([], 'error'));
}

const page = getPage();
if (page && page.kind === 'form') {
  startFormEditor(page);
}

// Doudi's attributes on BPMN elements, as engine/bundle.py reads them: `spiffworkflow:property`
// name/value pairs under bpmn:extensionElements/spiffworkflow:properties, the lane's name as
// the role code, bpmn:script, bpmn:conditionExpression. Every write goes through the command
// stack (one undoable step per edit) via the `doudi.multi` command.

import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

export const PROPERTY = {
  form: 'formJsonSchemaFilename',
  uiForm: 'formUiSchemaFilename',
  due: 'dueDate',
  exclude: 'excludeActorsOf',
  evidence: 'evidenceRequired',
  evidenceWhen: 'evidenceRequiredWhen',
  waitRole: 'waitRole'
};

/** Runs several commands as one step of the command stack (undo takes them back together). */
export function MultiCommandHandler(commandStack) {
  this._commandStack = commandStack;
}

MultiCommandHandler.$inject = [ 'commandStack' ];

MultiCommandHandler.prototype.preExecute = function(context) {
  context.commands.forEach(({ cmd, context: subContext }) => {
    this._commandStack.execute(cmd, subContext);
  });
};

export function splitList(value) {
  return String(value || '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function extensionValues(bo) {
  const extensions = bo && bo.get('extensionElements');
  return extensions ? extensions.get('values') : [];
}

export function getPropertiesContainer(element) {
  const bo = getBusinessObject(element);
  return extensionValues(bo).find((value) => is(value, 'spiffworkflow:Properties')) || null;
}

export function getProperty(element, name) {
  const container = getPropertiesContainer(element);
  if (!container) {
    return '';
  }
  const property = container.get('properties').find((item) => item.get('name') === name);
  return (property && property.get('value')) || '';
}

function update(element, moddleElement, properties) {
  return {
    cmd: 'element.updateModdleProperties',
    context: { element, moddleElement, properties }
  };
}

export class PropertyWriter {
  constructor(injector) {
    this.moddle = injector.get('moddle');
    this.commandStack = injector.get('commandStack');
  }

  execute(commands) {
    if (commands.length) {
      this.commandStack.execute('doudi.multi', { commands });
    }
  }

  /** Ensure bpmn:extensionElements holds an element of `type`; returns [it, commands]. */
  _extension(element, type, attributes) {
    const bo = getBusinessObject(element);
    const commands = [];
    let extensions = bo.get('extensionElements');
    if (!extensions) {
      extensions = this.moddle.create('bpmn:ExtensionElements', { values: [] });
      extensions.$parent = bo;
      commands.push(update(element, bo, { extensionElements: extensions }));
    }
    let found = extensions.get('values').find((value) => is(value, type));
    if (!found) {
      found = this.moddle.create(type, attributes);
      found.$parent = extensions;
      commands.push(update(element, extensions, { values: [ ...extensions.get('values'), found ] }));
    }
    return [ found, commands ];
  }

  /** Drop an extension element, and bpmn:extensionElements once it holds nothing. */
  _dropExtension(element, extension) {
    const bo = getBusinessObject(element);
    const extensions = bo.get('extensionElements');
    const rest = extensions.get('values').filter((value) => value !== extension);
    if (rest.length) {
      return [ update(element, extensions, { values: rest }) ];
    }
    return [ update(element, bo, { extensionElements: undefined }) ];
  }

  /** Set (or, when empty, remove) one spiffworkflow:property. */
  setProperty(element, name, value) {
    value = value == null ? '' : String(value);
    const existing = getPropertiesContainer(element);
    if (!value) {
      if (!existing) {
        return;
      }
      const list = existing.get('properties');
      const rest = list.filter((item) => item.get('name') !== name);
      if (rest.length === list.length) {
        return;
      }
      this.execute(rest.length
        ? [ update(element, existing, { properties: rest }) ]
        : this._dropExtension(element, existing));
      return;
    }
    const [ container, commands ] = this._extension(element, 'spiffworkflow:Properties', { properties: [] });
    const list = container.get('properties');
    const property = list.find((item) => item.get('name') === name);
    if (property) {
      if (property.get('value') !== value) {
        commands.push(update(element, property, { value }));
      }
    } else {
      const created = this.moddle.create('spiffworkflow:Property', { name, value });
      created.$parent = container;
      commands.push(update(element, container, { properties: [ ...list, created ] }));
    }
    this.execute(commands);
  }

  /** The text of an extension element with a body (spiffworkflow:calledDecisionId). */
  setExtensionBody(element, type, value) {
    const bo = getBusinessObject(element);
    const current = extensionValues(bo).find((item) => is(item, type));
    if (!value) {
      if (current) {
        this.execute(this._dropExtension(element, current));
      }
      return;
    }
    const [ found, commands ] = this._extension(element, type, { value });
    if (current) {
      commands.push(update(element, found, { value }));
    }
    this.execute(commands);
  }

  setAttributes(element, properties) {
    this.execute([ update(element, getBusinessObject(element), properties) ]);
  }

  /** A sequence flow's condition: bpmn:conditionExpression's text, removed when empty. */
  setCondition(element, text) {
    const bo = getBusinessObject(element);
    const current = bo.get('conditionExpression');
    if (!text) {
      if (current) {
        this.execute([ { cmd: 'element.updateProperties', context: { element, properties: { conditionExpression: undefined } } } ]);
      }
      return;
    }
    if (current) {
      this.execute([ update(element, current, { body: text }) ]);
      return;
    }
    const expression = this.moddle.create('bpmn:FormalExpression', { body: text });
    expression.$parent = bo;
    this.execute([ { cmd: 'element.updateProperties', context: { element, properties: { conditionExpression: expression } } } ]);
  }

  /** A lane's role is its name; its documentation carries the role's label. */
  setLaneRole(element, code, label, previousLabel) {
    const bo = getBusinessObject(element);
    const commands = [ { cmd: 'element.updateProperties', context: { element, properties: { name: code } } } ];
    const documentation = bo.get('documentation');
    const text = documentation.length ? documentation[0].get('text') || '' : '';
    if (label && (!text || text === previousLabel)) {
      if (documentation.length) {
        commands.push(update(element, documentation[0], { text: label }));
      } else {
        const created = this.moddle.create('bpmn:Documentation', { text: label });
        created.$parent = bo;
        commands.push(update(element, bo, { documentation: [ created ] }));
      }
    }
    this.execute(commands);
  }
}

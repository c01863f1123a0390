// Doudi's own bpmnlint rules (plugin "doudi"): what engine/bundle.py refuses at deploy, caught
// while drawing. Messages are English here and translated in messages.js.

import { is } from 'bpmnlint-utils';

import { PROPERTY } from '../properties.js';

function property(node, name) {
  const extensions = node.extensionElements;
  const values = (extensions && extensions.values) || [];
  const container = values.find((value) => is(value, 'spiffworkflow:Properties'));
  const found = container && (container.properties || []).find((item) => item.name === name);
  return ((found && found.value) || '').trim();
}

function lanesOf(container) {
  const lanes = [];
  const collect = (laneSets) => (laneSets || []).forEach((laneSet) => {
    (laneSet.lanes || []).forEach((lane) => {
      lanes.push(lane);
      if (lane.childLaneSet) {
        collect([ lane.childLaneSet ]);
      }
    });
  });
  collect(container.laneSets);
  return lanes;
}

function lanesHolding(node) {
  for (let parent = node.$parent; parent; parent = parent.$parent) {
    if (is(parent, 'bpmn:Process') || is(parent, 'bpmn:SubProcess')) {
      const lanes = lanesOf(parent).filter((lane) => (lane.flowNodeRef || []).includes(node));
      if (lanes.length || is(parent, 'bpmn:Process')) {
        // The innermost lane names the role.
        return lanes.filter((lane) => !lane.childLaneSet || !(lane.childLaneSet.lanes || []).some((child) => lanes.includes(child)));
      }
    }
  }
  return [];
}

export function userTaskForm() {
  return {
    check(node, reporter) {
      if (is(node, 'bpmn:UserTask') && !property(node, PROPERTY.form)) {
        reporter.report(node.id, 'User task has no form');
      }
    }
  };
}

export function userTaskLane(config) {
  const roles = new Set(((config && config.roles) || []).map(String));
  return {
    check(node, reporter) {
      if (!is(node, 'bpmn:UserTask')) {
        return;
      }
      const lanes = lanesHolding(node);
      if (!lanes.length) {
        reporter.report(node.id, 'User task lies in no lane');
        return;
      }
      const name = (lanes[0].name || '').trim();
      if (roles.size && !roles.has(name)) {
        reporter.report(node.id, `The lane <${name}> is not a known role`);
      }
    }
  };
}

export function exclusiveGatewayConditions() {
  return {
    check(node, reporter) {
      if (!is(node, 'bpmn:ExclusiveGateway')) {
        return;
      }
      const outgoing = node.outgoing || [];
      if (outgoing.length > 1 && !node.default && !outgoing.some((flow) => flow.conditionExpression)) {
        reporter.report(node.id, 'Exclusive gateway splits without conditions or a default flow');
      }
    }
  };
}

export function scriptTaskScript() {
  return {
    check(node, reporter) {
      if (is(node, 'bpmn:ScriptTask') && !(node.script || '').trim()) {
        reporter.report(node.id, 'Script task has no script');
      }
    }
  };
}

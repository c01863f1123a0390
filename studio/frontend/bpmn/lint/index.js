// bpmnlint in the browser: the recommended rules (bundled, resolved from this table rather
// than from node_modules) plus Doudi's. Runs on import and, debounced, after every change;
// results go out on the event bus as `doudi.lint.done` ({issues}).

import Linter from 'bpmnlint/lib/linter';
import recommended from 'bpmnlint/config/recommended';
import { debounce } from 'min-dash';

import adHocSubProcess from 'bpmnlint/rules/ad-hoc-sub-process';
import conditionalFlows from 'bpmnlint/rules/conditional-flows';
import endEventRequired from 'bpmnlint/rules/end-event-required';
import eventBasedGateway from 'bpmnlint/rules/event-based-gateway';
import eventSubProcessTypedStartEvent from 'bpmnlint/rules/event-sub-process-typed-start-event';
import fakeJoin from 'bpmnlint/rules/fake-join';
import global from 'bpmnlint/rules/global';
import labelRequired from 'bpmnlint/rules/label-required';
import linkEvent from 'bpmnlint/rules/link-event';
import noBpmndi from 'bpmnlint/rules/no-bpmndi';
import noComplexGateway from 'bpmnlint/rules/no-complex-gateway';
import noDisconnected from 'bpmnlint/rules/no-disconnected';
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows';
import noGatewayJoinFork from 'bpmnlint/rules/no-gateway-join-fork';
import noImplicitEnd from 'bpmnlint/rules/no-implicit-end';
import noImplicitSplit from 'bpmnlint/rules/no-implicit-split';
import noImplicitStart from 'bpmnlint/rules/no-implicit-start';
import noInclusiveGateway from 'bpmnlint/rules/no-inclusive-gateway';
import noOverlappingElements from 'bpmnlint/rules/no-overlapping-elements';
import singleBlankStartEvent from 'bpmnlint/rules/single-blank-start-event';
import singleEventDefinition from 'bpmnlint/rules/single-event-definition';
import startEventRequired from 'bpmnlint/rules/start-event-required';
import subProcessBlankStartEvent from 'bpmnlint/rules/sub-process-blank-start-event';
import superfluousGateway from 'bpmnlint/rules/superfluous-gateway';
import superfluousLabel from 'bpmnlint/rules/superfluous-label';
import superfluousTermination from 'bpmnlint/rules/superfluous-termination';

import { exclusiveGatewayConditions, scriptTaskScript, userTaskForm, userTaskLane } from './rules.js';
import { translateLintMessage } from './messages.js';
import { isEnglish } from '../../shared/i18n.js';

const BPMNLINT_RULES = {
  'ad-hoc-sub-process': adHocSubProcess,
  'conditional-flows': conditionalFlows,
  'end-event-required': endEventRequired,
  'event-based-gateway': eventBasedGateway,
  'event-sub-process-typed-start-event': eventSubProcessTypedStartEvent,
  'fake-join': fakeJoin,
  'global': global,
  'label-required': labelRequired,
  'link-event': linkEvent,
  'no-bpmndi': noBpmndi,
  'no-complex-gateway': noComplexGateway,
  'no-disconnected': noDisconnected,
  'no-duplicate-sequence-flows': noDuplicateSequenceFlows,
  'no-gateway-join-fork': noGatewayJoinFork,
  'no-implicit-end': noImplicitEnd,
  'no-implicit-split': noImplicitSplit,
  'no-implicit-start': noImplicitStart,
  'no-inclusive-gateway': noInclusiveGateway,
  'no-overlapping-elements': noOverlappingElements,
  'single-blank-start-event': singleBlankStartEvent,
  'single-event-definition': singleEventDefinition,
  'start-event-required': startEventRequired,
  'sub-process-blank-start-event': subProcessBlankStartEvent,
  'superfluous-gateway': superfluousGateway,
  'superfluous-label': superfluousLabel,
  'superfluous-termination': superfluousTermination
};

const DOUDI_RULES = {
  'user-task-form': userTaskForm,
  'user-task-lane': userTaskLane,
  'exclusive-gateway-conditions': exclusiveGatewayConditions,
  'script-task-script': scriptTaskScript
};

const RESOLVER = {
  resolveRule(pkg, ruleName) {
    if (pkg === 'bpmnlint') {
      return BPMNLINT_RULES[ruleName];
    }
    if (pkg === 'bpmnlint-plugin-doudi') {
      return DOUDI_RULES[ruleName];
    }
    return undefined;
  },
  resolveConfig(pkg, configName) {
    return pkg === 'bpmnlint' && configName === 'recommended' ? recommended : undefined;
  }
};

export function lintConfig(roles) {
  return {
    extends: 'bpmnlint:recommended',
    rules: {
      // SpiffWorkflow runs an exclusive gateway that both joins and forks as BPMN says, and
      // several flows into a task as an exclusive merge (the shipped processes loop back so).
      'no-gateway-join-fork': 'warn',
      'fake-join': 'off',
      'doudi/user-task-form': 'error',
      'doudi/user-task-lane': [ 'error', { roles } ],
      'doudi/exclusive-gateway-conditions': 'error',
      'doudi/script-task-script': 'warn'
    }
  };
}

/** Turn bpmnlint's results ({rule: [{id, message, category}]}) into problems for the list. */
export function toProblems(results, elementRegistry) {
  const english = isEnglish();
  const problems = [];
  Object.entries(results).forEach(([ rule, reports ]) => {
    reports.forEach((report) => {
      const shape = report.id && elementRegistry.get(report.id);
      const bo = shape && shape.businessObject;
      problems.push({
        source: 'lint',
        rule,
        severity: report.category === 'error' || report.category === 'rule-error' ? 'error' : 'warning',
        element: report.id || '',
        name: (bo && bo.name) || '',
        known: !!shape,
        message: translateLintMessage(report.message, english)
      });
    });
  });
  const rank = { error: 0, warning: 1 };
  return problems.sort((a, b) => rank[a.severity] - rank[b.severity]);
}

export default function DoudiLinting(config, bpmnjs, eventBus, elementRegistry) {
  const roles = () => ((config && config.roles) || []).map((role) => role.code);
  let generation = 0;
  const run = () => {
    const definitions = bpmnjs.getDefinitions();
    if (!definitions) {
      return;
    }
    // A new linter each time: some rules keep what they saw between checks.
    const linter = new Linter({ config: lintConfig(roles()), resolver: RESOLVER });
    const mine = ++generation;
    linter.lint(definitions).then((results) => {
      if (mine === generation) {
        eventBus.fire('doudi.lint.done', { issues: toProblems(results, elementRegistry) });
      }
    }).catch((error) => {
      window.console.error('doudi lint:', error);
    });
  };
  const later = debounce(run, 300);
  this.run = run;
  eventBus.on('import.done', run);
  eventBus.on('commandStack.changed', later);
}

DoudiLinting.$inject = [ 'config.doudiLinting', 'bpmnjs', 'eventBus', 'elementRegistry' ];

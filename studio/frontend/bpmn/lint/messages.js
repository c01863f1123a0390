// Chinese for the messages of the rules the studio enables (bpmnlint's and Doudi's). In
// English the rule's own message is shown.

const EXACT = {
  'Element is missing label/name': '元素缺少名称',
  'Element is missing name': '元素缺少名称',
  'Sequence flow is missing condition': '顺序流缺少条件（也不是默认分支）',
  'Element is not connected': '元素没有连接',
  'Element is an implicit end': '元素没有流出，流程在此隐式结束（请连接到结束事件）',
  'Element is an implicit start': '元素没有流入，流程从此隐式开始（请从开始事件连过来）',
  'Flow splits implicitly': '流程在此隐式分叉（请用网关分叉）',
  'Gateway forks and joins': '网关既汇合又分叉',
  'Incoming flows do not join': '多条流入没有经过网关汇合',
  'Gateway is superfluous. It only has one source and target.': '网关多余：只有一条流入和一条流出',
  'Element overlaps with other element': '元素与其他元素重叠',
  'Element is outside of parent boundary': '元素超出了所属泳道或池的边界',
  'Element is missing bpmndi': '元素缺少图形信息（BPMNDI）',
  'Duplicate outgoing sequence flows': '重复的流出顺序流',
  'Duplicate incoming sequence flows': '重复的流入顺序流',
  'SequenceFlow is a duplicate': '顺序流重复',
  'Event has multiple event definitions': '事件有多个事件定义',
  'Start event must be blank': '子流程的开始事件必须是空白开始事件',
  'Start event is missing event definition': '事件子流程的开始事件缺少事件定义',
  'Termination is superfluous.': '终止结束事件多余',
  'Sequence flow has superfluous label': '顺序流的名称多余（没有条件）',
  'Element is unused': '元素没有被使用',
  'Element name is not unique': '元素名称重复',
  'Link event is missing link name': '链接事件缺少链接名称',
  'An <Event-based Gateway> must have at least 2 outgoing <Sequence Flows>': '事件网关至少需要两条流出顺序流',
  'A <Sequence Flow> outgoing from an <Event-based Gateway> must not be conditional': '事件网关的流出顺序流不能带条件',
  'Conditional event is missing a condition': '条件事件缺少条件',
  'A <Start Event> is not allowed in <Ad Hoc Sub Process>': '自由子流程中不允许开始事件',
  'An <End Event> is not allowed in <Ad Hoc Sub Process>': '自由子流程中不允许结束事件',
  'User task has no form': '人工任务没有指定表单文件',
  'User task lies in no lane': '人工任务不在任何泳道中（泳道指定办理角色）',
  'Exclusive gateway splits without conditions or a default flow': '排他网关有多条流出，但既没有条件也没有默认分支',
  'Script task has no script': '脚本任务没有脚本'
};

const PATTERNS = [
  [ /^(.*) is missing start event$/, (m) => `${m[1]}缺少开始事件` ],
  [ /^(.*) is missing end event$/, (m) => `${m[1]}缺少结束事件` ],
  [ /^(.*) has multiple blank start events$/, (m) => `${m[1]}有多个空白开始事件` ],
  [ /^Element type <(.*)> is discouraged$/, (m) => `不建议使用元素类型 <${m[1]}>` ],
  [ /^The lane <(.*)> is not a known role$/, (m) => `泳道 <${m[1]}> 不是已知的角色` ],
  [ /^Duplicate link catch event with link name <(.*)> in scope$/, (m) => `同一范围内有重复的链接捕获事件 <${m[1]}>` ],
  [ /^Link (catch|throw) event with link name <(.*)> missing in scope$/,
    (m) => `同一范围内缺少名为 <${m[2]}> 的链接${m[1] === 'catch' ? '捕获' : '抛出'}事件` ]
];

const ELEMENT_WORDS = [
  [ /^Process\b/, '流程' ],
  [ /^Sub process\b/i, '子流程' ],
  [ /^Event sub process\b/i, '事件子流程' ]
];

export function translateLintMessage(message, english) {
  if (english) {
    return message;
  }
  if (Object.prototype.hasOwnProperty.call(EXACT, message)) {
    return EXACT[message];
  }
  for (const [ pattern, render ] of PATTERNS) {
    const match = pattern.exec(message);
    if (match) {
      let text = render(match);
      ELEMENT_WORDS.forEach(([ word, chinese ]) => {
        text = text.replace(word, chinese);
      });
      return text;
    }
  }
  return message;
}

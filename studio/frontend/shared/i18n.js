// The editors speak the page's language: <html lang="en"> is English, anything else is
// Simplified Chinese (the portal's default). Messages are [Chinese, English] pairs.

export function isEnglish() {
  return (document.documentElement.getAttribute('lang') || '').toLowerCase().startsWith('en');
}

/**
 * @param {Record<string, [string, string]>} messages
 * @returns {(key: string, values?: Record<string, string|number>) => string}
 */
export function translator(messages) {
  const index = isEnglish() ? 1 : 0;
  return function t(key, values) {
    const pair = messages[key];
    const text = pair ? pair[index] : key;
    return fill(text, values);
  };
}

export function fill(text, values) {
  if (!values) {
    return text;
  }
  return text.replace(/\{(\w+)\}/g, (match, name) =>
    Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : match
  );
}

export const SHARED = {
  save: ['保存', 'Save'],
  saving: ['正在保存…', 'Saving…'],
  unsaved: ['有未保存的修改', 'Unsaved changes'],
  saved: ['没有未保存的修改', 'No unsaved changes'],
  undo: ['撤销', 'Undo'],
  redo: ['重做', 'Redo'],
  fit: ['适合窗口', 'Fit to window'],
  zoomIn: ['放大', 'Zoom in'],
  zoomOut: ['缩小', 'Zoom out'],
  loadFailed: [
    '编辑器无法打开此文件，请直接编辑下面的文本：{error}',
    'The editor cannot open this file; edit the text below instead: {error}'
  ],
  problems: ['检查结果', 'Checks'],
  noProblems: ['没有发现问题', 'No problems found'],
  checking: ['正在检查…', 'Checking…'],
  checkFailed: ['服务器检查无法完成', 'The server checks could not be run'],
  server: ['部署检查', 'server'],
  lint: ['建模检查', 'lint'],
  error: ['错误', 'error'],
  warning: ['警告', 'warning'],
  line: ['第 {line} 行', 'line {line}'],
  otherFile: ['在文件 {file}', 'in {file}'],
  editor: ['编辑器', 'Editor'],
  source: ['源文本', 'Source']
};

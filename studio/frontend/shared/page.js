// The draft file page's contract (rendered by the studio's draft views):
//
//   <form id="draft-file-form" method="post">{csrf}<input type="hidden" name="revision">
//     <textarea id="draft-source" name="text">…</textarea>
//     <button type="submit" name="action" value="save">保存</button></form>
//   <div id="draft-editor" data-kind="bpmn|dmn|form" data-file="dibao.bpmn"
//        data-check-url="…/check.json" data-preview-url="…/form-preview"></div>
//   json_script: studio-roles, studio-forms, studio-evidence
//
// Without JavaScript the page is a plain text editor; the editors enhance it.

export function readJsonScript(id, fallback) {
  const node = document.getElementById(id);
  if (!node) {
    return fallback;
  }
  try {
    const value = JSON.parse(node.textContent || 'null');
    return value == null ? fallback : value;
  } catch (error) {
    return fallback;
  }
}

export function getPage() {
  const container = document.getElementById('draft-editor');
  const form = document.getElementById('draft-file-form');
  const source = document.getElementById('draft-source');
  if (!container || !form || !source) {
    return null;
  }
  return {
    container,
    form,
    source,
    kind: container.dataset.kind || '',
    file: container.dataset.file || '',
    checkUrl: container.dataset.checkUrl || '',
    previewUrl: container.dataset.previewUrl || '',
    roles: readJsonScript('studio-roles', []),
    forms: readJsonScript('studio-forms', []),
    evidence: readJsonScript('studio-evidence', [])
  };
}

export function csrfToken(form) {
  const input = form.querySelector('input[name="csrfmiddlewaretoken"]');
  return input ? input.value : '';
}

/** Create an element: h('button', {type: 'button', class: 'x'}, 'text', child…). */
export function h(tag, attributes, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([name, value]) => {
    if (value === false || value == null) {
      return;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      node.className = value;
    } else if (value === true) {
      node.setAttribute(name, '');
    } else {
      node.setAttribute(name, String(value));
    }
  });
  children.flat().forEach((child) => {
    if (child == null || child === false) {
      return;
    }
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  });
  return node;
}

/**
 * Save by the page's own form: the submit event is held while `serialize` writes the editor's
 * text into the textarea, then the same button submits again (so `action=save` is posted).
 * Leaving with unsaved changes asks first.
 */
export function wireSave(page, { serialize, isDirty, onStatus }) {
  let serialized = false;
  let submitting = false;
  page.form.addEventListener('submit', (event) => {
    if (serialized) {
      submitting = true;
      return;
    }
    event.preventDefault();
    const submitter = event.submitter || page.form.querySelector('button[type="submit"]');
    if (onStatus) {
      onStatus('saving');
    }
    Promise.resolve(serialize())
      .then(() => {
        serialized = true;
        page.form.requestSubmit(submitter);
        serialized = false;
      })
      .catch((error) => {
        serialized = false;
        if (onStatus) {
          onStatus('error', error);
        }
      });
  });
  window.addEventListener('beforeunload', (event) => {
    if (!submitting && isDirty()) {
      event.preventDefault();
      event.returnValue = '';
    }
  });
  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && (event.key === 's' || event.key === 'S')) {
      event.preventDefault();
      page.form.requestSubmit(page.form.querySelector('button[type="submit"][value="save"]') || undefined);
    }
  });
}

export function saveButton(page) {
  return page.form.querySelector('button[type="submit"][value="save"]') ||
    page.form.querySelector('button[type="submit"]');
}

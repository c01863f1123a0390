// Loads the editor a draft file page needs, and only that one: the script tag (from
// studio/_editor_assets.html) lists each kind's stylesheets and scripts in data attributes,
//   data-bpmn-css="a.css b.css" data-bpmn-js="modeler.js editor.js"
// and the kind comes from #draft-editor's data-kind. Scripts run in the order given.

(function() {
  const script = document.currentScript;
  const container = document.getElementById('draft-editor');
  if (!script || !container) {
    return;
  }
  const kind = container.dataset.kind || '';
  if (!/^[a-z]+$/.test(kind)) {
    return;
  }
  const list = (name) => (script.getAttribute(`data-${kind}-${name}`) || '').split(/\s+/).filter(Boolean);
  list('css').forEach((href) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    document.head.appendChild(link);
  });
  list('js').forEach((src) => {
    const tag = document.createElement('script');
    tag.src = src;
    tag.async = false;
    tag.addEventListener('error', () => {
      container.dataset.state = 'error';
    });
    document.body.appendChild(tag);
  });
})();

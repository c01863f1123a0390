// The roster's progress bar: polls progress.json while the roster builds, then reloads.
(function () {
  "use strict";
  const box = document.getElementById("roster-progress");
  if (!box) return;
  const bar = document.getElementById("roster-progress-bar");
  const done = document.getElementById("roster-progress-done");
  const total = document.getElementById("roster-progress-total");
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.max = Math.max(data.total, 1);
        bar.value = data.done;
        done.textContent = data.done;
        total.textContent = data.total;
        if (data.building) {
          window.setTimeout(poll, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();

// Progress of a bulk migration (studio/migration.html): while the job is queued or running,
// ask its JSON every second (portal/progress.js) and move the <progress> bar and the counts;
// when it stops (done, failed or paused), reload once so the failures and the buttons are
// shown.
(function () {
  "use strict";

  var box = document.getElementById("migration-progress");
  if (!box || box.getAttribute("data-active") !== "yes") {
    return;
  }
  var bar = box.querySelector("progress");

  function show(data) {
    bar.max = data.total;
    bar.value = data.processed;
    bar.textContent = data.processed + " / " + data.total;
    box.querySelector(".done").textContent = data.done;
    box.querySelector(".failed").textContent = data.failed;
    box.querySelector(".total").textContent = data.total;
    box.querySelector(".status-label").textContent = data.status_label;
    box.setAttribute("data-status", data.status);
  }

  function next(data) {
    return data.active ? "again" : "reload";
  }

  window.doudiPollProgress(box.getAttribute("data-progress-url"), show, next);
})();

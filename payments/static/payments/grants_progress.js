// Progress of a batch being granted (payments/grants/batch.html): while the job runs, ask the
// batch's progress JSON every second (portal/progress.js) and move the <progress> bar and the
// count; when the batch is approved (or the job stopped on an error), reload once to show the
// grants.
(function () {
  "use strict";

  var box = document.getElementById("grant-progress");
  if (!box || box.getAttribute("data-granting") !== "yes") {
    return;
  }
  var bar = box.querySelector("progress");
  var status = document.querySelector(".batch-status");

  function show(data) {
    bar.max = data.total;
    bar.value = data.done;
    bar.textContent = data.done + " / " + data.total;
    box.querySelector(".done").textContent = data.done;
    box.querySelector(".total").textContent = data.total;
    if (status) {
      status.textContent = data.status_label;
    }
  }

  function next(data) {
    if (data.granting && !data.error) {
      return "again";
    }
    if (!data.granting || !box.querySelector(".job-error:not([hidden])")) {
      return "reload";
    }
    return "stop";
  }

  window.doudiPollProgress(box.getAttribute("data-progress-url"), show, next);
})();

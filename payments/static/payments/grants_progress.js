// Progress of a batch being granted (payments/grants/batch.html): while the job runs, ask the
// batch's progress JSON every second and move the <progress> bar and the count; when the
// batch is approved (or the job stopped on an error), reload once to show the grants.
(function () {
  "use strict";

  var box = document.getElementById("grant-progress");
  if (!box || box.getAttribute("data-granting") !== "yes") {
    return;
  }
  var url = box.getAttribute("data-progress-url");
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

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.granting && !data.error) {
          window.setTimeout(poll, 1000);
        } else if (!data.granting || !box.querySelector(".job-error:not([hidden])")) {
          window.location.reload();
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();

// Polling a job's progress JSON, shared by the pages that show a running job's <progress>
// bar (payments/grants_progress.js, studio/migration.js). Each page says how to show the
// JSON and what comes next: "again" asks again in a second, "reload" reloads the page once,
// anything else stops. A failed request is retried after five seconds.
(function () {
  "use strict";

  function pollProgress(url, show, next) {
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
          var then = next(data);
          if (then === "again") {
            window.setTimeout(poll, 1000);
          } else if (then === "reload") {
            window.location.reload();
          }
        })
        .catch(function () {
          window.setTimeout(poll, 5000);
        });
    }

    window.setTimeout(poll, 1000);
  }

  window.doudiPollProgress = pollProgress;
})();

/* Export job page: polls the job's status.json every 1.5 s and moves the progress bar; shows the
   download link when the file is ready, or the error when it failed. Without JavaScript the
   page refreshes itself (a <noscript> meta refresh) and has a reload link. */
(function () {
  "use strict";

  var root = document.getElementById("export-job");
  if (!root) {
    return;
  }
  var url = root.getAttribute("data-status-url");
  var rowsText = root.getAttribute("data-rows-text");
  var wrapper = document.getElementById("export-job-progress");
  var bar = wrapper.querySelector(".progress-bar");
  var stateLabel = document.getElementById("export-job-state-label");
  var rows = document.getElementById("export-job-rows");
  var error = document.getElementById("export-job-error");
  var download = document.getElementById("export-job-download");
  var reload = document.getElementById("export-job-reload");

  function show(status) {
    bar.style.width = status.percent + "%";
    bar.textContent = status.percent + "%";
    wrapper.setAttribute("aria-valuenow", status.percent);
    stateLabel.textContent = status.state_label;
    if (status.rows_total && !status.finished) {
      rows.hidden = false;
      rows.textContent = rowsText.replace("{done}", status.rows_done).replace("{total}", status.rows_total);
    } else {
      rows.hidden = true;
    }
    if (!status.finished) {
      return false;
    }
    bar.classList.remove("progress-bar-striped", "progress-bar-animated");
    bar.classList.add(status.state === "done" ? "bg-success" : "bg-danger");
    reload.hidden = true;
    if (status.state === "done") {
      download.hidden = false;
    } else {
      error.textContent = status.error;
      error.hidden = false;
    }
    return true;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (status) {
        if (!show(status)) {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  if (download.hidden && error.hidden) {
    window.setTimeout(poll, 1500);
  }
})();

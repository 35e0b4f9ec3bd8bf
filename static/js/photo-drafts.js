// Photos chosen on a report, visit or rectification form are stored at once as the user's drafts,
// so an error on the form (or a dropped connection) never loses them. Without this script the
// form's own POST keeps them: this is only the faster path. A submit while photos are still
// uploading waits for them, so a photo is never sent twice nor lost.
(function () {
  "use strict";
  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function showErrors(input, messages) {
    var box = input.parentNode.querySelector(".photo-draft-errors");
    if (!box) {
      box = document.createElement("div");
      box.className = "photo-draft-errors invalid-feedback d-block";
      input.insertAdjacentElement("afterend", box);
    }
    box.textContent = messages.join("；");
  }
  document.querySelectorAll("input[type=file][data-draft-url]").forEach(function (input) {
    var form = input.form;
    var list = form && form.querySelector("[data-draft-list]");
    if (!list || !window.fetch || !window.FormData) return;
    var pending = null;
    form.addEventListener("submit", function (event) {
      if (!pending) return;
      event.preventDefault();
      var submitter = event.submitter;
      pending.then(function () {
        if (form.requestSubmit) form.requestSubmit(submitter || undefined);
        else form.submit();
      });
    });
    input.addEventListener("change", function () {
      if (!input.files.length) return;
      var data = new FormData();
      Array.prototype.forEach.call(input.files, function (file) { data.append("photos", file); });
      pending = fetch(input.dataset.draftUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "X-Requested-With": "fetch" },
      })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (answer.html && answer.html.trim()) {
            list.insertAdjacentHTML("beforeend", answer.html);
            list.classList.remove("d-none");
          }
          // Stored (or refused with a reason shown): the form sends the drafts' ids, not the files.
          input.value = "";
          showErrors(input, answer.errors || []);
        })
        .catch(function () { /* keep the files in the input: the form's POST stores them */ })
        .then(function () { pending = null; });
    });
  });
})();

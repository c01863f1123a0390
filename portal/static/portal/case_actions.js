// Case actions (portal/_case_actions.html): the member and date of a death are asked for only
// when the reason or change chosen is a death. Without this script every field stays shown.
(function () {
  "use strict";

  function wrapperOf(form, name) {
    var field = form.querySelector('[name="' + name + '"]');
    return field ? field.closest("p") : null;
  }

  document.querySelectorAll("form[data-death-choice]").forEach(function (form) {
    var choice = form.getAttribute("data-death-choice");
    var wrappers = ["member", "died_on"]
      .map(function (name) { return wrapperOf(form, name); })
      .filter(function (wrapper) { return wrapper !== null; });

    function update() {
      var checked = form.querySelector('[name="' + choice + '"]:checked');
      var death = checked !== null && checked.value === "death";
      wrappers.forEach(function (wrapper) { wrapper.hidden = !death; });
    }

    form.addEventListener("change", update);
    update();
  });
})();

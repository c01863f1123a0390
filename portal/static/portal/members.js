// Household members on the application page: add and remove rows of the Django formset.
// Rows rendered by the server (after a refused submission, say) work the same as added ones:
// every change renumbers all rows and the TOTAL_FORMS count, so no phantom rows remain.
(function () {
  "use strict";
  var box = document.getElementById("members");
  var template = document.getElementById("member-template");
  if (!box || !template) {
    return;
  }
  var prefix = box.dataset.prefix;
  var max = parseInt(box.dataset.max, 10) || 20;
  var rows = box.querySelector("[data-member-rows]");
  var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  var add = document.getElementById("add-member");
  var fieldName = new RegExp("^(id_)?" + prefix + "-(\\d+|__prefix__)-");

  function allRows() {
    return rows.querySelectorAll("[data-member-row]");
  }

  function renumber() {
    var list = allRows();
    list.forEach(function (row, index) {
      row.querySelectorAll("[name], [id], [for]").forEach(function (element) {
        ["name", "id", "for"].forEach(function (attribute) {
          var value = element.getAttribute(attribute);
          if (value) {
            element.setAttribute(
              attribute,
              value.replace(fieldName, function (match, id) {
                return (id || "") + prefix + "-" + index + "-";
              })
            );
          }
        });
      });
      row.querySelector("[data-member-number]").textContent = String(index + 1);
      row.querySelector("[data-applicant-mark]").hidden = index !== 0;
      row.querySelector("[data-remove-member]").hidden = list.length <= 1;
    });
    total.value = String(list.length);
    add.hidden = list.length >= max;
  }

  function addRow(event) {
    event.preventDefault();
    if (allRows().length >= max) {
      return;
    }
    rows.insertAdjacentHTML("beforeend", template.innerHTML);
    renumber();
    var added = allRows();
    var first = added[added.length - 1].querySelector("input[type=text]");
    if (first) {
      first.focus();
    }
  }

  rows.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-member]");
    if (!button || allRows().length <= 1) {
      return;
    }
    button.closest("[data-member-row]").remove();
    renumber();
    add.focus();
  });
  add.addEventListener("click", addRow);
  renumber();
})();

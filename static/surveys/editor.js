// Survey editor: add questions from the formset's empty form and reorder with the arrows.
// Without JavaScript the page still works: one empty question form is always present.
(function () {
  "use strict";
  var list = document.getElementById("question-list");
  var template = document.getElementById("question-template");
  var total = document.getElementById("id_questions-TOTAL_FORMS");
  if (!list || !template || !total) return;

  function renumber() {
    var items = list.querySelectorAll(".question-item");
    items.forEach(function (item, index) {
      var order = item.querySelector("input[name$='-order']");
      if (order) order.value = index;
    });
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    var item = button.closest(".question-item");
    if (button.classList.contains("move-up") && item.previousElementSibling) {
      list.insertBefore(item, item.previousElementSibling);
    } else if (button.classList.contains("move-down") && item.nextElementSibling) {
      list.insertBefore(item.nextElementSibling, item);
    } else {
      return;
    }
    renumber();
    button.focus();
  });

  document.getElementById("add-question").addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var item = document.createElement("li");
    item.className = "question-item card";
    item.innerHTML = html;
    list.appendChild(item);
    total.value = String(index + 1);
    renumber();
    var key = item.querySelector("input[name$='-key']");
    if (key) key.focus();
  });
})();

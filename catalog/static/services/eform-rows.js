/* The e-form editor: "Add a field" copies the empty row (Django's __prefix__ form) and bumps the
   formset's TOTAL_FORMS. Without JavaScript the rows that exist stay editable. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var add = document.getElementById("eform-add-row");
    var template = document.getElementById("eform-empty-row");
    var total = document.getElementById("id_eform-TOTAL_FORMS");
    var list = document.querySelector("#eform-rows .eform-row-list");
    if (!add || !template || !total || !list) { return; }
    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var row = holder.firstElementChild;
      row.querySelector(".eform-row-number").textContent = String(index + 1);
      var label = row.getAttribute("aria-label") || "";
      row.setAttribute("aria-label", label + String(index + 1));
      var order = row.querySelector('input[name$="-ORDER"]');
      if (order) { order.value = String(index + 1); }
      list.appendChild(row);
      total.value = String(index + 1);
      var first = row.querySelector("input[type=text]");
      if (first) { first.focus(); }
    });
  });
})();

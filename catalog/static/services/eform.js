/* E-form address fields: show only the communes of the chosen province. Without JavaScript
   every commune stays selectable and the server checks that it lies in the province. */
(function () {
  "use strict";
  function wire(widget) {
    var province = widget.querySelector('select[data-address="province"]');
    var ward = widget.querySelector('select[data-address="ward"]');
    if (!province || !ward) { return; }
    function apply() {
      var chosen = province.options[province.selectedIndex];
      var name = chosen && chosen.value ? chosen.text : null;
      Array.prototype.forEach.call(ward.querySelectorAll("optgroup"), function (group) {
        var match = !name || group.label === name;
        group.hidden = !match;
        group.disabled = !match;
      });
      var current = ward.options[ward.selectedIndex];
      if (current && current.parentNode.tagName === "OPTGROUP" && current.parentNode.disabled) {
        ward.value = "";
      }
    }
    province.addEventListener("change", apply);
    apply();
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".address-widget"), wire);
  });
})();

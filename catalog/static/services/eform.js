/* E-form address fields: the commune list holds only the communes of the chosen province.
   Without JavaScript the "Show the communes of this province" button reloads the step with
   them; with it, choosing a province fetches them (JSON) and the button is hidden. */
(function () {
  "use strict";
  function wire(widget) {
    var province = widget.querySelector('select[data-address="province"]');
    var ward = widget.querySelector('select[data-address="ward"]');
    var refresh = widget.querySelector(".address-refresh");
    if (!province || !ward || !window.fetch) { return; }
    if (refresh) { refresh.hidden = true; }
    province.addEventListener("change", function () {
      var placeholder = ward.options.length ? ward.options[0] : null;
      var url = ward.getAttribute("data-wards-url").replace("PROVINCE", encodeURIComponent(province.value || "0"));
      ward.disabled = true;
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { wards: [] }; })
        .then(function (data) {
          while (ward.options.length) { ward.remove(0); }
          var first = document.createElement("option");
          first.value = "";
          first.textContent = data.placeholder || (placeholder ? placeholder.textContent : "—");
          ward.appendChild(first);
          (data.wards || []).forEach(function (w) {
            var option = document.createElement("option");
            option.value = w.code;
            option.textContent = w.name;
            ward.appendChild(option);
          });
        })
        .catch(function () { if (refresh) { refresh.hidden = false; } })
        .then(function () { ward.disabled = false; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".address-widget"), wire);
  });
})();

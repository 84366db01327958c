/* Back office: small accessibility fixes to Django admin widgets built by its own scripts.
   The selector's search icons carry an aria-label on a bare <span>; give them role="img". */
(function () {
  "use strict";
  function fix() {
    Array.prototype.forEach.call(document.querySelectorAll("span.search-label-icon[aria-label]"), function (span) {
      span.setAttribute("role", "img");
    });
  }
  window.addEventListener("load", function () { window.setTimeout(fix, 0); });
})();

// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Submit the language form as soon as a language is picked (the button is for no-JS browsers).
  document.querySelectorAll(".lang-switch select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Busy state: a POST form, once sent, shows which button is working and refuses a second
  // submission (a double tap on "Nộp hồ sơ" or a payment button). The button is not disabled:
  // a disabled submitter would drop its name=value from the request.
  var busyText = document.documentElement.lang === "en" ? "Please wait…" : "Đang xử lý…";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post" || form.hasAttribute("data-no-busy")) { return; }
    if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
    if (event.defaultPrevented) { return; }
    form.setAttribute("aria-busy", "true");
    var button = event.submitter || form.querySelector("button[type=submit], button:not([type])");
    if (button) {
      button.setAttribute("aria-disabled", "true");
      button.classList.add("is-busy");
      button.setAttribute("data-label", button.textContent);
      button.textContent = button.getAttribute("data-busy-text") || busyText;
    }
    window.setTimeout(release, 20000);
  });
  // Usable again when coming back with the Back button (page cache), or if no page came after
  // a long wait (a download, a dropped connection).
  function release() {
    document.querySelectorAll("form[aria-busy=true]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll(".is-busy").forEach(function (button) {
        button.classList.remove("is-busy");
        button.removeAttribute("aria-disabled");
        button.textContent = button.getAttribute("data-label");
      });
    });
  }
  window.addEventListener("pageshow", function (event) { if (event.persisted) { release(); } });
  // Move focus to an error summary so screen readers announce it.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.setAttribute("tabindex", "-1"); summary.focus(); }
})();

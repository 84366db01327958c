// Progressive enhancement: choosing a province reloads the commune list (the form keeps
// working without JavaScript through the "Show communes" button).
(function () {
  var province = document.getElementById("id_province");
  var refresh = document.querySelector("button[name=refresh_wards]");
  if (!province || !refresh) return;
  document.documentElement.classList.add("js");
  province.addEventListener("change", function () { refresh.click(); });
})();

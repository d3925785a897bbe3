// The print view's one button; a file of its own because the pages allow no inline script (CSP).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print");
  if (button) button.addEventListener("click", function () { window.print(); });
});

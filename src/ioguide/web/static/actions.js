// Page actions that would otherwise be inline handlers (the Content-Security-Policy allows no inline script):
// a button with data-print prints the page.
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (target) {
    window.print();
  }
});

// Reports a failed WebAssembly start in plain words; everything else is done by the wasm module.
(function () {
  "use strict";
  var shown = false;
  function fail() {
    if (shown || document.documentElement.hasAttribute("data-ready")) return;
    shown = true;
    var status = document.getElementById("boot-status");
    var box = document.getElementById("load-failed");
    if (status) status.hidden = true;
    if (box) box.hidden = false;
  }
  // The module that instantiates the wasm rejects when the wasm cannot be fetched or compiled.
  window.addEventListener("unhandledrejection", fail);
  window.addEventListener("error", function (event) {
    var target = event.target;
    if (target && (target.tagName === "SCRIPT" || target.tagName === "LINK")) fail();
  }, true);
  // A module that never loads at all raises nothing, so give up after a generous wait.
  window.addEventListener("load", function () { setTimeout(fail, 15000); });
})();

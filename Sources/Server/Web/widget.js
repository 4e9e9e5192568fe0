/*
 * Switchboard chat widget loader. Put one tag on any page:
 *
 *   <script src="https://support.example.com/widget.js" data-widget-key="wk_…" async></script>
 *
 * It adds a launcher button and a chat window. Everything else loads from the same origin as
 * this file, inside a shadow root so the host page's styles and the widget's never mix.
 * This file is a classic script (no `import`) so it works in any page; the rest are modules.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.switchboardWidgetLoaded) return;
  window.switchboardWidgetLoaded = true;
  var origin = new URL(script.src, location.href).origin;
  var widgetKey = script.getAttribute("data-widget-key");
  if (!widgetKey) {
    console.error("Switchboard widget: the script tag needs data-widget-key");
    return;
  }

  function mount() {
    var host = document.createElement("div");
    host.id = "switchboard-widget";
    // Above the host page's own content, out of its layout.
    host.style.cssText = "position:fixed;z-index:2147483000;inset:auto 0 0 auto;";
    document.body.appendChild(host);
    var root = host.attachShadow({ mode: "open" });
    import(origin + "/widget/app.js")
      .then(function (app) { app.mountWidget(root, { origin: origin, widgetKey: widgetKey }); })
      .catch(function (error) { console.error("Switchboard widget failed to load", error); });
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();

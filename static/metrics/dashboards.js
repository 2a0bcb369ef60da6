/* Draws every figure the page embeds with json_script and makes chart points clickable.
   Figure data never goes through innerHTML: JSON.parse of a json_script element, then Plotly. */
(function () {
  "use strict";

  function sameSitePath(url) {
    // Only follow links the server built: absolute paths on this site, never "//host" or "javascript:".
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" && url.charAt(1) !== "\\";
  }

  // The page carries Plotly's template once, not in every figure; each figure parses its own
  // copy, so nothing Plotly does to one layout reaches another.
  var templateText = null;

  function draw(target) {
    var source = document.getElementById(target.getAttribute("data-figure"));
    if (!source || typeof Plotly === "undefined") { return; }
    var figure = JSON.parse(source.textContent);
    var layout = figure.layout || {};
    if (templateText && !layout.template) { layout.template = JSON.parse(templateText); }
    var isSpark = target.classList.contains("spark");
    layout.autosize = true;
    var config = {
      responsive: true,
      displaylogo: false,
      staticPlot: isSpark,
      // The cloud buttons post to Chart Studio, which a self-hosted install never reaches.
      modeBarButtonsToRemove: [
        "select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "sendChartToCloud", "sendDataToCloud"
      ]
    };
    Plotly.newPlot(target, figure.data || [], layout, config).then(function () {
      target.setAttribute("data-drawn", "1");
    });
    if (!isSpark) {
      target.on("plotly_click", function (event) {
        var point = event && event.points && event.points[0];
        if (point && sameSitePath(point.customdata)) { window.location.assign(point.customdata); }
      });
    }
  }

  function toggleCustomRange() {
    var select = document.querySelector("[data-range-select]");
    if (!select) { return; }
    var update = function () {
      var custom = select.value === "custom";
      document.querySelectorAll("[data-custom-range]").forEach(function (field) {
        field.hidden = !custom;
        field.querySelectorAll("input").forEach(function (input) { input.disabled = !custom; });
      });
    };
    select.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    toggleCustomRange();
    var template = document.getElementById("plotly-template");
    if (template) { templateText = template.textContent; }
    document.querySelectorAll("[data-figure]").forEach(draw);
  });
})();

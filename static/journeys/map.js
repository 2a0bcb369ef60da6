/* Draws the journey map's Plotly figures from the JSON the server embedded with json_script. */
(function () {
  "use strict";
  function draw(chartId, dataId) {
    var target = document.getElementById(chartId);
    var source = document.getElementById(dataId);
    if (!target || !source || typeof Plotly === "undefined") { return; }
    var figure = JSON.parse(source.textContent);
    Plotly.newPlot(target, figure.data, figure.layout, {
      displaylogo: false,
      responsive: true,
      // The cloud buttons post to Chart Studio, which a self-hosted install never reaches.
      modeBarButtonsToRemove: ["sendChartToCloud", "sendDataToCloud"]
    });
  }
  draw("emotion-chart", "emotion-figure");
  draw("funnel-chart", "funnel-figure");
  var printButton = document.querySelector("[data-print]");
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }
})();

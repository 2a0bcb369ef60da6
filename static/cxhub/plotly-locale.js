/* Registers the page's Plotly locale (built by the server from Django's translations and
   formats, embedded with json_script) and makes it every figure's default. */
(function () {
  "use strict";
  var source = document.getElementById("plotly-locale");
  if (!source || typeof Plotly === "undefined") { return; }
  var locale = JSON.parse(source.textContent);
  // English is Plotly's built-in locale; registering it again would replace, not extend, it.
  if (locale.name === "en") { return; }
  Plotly.register({
    moduleType: "locale",
    name: locale.name,
    dictionary: locale.dictionary,
    format: locale.format
  });
  Plotly.setPlotConfig({ locale: locale.name });
})();

// Starts Swagger UI (/api/docs) or ReDoc (/api/redoc). This lives in a file, not in the
// pages, because their Content-Security-Policy runs no inline script; the templates pass
// the spec URL and settings as data- attributes.
(function () {
  "use strict";

  var swagger = document.getElementById("swagger-ui");
  if (swagger) {
    var config = JSON.parse(swagger.getAttribute("data-config") || "{}");
    window.ui = window.SwaggerUIBundle(
      Object.assign({ url: swagger.getAttribute("data-spec-url"), domNode: swagger }, config)
    );
  }

  var redoc = document.getElementById("redoc");
  if (redoc) {
    document.body.style.margin = "0"; // the page is ReDoc's alone, edge to edge
    window.Redoc.init(redoc.getAttribute("data-spec-url"), {}, redoc);
  }
})();

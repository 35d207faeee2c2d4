// Injected by tests/export/test_html.py into a COPY of plan.html, and by tests/test_cards.py
// into copies of routine cards (the pages themselves have no script). Runs in an iframe of a known width once the page is laid out, and writes what it
// measured into the parent page, which the test reads back with chromium --dump-dom.
(function () {
  var root = document.documentElement;
  var limit = root.clientWidth;
  var overflowing = [];
  var colours = {};

  function backgroundOf(element) {
    // The first opaque background at or above the element; the page's own is white.
    for (var el = element; el && el.nodeType === 1; el = el.parentElement) {
      var background = getComputedStyle(el).backgroundColor;
      if (background !== "transparent" && !/^rgba\(.*,\s*0\)$/.test(background)) {
        return background;
      }
    }
    return "rgb(255, 255, 255)";
  }

  function hasOwnText(element) {
    return Array.prototype.some.call(element.childNodes, function (node) {
      return node.nodeType === 3 && node.textContent.trim() !== "";
    });
  }

  document.querySelectorAll("body *").forEach(function (element) {
    var box = element.getBoundingClientRect();
    if (box.width > 0 && (box.right > limit + 0.5 || box.left < -0.5)) {
      overflowing.push(
        element.tagName.toLowerCase() + "." + String(element.className) +
          " spans " + box.left.toFixed(1) + " to " + box.right.toFixed(1)
      );
    }
    if (!hasOwnText(element) || element.getClientRects().length === 0) {
      return; // no text of its own, or not rendered at all
    }
    var style = getComputedStyle(element);
    var ink = element instanceof SVGElement ? style.fill : style.color;
    var pair = ink + " on " + backgroundOf(element);
    if (!(pair in colours)) {
      colours[pair] = {ink: ink, background: backgroundOf(element),
                       sample: element.textContent.trim().slice(0, 40)};
    }
  });

  var day = document.querySelector("td.day");
  var head = document.querySelector(".grid thead");
  var figures = Array.prototype.map.call(document.querySelectorAll("svg.pose-figure"), function (svg) {
    var box = svg.getBoundingClientRect();
    return {title: svg.querySelector("title").textContent, width: box.width, height: box.height};
  });
  var result = {
    name: window.name,
    scrollWidth: root.scrollWidth,
    clientWidth: limit,
    overflowing: overflowing.slice(0, 20),
    colours: Object.keys(colours).map(function (key) { return colours[key]; }),
    dayDisplay: day ? getComputedStyle(day).display : "",
    dayHeaderHeight: head ? head.getBoundingClientRect().height : 0,
    figures: figures
  };
  var out = parent.document.createElement("pre");
  out.className = "layout-check";
  out.textContent = JSON.stringify(result);
  parent.document.body.appendChild(out);
})();

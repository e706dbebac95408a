// A display equation wider than the text column (a notebook's long line of math at a
// 1024 px window) is drawn smaller until it fits, down to 75 % of its size, instead of
// hiding its end behind a scroll bar. Run once MathJax has typeset the page, and again
// whenever the window's width changes. tests/test_docs.py measures the result.
(function () {
  const MIN_SCALE = 0.75;
  function fit() {
    for (const el of document.querySelectorAll("mjx-container[display='true']")) {
      if (el.dataset.fontSize === undefined) el.dataset.fontSize = el.style.fontSize || "";
      el.style.fontSize = el.dataset.fontSize;
      if (el.scrollWidth <= el.clientWidth + 1) continue;
      const base = parseFloat(el.dataset.fontSize) || 100;  // MathJax's own scale, in %
      const scale = Math.max(MIN_SCALE, (el.clientWidth - 2) / el.scrollWidth);
      el.style.fontSize = (base * scale).toFixed(1) + "%";
    }
  }
  window.addEventListener("load", function () {
    const typeset = window.MathJax && MathJax.startup ? MathJax.startup.promise : null;
    if (typeset) typeset.then(fit);
  });
  window.addEventListener("resize", fit);
})();

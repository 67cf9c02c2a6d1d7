// Keyboard review: j/k move and Enter opens in the queue; a accept, v correct, n null, s skip, b back on an item.
document.addEventListener("keydown", function (e) {
  var t = e.target, tag = t && t.tagName;
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || e.ctrlKey || e.metaKey || e.altKey) return;
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-href]"));
  if (rows.length) {
    var i = rows.findIndex(function (r) { return r.classList.contains("sel"); });
    if (e.key === "j" || e.key === "k") {
      if (i >= 0) rows[i].classList.remove("sel");
      i = Math.max(0, Math.min(rows.length - 1, i + (e.key === "j" ? 1 : -1)));
      rows[i].classList.add("sel"); rows[i].scrollIntoView({block: "nearest"}); e.preventDefault();
    } else if (e.key === "Enter" && i >= 0) { location.href = rows[i].dataset.href; }
    return;
  }
  var key = {a: "accept", n: "null"}[e.key], el;
  if (key && (el = document.getElementById("do-" + key))) { el.click(); e.preventDefault(); }
  else if ((e.key === "v" || e.key === "a") && (el = document.getElementById("value"))) {
    el.focus(); e.preventDefault();  // an ambiguous null has nothing to accept: type the right reading
  }
  else if ((e.key === "s" || e.key === "b") && (el = document.getElementById(e.key === "s" ? "skip" : "back"))) { el.click(); }
});
var first = document.querySelector("#source #ev-0") || document.querySelector("#source mark");
var pane = document.getElementById("source");
if (first && pane) pane.scrollTop = first.offsetTop - pane.offsetTop - pane.clientHeight / 3;

// Small progressive help; every page works without it.
// "/" focuses the search box (unless typing in a field already).
document.addEventListener("keydown", (event) => {
  const tag = (event.target && event.target.tagName) || "";
  if (event.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(tag)) {
    const box = document.getElementById("q");
    if (box) { event.preventDefault(); box.focus(); }
  }
});

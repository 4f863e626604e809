// Small progressive help; every page works without it.
// "/" focuses the search box (unless typing in a field already).
document.addEventListener("keydown", (event) => {
  const tag = (event.target && event.target.tagName) || "";
  if (event.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(tag)) {
    const box = document.getElementById("q");
    if (box) { event.preventDefault(); box.focus(); }
  }
});

// Race diagrams: hovering or focusing a step (in the SVG or in its text list)
// highlights the diff lines it names; the step's link jumps to the first one.
for (const step of document.querySelectorAll(".race-figure [data-lines]")) {
  const rows = () => step.getAttribute("data-lines").split(" ").filter(Boolean)
    .map((id) => document.getElementById(id)).filter(Boolean);
  const on = () => rows().forEach((row) => row.classList.add("race-hl"));
  const off = () => rows().forEach((row) => row.classList.remove("race-hl"));
  step.addEventListener("mouseenter", on);
  step.addEventListener("mouseleave", off);
  step.addEventListener("focusin", on);
  step.addEventListener("focusout", off);
}

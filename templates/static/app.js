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

// -- keyboard: j/k concerns, n/p patches, x/r reply to lines, ? help --------------------
const typing = (el) => /^(INPUT|TEXTAREA|SELECT)$/.test((el && el.tagName) || "")
  || (el && el.isContentEditable);
const help = document.getElementById("keys-help");
const helpButton = document.querySelector(".keys-button");
const toggleHelp = (show) => {
  if (!help) return;
  help.hidden = !show;
  if (helpButton) helpButton.setAttribute("aria-expanded", String(show));
  if (show) help.focus();
};
if (helpButton) {
  helpButton.hidden = false;
  helpButton.addEventListener("click", () => toggleHelp(help.hidden));
}
for (const close of document.querySelectorAll(".keys-close")) {
  close.addEventListener("click", () => { toggleHelp(false); if (helpButton) helpButton.focus(); });
}

// the concern that j/k last reached: focus it and keep it in view
const concerns = () => Array.from(document.querySelectorAll("aside.concern"));
let current = -1;
const goConcern = (step) => {
  const all = concerns();
  if (!all.length) return;
  const focused = all.indexOf(document.activeElement && document.activeElement.closest("aside.concern"));
  const from = focused >= 0 ? focused : current;
  current = Math.max(0, Math.min(all.length - 1, from + step));
  all[current].focus();
  all[current].scrollIntoView({ block: "center" });
};

// n/p: the patch page's siblings (or the series page's patch rows)
const goPatch = (step) => {
  const here = document.querySelector(".siblings [aria-current]");
  if (here) {
    const items = Array.from(document.querySelectorAll(".siblings a, .siblings [aria-current]"));
    const next = items[items.indexOf(here) + step];
    if (next && next.href) window.location.href = next.href;
    return;
  }
  const links = Array.from(document.querySelectorAll("table.patches td a[href^='/patch/']"));
  if (!links.length) return;
  const at = links.indexOf(document.activeElement);
  const target = links[Math.max(0, Math.min(links.length - 1, at < 0 ? (step > 0 ? 0 : links.length - 1) : at + step))];
  target.focus();
};

// x: select the diff line under the pointer (or the one last clicked), shift for a range;
// clicking a line's number does the same. The reply bar sends the selection to compose.
let lastRow = null;
let hoverRow = null;
const patchId = (window.location.pathname.match(/^\/patch\/(\d+)/) || [])[1];
const bar = document.createElement("div");
bar.className = "reply-bar";
bar.hidden = true;
bar.setAttribute("role", "status");
if (patchId) document.body.appendChild(bar);
const selected = () => Array.from(document.querySelectorAll("section.hunk tr.line.selected"));
const keyOf = (row) => {
  const hunk = row.closest("section.hunk");
  const rows = Array.from(hunk.querySelectorAll("tr.line"));
  return `${hunk.id}:${rows.indexOf(row)}`;
};
const replyUrl = () => {
  const keys = selected().map(keyOf);
  const query = keys.map((k) => `line=${encodeURIComponent(k)}`).join("&");
  return `/patch/${patchId}/reply?${query}`;
};
const updateBar = () => {
  const n = selected().length;
  bar.hidden = n === 0;
  bar.textContent = "";
  if (!n) return;
  const text = document.createElement("span");
  text.textContent = `${n} line${n === 1 ? "" : "s"} selected`;
  const link = document.createElement("a");
  link.href = replyUrl();
  link.textContent = "Reply with them (r)";
  const clear = document.createElement("button");
  clear.type = "button";
  clear.textContent = "Clear";
  clear.addEventListener("click", () => { selected().forEach((r) => r.classList.remove("selected")); updateBar(); });
  bar.append(text, link, clear);
};
const selectRow = (row, range) => {
  if (!row || !patchId) return;
  if (range && lastRow && lastRow.closest("table") === row.closest("table")) {
    const rows = Array.from(row.closest("tbody").querySelectorAll("tr.line"));
    const [a, b] = [rows.indexOf(lastRow), rows.indexOf(row)].sort((x, y) => x - y);
    rows.slice(a, b + 1).forEach((r) => r.classList.add("selected"));
  } else {
    row.classList.toggle("selected");
  }
  lastRow = row;
  updateBar();
};
for (const cell of document.querySelectorAll("section.hunk tr.line td.no")) {
  cell.addEventListener("click", (event) => selectRow(cell.closest("tr"), event.shiftKey));
}
for (const row of document.querySelectorAll("section.hunk tr.line")) {
  row.addEventListener("mouseenter", () => { hoverRow = row; });
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  if (event.key === "Escape" && help && !help.hidden) { toggleHelp(false); return; }
  const actions = {
    j: () => goConcern(1),
    k: () => goConcern(-1),
    n: () => goPatch(1),
    p: () => goPatch(-1),
    "?": () => toggleHelp(help && help.hidden),
    x: () => selectRow(hoverRow || lastRow || document.querySelector("section.hunk tr.line"), event.shiftKey),
    X: () => selectRow(hoverRow || lastRow, true),
    r: () => {
      if (selected().length) { window.location.href = replyUrl(); return; }
      const concern = document.activeElement && document.activeElement.closest("aside.concern");
      const link = concern && concern.querySelector("a.reply-link");
      if (link) window.location.href = link.href;
    },
  };
  const act = actions[event.key];
  if (act) { event.preventDefault(); act(); }
});

// compose: the preview follows the ticked lines and the comment as you write
const compose = document.getElementById("compose");
if (compose) {
  let timer = null;
  const refresh = async () => {
    const body = new URLSearchParams(new FormData(compose));
    const response = await fetch(compose.action, { method: "POST", body, credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("reply-preview");
    const old = document.getElementById("reply-preview");
    if (fresh && old) old.replaceChildren(...fresh.childNodes);
  };
  const later = () => { clearTimeout(timer); timer = setTimeout(refresh, 300); };
  compose.addEventListener("input", later);
  compose.addEventListener("change", later);
}

// payrisk console: a little progressive enhancement. Every page works without this script; with it, a
// receipt is verified in place and the live view refreshes itself.
"use strict";

// Forms marked data-fragment="#id" fetch just that part of the page and swap it in.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  const target = form.dataset && form.dataset.fragment;
  if (!target || form.method.toLowerCase() !== "get") return;
  event.preventDefault();
  const url = new URL(form.action, location.href);
  new FormData(form).forEach((value, name) => url.searchParams.set(name, value));
  const button = form.querySelector("button");
  if (button) button.disabled = true;
  try {
    const response = await fetch(url, { headers: { "X-Console-Fragment": "1" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    const holder = document.querySelector(target);
    if (holder) holder.outerHTML = await response.text();
  } catch (_) {
    location.assign(url); // the whole page, with its error message
  } finally {
    if (button) button.disabled = false;
  }
});

// Elements with data-refresh="/url" reload their content every data-every milliseconds while visible.
for (const panel of document.querySelectorAll("[data-refresh]")) {
  const every = Number(panel.dataset.every || 2000);
  const refresh = async () => {
    if (document.hidden) return;
    try {
      const response = await fetch(panel.dataset.refresh, { headers: { "X-Console-Fragment": "1" }, credentials: "same-origin" });
      if (response.redirected || !response.ok) return;
      panel.innerHTML = await response.text();
      panel.dataset.updated = String(Date.now());
    } catch (_) {
      // The console itself is unreachable: keep the last figures, try again on the next tick.
    }
  };
  setInterval(refresh, every);
}

/* Report assistant widget: <script src="https://HOST/widget.js" data-title="…" data-color="#c00"
   data-position="right"></script> adds a floating button that opens the compact chat in an iframe.
   No secret lives in the page; the iframe talks to its own origin. The button says whether the chat
   is open (aria-expanded); Escape or the chat's × closes it and gives the focus back to the button.
   The conversation survives a reload or a page change of the host site (sessionStorage, per site). */
(function () {
  var me = document.currentScript;
  if (!me) { return; }
  var origin = new URL(me.src, window.location.href).origin;
  var title = me.getAttribute("data-title") || "报告问答助手";
  var color = me.getAttribute("data-color") || "#b71c1c";
  if (!/^#[0-9a-fA-F]{3,8}$|^[a-zA-Z]{3,20}$/.test(color)) { color = "#b71c1c"; }
  var left = (me.getAttribute("data-position") || "right") === "left";
  var side = left ? "left" : "right";

  var button = document.createElement("button");
  button.type = "button";
  button.id = "ra-widget-button";
  button.setAttribute("aria-label", title);
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "ra-widget-frame");
  button.textContent = title;
  button.style.cssText = "position:fixed;bottom:16px;" + side + ":16px;z-index:2147483000;padding:12px 16px;" +
    "border:none;border-radius:24px;color:#fff;font-size:15px;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3);" +
    "background:" + color;

  var frame = document.createElement("iframe");
  frame.id = "ra-widget-frame";
  frame.title = title;
  // the host site names the conversation the chat keeps in sessionStorage (one per host site, per tab)
  frame.src = origin + "/embed?title=" + encodeURIComponent(title) + "&color=" + encodeURIComponent(color) +
    "&host=" + encodeURIComponent(window.location.origin);
  frame.style.cssText = "position:fixed;bottom:72px;" + side + ":8px;width:400px;height:600px;" +
    "max-width:calc(100vw - 16px);max-height:calc(100vh - 88px);border:1px solid #ccc;border-radius:10px;" +
    "background:#fff;z-index:2147483000;display:none;box-shadow:0 4px 16px rgba(0,0,0,.3)";

  function isOpen() { return frame.style.display !== "none"; }
  function open() {
    frame.style.display = "block";
    button.setAttribute("aria-expanded", "true");
    frame.focus();
    if (frame.contentWindow) { frame.contentWindow.postMessage({type: "ra-focus"}, origin); }
  }
  function close() {
    if (!isOpen()) { return; }
    frame.style.display = "none";
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }
  button.addEventListener("click", function () { if (isOpen()) { close(); } else { open(); } });
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { close(); } });
  window.addEventListener("message", function (ev) {
    if (ev.origin === origin && ev.source === frame.contentWindow && ev.data && ev.data.type === "ra-close") { close(); }
  });
  document.body.appendChild(frame);
  document.body.appendChild(button);
})();

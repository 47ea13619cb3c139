/* Report assistant widget: <script src="https://HOST/widget.js" data-title="…" data-color="#c00"
   data-position="right"></script> adds a floating button that opens the compact chat in an iframe.
   No secret lives in the page; the iframe talks to its own origin. */
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
  button.textContent = "💬 " + title;
  button.style.cssText = "position:fixed;bottom:20px;" + side + ":20px;z-index:2147483000;padding:12px 16px;" +
    "border:none;border-radius:24px;color:#fff;font-size:15px;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3);" +
    "background:" + color;

  var frame = document.createElement("iframe");
  frame.id = "ra-widget-frame";
  frame.title = title;
  frame.src = origin + "/embed?title=" + encodeURIComponent(title) + "&color=" + encodeURIComponent(color);
  frame.style.cssText = "position:fixed;bottom:76px;" + side + ":20px;width:380px;height:560px;max-width:95vw;" +
    "max-height:80vh;border:1px solid #ccc;border-radius:10px;background:#fff;z-index:2147483000;display:none;" +
    "box-shadow:0 4px 16px rgba(0,0,0,.3)";

  button.addEventListener("click", function () {
    frame.style.display = frame.style.display === "none" ? "block" : "none";
  });
  document.body.appendChild(frame);
  document.body.appendChild(button);
})();

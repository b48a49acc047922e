// Baton chat widget. One line on the host page:
//   <script src="https://baton.example/widget.js" data-collection="shop" data-lang="zh"></script>
// adds a launcher button. data-context carries the customer's identity
// signed by the host's server (see the README, "Customer context"),
// passed in the frame's URL fragment so it never reaches a server log; that opens the chat in a frame served by Baton,
// so the conversation's token stays on Baton's origin.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || window.__batonWidget) return;
  window.__batonWidget = true;
  var origin = new URL(me.src).origin;
  var collection = me.dataset.collection || "default";
  var lang = me.dataset.lang || ((navigator.language || "").toLowerCase().indexOf("zh") === 0 ? "zh" : "en");
  var label = lang === "zh" ? "在线客服" : "Chat with us";

  var btn = document.createElement("button");
  btn.type = "button";
  btn.textContent = label;
  btn.setAttribute("aria-expanded", "false");
  btn.style.cssText = "position:fixed;right:20px;bottom:20px;z-index:2147483646;padding:12px 18px;border:0;border-radius:24px;" +
    "background:#2463eb;color:#fff;font:15px system-ui,sans-serif;box-shadow:0 2px 10px rgba(0,0,0,.25);cursor:pointer";
  var frame = null;
  btn.onclick = function () {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.title = label;
      frame.src = origin + "/chat?embed=1&collection=" + encodeURIComponent(collection) + (me.dataset.lang ? "&lang=" + encodeURIComponent(lang) : "") +
        (me.dataset.context ? "#context=" + encodeURIComponent(me.dataset.context) : "");
      frame.style.cssText = "position:fixed;right:20px;bottom:80px;width:380px;max-width:calc(100vw - 40px);height:560px;" +
        "max-height:calc(100vh - 100px);border:1px solid #ddd;border-radius:12px;z-index:2147483647;background:#fff;" +
        "box-shadow:0 4px 24px rgba(0,0,0,.25)";
      document.body.appendChild(frame);
    } else {
      frame.hidden = !frame.hidden;
    }
    btn.setAttribute("aria-expanded", String(!frame.hidden));
  };
  document.body.appendChild(btn);
})();

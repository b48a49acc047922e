// Staff sign-in: posts JSON (which a cross-site form cannot), then goes
// to the page that asked for it.
(function () {
  "use strict";
  var zh = (navigator.language || "").toLowerCase().indexOf("zh") === 0;
  var T = zh ? { name: "用户名", password: "密码", signin: "登录", wrong: "用户名或密码错误", slow: "尝试次数过多，请稍后再试" }
             : { name: "Name", password: "Password", signin: "Sign in", wrong: "Wrong name or password", slow: "Too many attempts; wait a little and try again" };
  document.querySelectorAll("[data-i18n]").forEach(function (el) { el.textContent = T[el.dataset.i18n]; });
  var form = document.getElementById("login");
  var err = document.getElementById("error");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    err.hidden = true;
    fetch("/api/v1/session", {
      method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
      body: JSON.stringify({ name: form.name.value, password: form.password.value })
    }).then(function (r) {
      if (r.ok) { location.href = form.dataset.next || "/console"; return; }
      err.textContent = r.status === 429 ? T.slow : T.wrong;
      err.hidden = false;
    }).catch(function (e) { err.textContent = e.message; err.hidden = false; });
  });
})();

// Baton admin console: integrations. Shows the webhook's URL (without the
// parts that may carry a token; GET /api/v1/admin/integrations) and sends
// it a signed test event (POST /api/v1/admin/integrations/webhook/test),
// showing the receiver's status and the start of its answer, or why it
// could not be reached.
//
// Element ids tests and people rely on:
//   webhook  #webhook-url, #webhook-none, #webhook-test, #webhook-testing
//   result   #webhook-result, #webhook-status.<ok|bad>, #webhook-body
(function () {
  "use strict";
  var zh = (navigator.language || "").toLowerCase().indexOf("zh") === 0;
  var T = zh ? {
    integrations_title: "集成",
    integrations_hint: "Baton 把转人工事件发送到这里。测试事件与正式投递一样签名，立即发送一次，不重试。",
    webhook: "Webhook", webhook_none: "未配置 — 请设置 --webhook-url/BATON_WEBHOOK_URL",
    webhook_test: "发送测试事件", testing: "正在发送…",
    answered: "接收方返回 {status}，用时 {ms} 毫秒。", unreachable: "无法连接接收方：{error}", empty_body: "（响应为空）"
  } : {
    integrations_title: "Integrations",
    integrations_hint: "Where Baton sends hand-off events. A test event is signed like every delivery and sent once, now, without retries.",
    webhook: "Webhook", webhook_none: "not configured — set --webhook-url/BATON_WEBHOOK_URL",
    webhook_test: "Send test event", testing: "Sending…",
    answered: "The receiver answered {status} in {ms} ms.", unreachable: "The receiver could not be reached: {error}", empty_body: "(empty response)"
  };
  document.querySelectorAll("#integrations-section [data-i18n]").forEach(function (e) { if (T[e.dataset.i18n]) e.textContent = T[e.dataset.i18n]; });

  var $ = Baton.$, fmt = Baton.fmt, api = Baton.api, fail = Baton.fail;

  function load() {
    return api("GET", "/api/v1/admin/integrations").then(function (r) {
      var hook = r.webhook || {};
      $("webhook-url").textContent = hook.url || "";
      $("webhook-url").hidden = !hook.configured;
      $("webhook-none").hidden = !!hook.configured;
      $("webhook-test").disabled = !hook.configured;
    }).catch(fail);
  }

  function show(r) {
    var status = $("webhook-status"), body = $("webhook-body");
    if (r.error) {
      status.className = "bad";
      status.textContent = fmt(T.unreachable, { error: r.error });
      body.hidden = true;
    } else {
      status.className = r.status >= 200 && r.status < 300 ? "ok" : "bad";
      status.textContent = fmt(T.answered, { status: r.status, ms: r.ms });
      body.textContent = r.body || T.empty_body;
      body.hidden = false;
    }
    $("webhook-result").hidden = false;
  }

  $("webhook-test").addEventListener("click", function () {
    var b = $("webhook-test");
    b.disabled = true;
    $("webhook-testing").textContent = T.testing;
    api("POST", "/api/v1/admin/integrations/webhook/test").then(show).catch(fail).then(function () {
      b.disabled = false;
      $("webhook-testing").textContent = "";
    });
  });

  load();
})();

// Owner H5: submit (anonymous if wished, photos uploaded first) and track with a phone code or a token.
(function () {
  "use strict";
  const root = document.getElementById("h5");
  if (!root) return;
  const en = root.dataset.lang === "en";
  const zones = JSON.parse(root.dataset.zones || "{}");
  const labels = JSON.parse(document.getElementById("labels").textContent);
  const $ = (sel, el) => (el || document).querySelector(sel);
  const $$ = (sel, el) => Array.from((el || document).querySelectorAll(sel));
  const TOKEN = "pm_owner_token";

  function call(method, url, body, headers) {
    const opts = {method: method, headers: Object.assign({}, headers || {})};
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    const token = sessionStorage.getItem(TOKEN);
    if (token && url.startsWith("/h5/api/complaints") && method === "GET") opts.headers.Authorization = "Bearer " + token;
    return fetch(url, opts).then(async (r) => ({status: r.status, body: await r.json().catch(() => ({}))}));
  }
  function message(res) {
    const err = (res.body && res.body.error) || {};
    const fields = (err.fields || []).map((f) => f.field + ": " + (en ? f.reason_en : f.reason)).join("; ");
    return ((en ? err.message_en : err.message) || ("HTTP " + res.status)) + (fields ? " (" + fields + ")" : "");
  }
  function show(el, text) { el.textContent = text; el.hidden = !text; }
  function localTime(iso, estate) {
    if (!iso) return "";
    const opts = {timeZone: zones[estate] || "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hour12: false};
    return new Intl.DateTimeFormat(en ? "en-GB" : "zh-CN", opts).format(new Date(iso));
  }
  function label(table, key) {
    const v = labels[table] && labels[table][key];
    return v ? v[en ? 1 : 0] : key;
  }

  // ---- tabs
  $$("[data-tab]").forEach((b) => b.addEventListener("click", () => {
    $$("[data-tab]").forEach((x) => x.classList.toggle("on", x === b));
    $$("[data-pane]").forEach((p) => { p.hidden = p.dataset.pane !== b.dataset.tab; });
  }));

  // ---- submit
  const form = $("#h5-submit");
  form.anonymous.addEventListener("change", () => { $("[data-identity]", form).hidden = form.anonymous.checked; });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const error = $('[role="alert"]', form);
    show(error, "");
    const button = $('[type="submit"]', form);
    button.disabled = true;
    try {
      const photos = [];
      for (const file of Array.from(form.photo.files || [])) {
        const up = await fetch("/h5/api/uploads", {method: "POST", headers: {"Content-Type": file.type}, body: file})
          .then(async (r) => ({status: r.status, body: await r.json().catch(() => ({}))}));
        if (up.status !== 201) { show(error, message(up)); return; }
        photos.push(up.body);
      }
      const location = {};
      ["building", "room", "area"].forEach((k) => { if (form[k].value.trim()) location[k] = form[k].value.trim(); });
      const body = {estate_id: form.estate_id.value, content: form.content.value.trim(), location: location,
        anonymous: form.anonymous.checked, photos: photos};
      if (!form.anonymous.checked) {
        if (form.name.value.trim()) body.name = form.name.value.trim();
        if (form.phone.value.trim()) body.phone = form.phone.value.trim();
      }
      const res = await call("POST", "/h5/api/complaints", body);
      if (res.status !== 201) { show(error, message(res)); return; }
      $('[data-ack="reference_no"]', form).textContent = res.body.reference_no || "";
      $('[data-ack="message"]', form).textContent = en ? res.body.message_en : res.body.message;
      $('[data-ack="tracking_token"]', form).textContent = res.body.tracking_token || "";
      $("[data-ack-token]", form).hidden = !res.body.tracking_token;
      $(".ack", form).hidden = false;
    } finally {
      button.disabled = false;
    }
  });

  // ---- track
  const trackError = $('[data-testid="track-error"]');
  $("#h5-otp").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    show(trackError, "");
    const res = await call("POST", "/h5/api/otp", {phone: ev.target.phone.value.trim()});
    if (res.status !== 202) { show(trackError, message(res)); return; }
    if (res.body.dev_code) $("#h5-code").code.value = res.body.dev_code; // only outside production
  });
  async function open(body) {
    show(trackError, "");
    const res = await call("POST", "/h5/api/session", body);
    if (res.status !== 200) { show(trackError, message(res)); return; }
    sessionStorage.setItem(TOKEN, res.body.token);
    await list();
  }
  $("#h5-code").addEventListener("submit", (ev) => {
    ev.preventDefault();
    open({phone: $("#h5-otp").phone.value.trim(), code: ev.target.code.value.trim()});
  });
  $("#h5-token").addEventListener("submit", (ev) => {
    ev.preventDefault();
    open({tracking_token: ev.target.tracking_token.value.trim()});
  });
  async function list() {
    const res = await call("GET", "/h5/api/complaints");
    if (res.status !== 200) { show(trackError, message(res)); return; }
    const ul = $('[data-testid="track-items"]');
    ul.textContent = "";
    res.body.forEach((item) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "#";
      a.dataset.testid = "track-item";
      a.textContent = (item.reference_no || "—") + " · " + label("status", item.status) + " · " + (item.content || "");
      a.addEventListener("click", (ev) => { ev.preventDefault(); timeline(item.complaint_id); });
      li.appendChild(a);
      ul.appendChild(li);
    });
  }
  async function timeline(id) {
    const res = await call("GET", "/h5/api/complaints/" + encodeURIComponent(id));
    if (res.status !== 200) { show(trackError, message(res)); return; }
    const ol = $('[data-testid="track-timeline"]');
    ol.textContent = "";
    (res.body.timeline || []).forEach((e) => {
      const li = document.createElement("li");
      li.dataset.kind = e.kind;
      li.textContent = localTime(e.at, res.body.estate_id) + " " + label("timeline", e.kind) + " " + (e.note || "");
      ol.appendChild(li);
    });
  }
})();

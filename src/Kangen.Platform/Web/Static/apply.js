// The application wizard's last step (/apply, /apply/child): the card(s) sign the application statement.
// 1. POST /api/v1/challenges {"purpose":"application"}; 2. the page builds the exact statement for that challenge
// (?handler=Statement, ApplicationStatement.Build on the server); 3. the local card agent signs it after the PIN typed
// here (the PIN goes to the agent on 127.0.0.1 only); for a child, the child's card signs too and its signing key gives
// the age proof; 4. the anti-forgery form is submitted with the challenge, certificates and signatures.
"use strict";
(function () {
  const form = document.getElementById("apply-sign");
  if (!form || !window.KangenCard) return;
  const card = window.KangenCard;
  const forChild = form.dataset.forChild === "true";
  const button = document.getElementById("sign-button");
  const status = document.getElementById("sign-status");
  const errorBox = document.getElementById("sign-error");
  const parentSelect = document.getElementById("card");
  const childSelect = document.getElementById("child-card");
  let busy = false;

  function text(name) { return form.dataset["text" + name] || ""; }

  function fieldError(inputId, message) {
    const input = document.getElementById(inputId);
    const error = document.getElementById(inputId + "-error");
    if (input) input.setAttribute("aria-invalid", message ? "true" : "false");
    if (error) { error.textContent = message || ""; error.hidden = !message; }
    if (message && input) input.focus();
  }

  function showError(message) {
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
    if (message) { errorBox.setAttribute("tabindex", "-1"); errorBox.focus(); }
  }

  function clearErrors() {
    ["pin", "child-pin", "child-password", "child-card"].forEach(function (id) { fieldError(id, null); });
    showError(null);
  }

  // The certificate's serial number as upper-case hex (as the platform shows it): the INTEGER after the optional
  // [0] version inside tbsCertificate.
  function serialOf(derBase64) {
    const bytes = Uint8Array.from(atob(derBase64), function (c) { return c.charCodeAt(0); });
    let i = 0;
    function header() {
      const tag = bytes[i++];
      let length = bytes[i++];
      if (length & 0x80) {
        const n = length & 0x7f;
        length = 0;
        for (let k = 0; k < n; k++) length = (length << 8) | bytes[i++];
      }
      return { tag: tag, length: length };
    }
    header();            // Certificate SEQUENCE
    header();            // tbsCertificate SEQUENCE
    let h = header();
    if (h.tag === 0xa0) { i += h.length; h = header(); }
    let hex = "";
    for (let k = 0; k < h.length; k++) hex += bytes[i + k].toString(16).padStart(2, "0");
    return hex.toUpperCase();
  }

  async function loadCards() {
    let list;
    try {
      list = await card.list();
    } catch (e) {
      showError(e.code === "agent.unreachable" ? text("Unreachable") : (card.message(e) || text("Failed")));
      return;
    }
    const sessionSerial = (form.dataset.sessionSerial || "").toUpperCase();
    const present = list.cards.filter(function (c) { return c.present; });
    if (present.length === 0) { showError(text("NoCard")); return; }
    let sessionCardId = null;
    for (const c of present) {
      try {
        const cert = await card.certificate(c.id);
        c.serial = serialOf(cert.der);
        if (c.serial === sessionSerial) sessionCardId = c.id;
      } catch (e) { c.serial = null; }
    }
    function fill(select, skipId, preferId) {
      if (!select) return;
      select.textContent = "";
      for (const c of present) {
        if (skipId && c.id === skipId) continue;
        const option = document.createElement("option");
        option.value = c.id;
        option.textContent = c.label + (c.id === sessionCardId ? " (" + text("SignedIn") + ")" : "");
        if (c.id === preferId) option.selected = true;
        select.appendChild(option);
      }
    }
    fill(parentSelect, null, sessionCardId);
    fill(childSelect, sessionCardId, null);
  }

  async function statementFor(challenge) {
    const data = new FormData();
    data.append("draft", form.elements.namedItem("draft").value);
    data.append("challenge", challenge);
    data.append("__af", form.elements.namedItem("__af").value);
    const response = await fetch(form.dataset.statementUrl, { method: "POST", body: data, credentials: "same-origin", cache: "no-store" });
    if (!response.ok) throw new Error("statement");
    return (await response.json()).statement;
  }

  // Where a card failure is shown: next to the field it is about when there is one.
  function report(e, pinField, passwordField) {
    const message = e && e.code === "agent.unreachable" ? text("Unreachable") : (card.message(e) || text("Failed"));
    if (e && (e.code === "card.pin-wrong" || e.code === "card.pin-blocked" || e.code === "card.pin-format")) fieldError(pinField, message);
    else if (e && passwordField && e.code && e.code.indexOf("card.signing-password") === 0) fieldError(passwordField, message);
    else showError(message);
  }

  async function sign() {
    if (busy) return;
    clearErrors();
    const pin = document.getElementById("pin").value.trim();
    if (!/^[0-9]{4}$/.test(pin)) { fieldError("pin", text("PinFormat")); return; }
    let childPin = null, childPassword = null;
    if (forChild) {
      childPin = document.getElementById("child-pin").value.trim();
      childPassword = document.getElementById("child-password").value.trim().toUpperCase();
      if (!childSelect.value || childSelect.value === parentSelect.value) { fieldError("child-card", text("SameCard")); return; }
      if (!/^[0-9]{4}$/.test(childPin)) { fieldError("child-pin", text("PinFormat")); return; }
      if (!/^(?=.*[0-9])(?=.*[A-Z])[A-Z0-9]{6,16}$/.test(childPassword)) { fieldError("child-password", text("PasswordFormat")); return; }
    }
    if (!parentSelect.value) { showError(text("NoCard")); return; }
    busy = true;
    button.disabled = true;
    status.textContent = text("Signing");
    try {
      const issued = await fetch("/api/v1/challenges", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ purpose: "application" }),
        credentials: "omit", cache: "no-store",
      });
      if (!issued.ok) throw new Error("challenge");
      const challenge = (await issued.json()).challenge;
      const statement = await statementFor(challenge);
      const own = await card.certificate(parentSelect.value);
      let signed;
      try { signed = await card.signText(parentSelect.value, pin, statement); } catch (e) { report(e, "pin"); return; }
      form.elements.namedItem("challenge").value = challenge;
      if (forChild) {
        const childCertificate = await card.certificate(childSelect.value);
        let childSigned, proof;
        try { childSigned = await card.signText(childSelect.value, childPin, statement); } catch (e) { report(e, "child-pin"); return; }
        try { proof = await card.signTextWithSigningKey(childSelect.value, childPassword, statement); } catch (e) { report(e, "child-pin", "child-password"); return; }
        form.elements.namedItem("representativeCertificate").value = own.der;
        form.elements.namedItem("representativeSignature").value = signed.signature;
        form.elements.namedItem("cardCertificate").value = childCertificate.der;
        form.elements.namedItem("cardSignature").value = childSigned.signature;
        form.elements.namedItem("ageCertificate").value = proof.certificate;
        form.elements.namedItem("ageSignature").value = proof.signature;
      } else {
        form.elements.namedItem("cardCertificate").value = own.der;
        form.elements.namedItem("cardSignature").value = signed.signature;
      }
      status.textContent = text("Sending");
      // Once: the button stays disabled; a second submission would replay under the draft's idempotency key anyway.
      form.submit();
      return;
    } catch (e) {
      report(e, "pin");
    } finally {
      if (status.textContent !== text("Sending")) {
        busy = false;
        button.disabled = false;
        status.textContent = "";
      }
    }
  }

  button.addEventListener("click", sign);
  form.addEventListener("submit", function (event) {
    // Enter in a PIN field: sign first, never submit an unsigned form.
    if (!form.elements.namedItem("cardSignature").value) { event.preventDefault(); sign(); }
  });
  loadCards();
})();

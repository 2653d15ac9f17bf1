// Card login (/login): list the agent's cards, check the PIN counter, sign a session challenge with the card, and
// post the signed challenge to the page. The PIN goes only to the card agent: the PIN input has no name, so the form
// never carries it, and it is cleared as soon as the agent has answered.
"use strict";
(function () {
  const root = document.getElementById("card-login");
  if (!root || !window.KangenCard) return;
  const Card = window.KangenCard;
  const text = (key) => root.dataset[key] || "";
  const $ = (id) => document.getElementById(id);
  const form = $("login-form");
  const status = $("agent-status");
  const select = $("card-select");
  const pin = $("pin");
  const pinError = $("pin-error");
  const submit = $("login-submit");
  const guides = ["guide-unreachable", "guide-origin", "guide-no-card", "guide-locked", "guide-error"];
  let cards = [];
  let busy = false;
  let checks = 0; // the latest card check wins: a slower answer for a card no longer chosen is ignored

  function fill(container, key, value) {
    container.querySelectorAll('[data-fill="' + key + '"]').forEach(function (el) { el.textContent = value; });
  }

  function showGuide(id, error) {
    guides.forEach(function (g) { $(g).hidden = g !== id; });
    if (id) {
      const guide = $(id);
      fill(guide, "agent-url", Card.agentUrl());
      fill(guide, "agent-message", (error && Card.message(error)) || "");
    }
  }

  function setStatus(message) { status.textContent = message; status.hidden = !message; }

  function triesText(n) { return text("textTries").replace("{n}", String(n)); }

  function showTries(n) {
    $("pin-tries").textContent = typeof n === "number" ? triesText(n) : "";
    $("pin-last-try").hidden = n !== 1;
  }

  function setPinError(message) {
    pinError.textContent = message || "";
    pinError.hidden = !message;
    pin.setAttribute("aria-invalid", message ? "true" : "false");
  }

  function currentCard() {
    if (cards.length === 1) return cards[0];
    return cards.find(function (c) { return c.id === select.value; }) || null;
  }

  // Every agent failure leads to the guidance for it; true when the form may be used again.
  function handleAgentError(error) {
    const code = error && error.code;
    if (code === "agent.unreachable") { form.hidden = true; showGuide("guide-unreachable"); $("agent-settings").open = true; return false; }
    if (code === "agent.origin-refused" || code === "agent.host-refused") { form.hidden = true; showGuide("guide-origin", error); return false; }
    if (code === "card.pin-blocked") { form.hidden = true; showGuide("guide-locked"); return false; }
    if (code === "card.absent" || code === "card.unknown") { form.hidden = true; showGuide("guide-no-card", error); return false; }
    if (code === "card.pin-wrong") {
      showGuide(null);
      const wrong = $("pin-wrong");
      fill(wrong, "tries", typeof error.triesLeft === "number" ? triesText(error.triesLeft) : "");
      wrong.hidden = false;
      showTries(error.triesLeft);
      setPinError(Card.message(error) || "");
      pin.focus();
      return true;
    }
    showGuide("guide-error", error);
    const message = Card.message(error);
    if (!message) fill($("guide-error"), "agent-message", String((error && error.message) || error));
    return true;
  }

  async function checkCard() {
    const card = currentCard();
    if (!card) return;
    const mine = ++checks;
    $("pin-wrong").hidden = true;
    setPinError("");
    if (!card.present) {
      form.hidden = true;
      showGuide("guide-no-card");
      return;
    }
    setStatus(text("textChecking"));
    try {
      const pinStatus = await Card.pinStatus(card.id);
      if (mine !== checks) return;
      setStatus("");
      if (pinStatus.blocked || pinStatus.triesLeft === 0) { form.hidden = true; showGuide("guide-locked"); return; }
      showGuide(null);
      form.hidden = false;
      showTries(pinStatus.triesLeft);
    } catch (e) {
      if (mine !== checks) return;
      setStatus("");
      handleAgentError(e);
    }
  }

  async function connect() {
    form.hidden = true;
    showGuide(null);
    setStatus(text("textConnecting"));
    try {
      const list = await Card.list();
      cards = (list && list.cards) || [];
    } catch (e) {
      setStatus("");
      handleAgentError(e);
      return;
    }
    setStatus("");
    if (cards.length === 0) { showGuide("guide-no-card"); return; }
    select.textContent = "";
    cards.forEach(function (c) {
      const option = document.createElement("option");
      option.value = c.id;
      option.textContent = c.label + " (" + (c.present ? text("textPresent") : text("textAbsent")) + ")";
      select.appendChild(option);
    });
    $("card-choice").hidden = cards.length < 2;
    $("card-single").hidden = cards.length !== 1;
    if (cards.length === 1) fill($("card-single"), "card-label", cards[0].label);
    await checkCard();
  }

  async function newChallenge() {
    let response;
    try {
      response = await fetch("/api/v1/challenges", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ purpose: "session" }),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (e) {
      return { problem: text("textChallengeFailed") };
    }
    const json = await response.json().catch(function () { return null; });
    if (!response.ok || !json || !json.challenge) {
      const lang = Card.lang();
      const p = json && json.problems && json.problems[0];
      return { problem: (p && (p[lang] || p.ja)) || text("textChallengeFailed") };
    }
    return { challenge: json.challenge };
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (busy) return;
    const card = currentCard();
    const value = pin.value;
    if (!/^[0-9]{4}$/.test(value)) { setPinError(text("textPinFormat")); pin.focus(); return; }
    setPinError("");
    $("pin-wrong").hidden = true;
    busy = true;
    submit.disabled = true;
    try {
      setStatus(text("textSigning"));
      const got = await newChallenge();
      if (got.problem) { showGuide("guide-error"); fill($("guide-error"), "agent-message", got.problem); return; }
      const certificate = await Card.certificate(card.id);
      const signed = await Card.signText(card.id, value, got.challenge);
      pin.value = "";
      $("login-challenge").value = got.challenge;
      $("login-certificate").value = certificate.der;
      $("login-signature").value = signed.signature;
      setStatus(text("textSending"));
      form.submit();
      return;
    } catch (e) {
      pin.value = "";
      handleAgentError(e);
    } finally {
      busy = false;
      submit.disabled = false;
      if (status.textContent === text("textSigning")) setStatus("");
    }
  });

  select.addEventListener("change", checkCard);

  root.addEventListener("click", function (event) {
    const action = event.target && event.target.closest && event.target.closest("[data-action]");
    if (!action) return;
    if (action.dataset.action === "retry") connect();
    if (action.dataset.action === "save-agent") {
      const input = $("agent-url");
      const error = $("agent-url-error");
      const url = input.value.trim();
      let valid = false;
      try { const u = new URL(url); valid = u.protocol === "http:" || u.protocol === "https:"; } catch (e) { valid = false; }
      error.hidden = valid;
      error.textContent = valid ? "" : text("textUrlInvalid");
      input.setAttribute("aria-invalid", valid ? "false" : "true");
      if (!valid) { input.focus(); return; }
      Card.setAgentUrl(url);
      connect();
    }
  });

  $("agent-url").value = Card.agentUrl();
  connect();
})();

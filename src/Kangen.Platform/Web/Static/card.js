// The citizen's card, through the local card agent (kangen card agent) on this computer.
// The PIN goes from this page to the agent on 127.0.0.1 only; it is never sent to the platform.
// Every failure becomes a CardAgentError with a stable code and the agent's message in ja / zh / en.
"use strict";
(function () {
  class CardAgentError extends Error {
    constructor(code, status, messages, triesLeft) {
      super(code);
      this.code = code;           // card.pin-wrong, card.pin-blocked, card.absent, agent.unreachable, ...
      this.status = status;
      this.messages = messages || null;
      this.triesLeft = triesLeft;
    }
  }

  function agentUrl() {
    const fromPage = document.documentElement.dataset.cardAgent || "http://127.0.0.1:47300/";
    let stored = null;
    try { stored = window.localStorage.getItem("kangen.cardAgent"); } catch (e) { /* storage disabled */ }
    return (stored || fromPage).replace(/\/?$/, "/");
  }

  async function call(method, path, body) {
    let response;
    try {
      response = await fetch(agentUrl() + path, {
        method: method,
        headers: body ? { "Content-Type": "application/json" } : {},
        body: body ? JSON.stringify(body) : undefined,
        cache: "no-store",
        credentials: "omit",
      });
    } catch (e) {
      throw new CardAgentError("agent.unreachable", 0, null);
    }
    let json = null;
    try { json = await response.json(); } catch (e) { /* empty or not JSON */ }
    if (!response.ok) {
      const code = (json && json.code) || "agent.error";
      throw new CardAgentError(code, response.status, json && json.messages, json ? json.triesLeft : undefined);
    }
    return json;
  }

  function bytesToBase64(bytes) {
    let text = "";
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text);
  }

  const KangenCard = {
    CardAgentError: CardAgentError,
    agentUrl: agentUrl,
    setAgentUrl: function (url) { try { window.localStorage.setItem("kangen.cardAgent", url); } catch (e) { /* ignore */ } },
    list: function () { return call("GET", "v1/cards/"); },
    certificate: function (id) { return call("GET", "v1/cards/" + encodeURIComponent(id) + "/certificate"); },
    pinStatus: function (id) { return call("GET", "v1/cards/" + encodeURIComponent(id) + "/pin-status"); },
    // Signs the UTF-8 bytes of a text (a challenge or an application statement): the agent hashes them (SHA-256).
    signText: function (id, pin, text) {
      return call("POST", "v1/cards/" + encodeURIComponent(id) + "/sign", { pin: pin, challenge: bytesToBase64(new TextEncoder().encode(text)) });
    },
    // Signs a text with the card's signing key (a child's age proof): the signing password, never the PIN.
    signTextWithSigningKey: function (id, password, text) {
      return call("POST", "v1/cards/" + encodeURIComponent(id) + "/signing/sign", { password: password, challenge: bytesToBase64(new TextEncoder().encode(text)) });
    },
    // The page's language: ja, zh or en.
    lang: function () { return (document.documentElement.lang || "ja").slice(0, 2); },
    // The agent's message for the page's language, or null.
    message: function (error) {
      if (!error || !error.messages) return null;
      return error.messages[KangenCard.lang()] || error.messages.ja || null;
    },
  };
  window.KangenCard = KangenCard;
})();

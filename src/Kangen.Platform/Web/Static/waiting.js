// The waiting page keeps itself current. Every few seconds (the server says how often, in data-waiting-refresh) it
// asks for its own page again and swaps in the parts that changed (data-waiting-part), so that the reader keeps
// their place and a screen reader announces only the live part, and only when it changed. When the server answers
// with a redirect (the person is admitted) or the state changed (a window opened), the page reloads, which follows it.
// Without scripts, a <noscript> meta refresh in the page does the same by reloading.
(function () {
  'use strict';
  var root = document.querySelector('[data-waiting-refresh]');
  if (!root || !window.fetch || !window.DOMParser) return;

  function seconds(element) {
    var s = parseInt(element.getAttribute('data-waiting-refresh'), 10);
    return s >= 2 ? s : 5;
  }

  function schedule(s) {
    window.setTimeout(poll, s * 1000);
  }

  function swap(next) {
    if (next.getAttribute('data-state') !== root.getAttribute('data-state')) return false;
    var parts = root.querySelectorAll('[data-waiting-part]');
    for (var i = 0; i < parts.length; i++) {
      var name = parts[i].getAttribute('data-waiting-part');
      var fresh = next.querySelector('[data-waiting-part="' + name + '"]');
      if (!fresh) return false;
      // An unchanged live region is left alone: rewriting it would be read out again.
      if (parts[i].innerHTML !== fresh.innerHTML) parts[i].innerHTML = fresh.innerHTML;
    }
    root.setAttribute('data-waiting-refresh', next.getAttribute('data-waiting-refresh'));
    return true;
  }

  function poll() {
    if (document.hidden) {
      // A hidden tab still keeps its place (the ticket is in the cookie); it looks again when shown.
      document.addEventListener('visibilitychange', function shown() {
        if (document.hidden) return;
        document.removeEventListener('visibilitychange', shown);
        poll();
      });
      return;
    }
    fetch(window.location.href, { credentials: 'same-origin', redirect: 'manual', headers: { Accept: 'text/html' } })
      .then(function (response) {
        if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
          window.location.reload();
          return undefined;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === undefined) {
          return; // reloading: no further poll
        }
        if (html === null) {
          schedule(10);
          return;
        }
        var next = new DOMParser().parseFromString(html, 'text/html').querySelector('[data-waiting-refresh]');
        if (!next || !swap(next)) {
          window.location.reload();
          return;
        }
        schedule(seconds(root));
      })
      .catch(function () {
        // The network or the server hiccuped: try again a little later; the place is not lost.
        schedule(10);
      });
  }

  schedule(seconds(root));
})();

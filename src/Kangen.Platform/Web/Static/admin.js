// Administrator's pages: the dashboard reloads itself (figures are read on the server at each request).
// An element with data-admin-refresh="<seconds>" asks for it; a reload is skipped while the reader has a
// details element open or the page is hidden, so reading the tables is never interrupted.
(function () {
  'use strict';
  var marker = document.querySelector('[data-admin-refresh]');
  if (!marker) return;
  var seconds = parseInt(marker.getAttribute('data-admin-refresh'), 10);
  if (!(seconds >= 5)) return;
  window.setInterval(function () {
    if (document.hidden) return;
    if (document.querySelector('.chart details[open]')) return;
    window.location.reload();
  }, seconds * 1000);
})();

// The dashboard's script (src/control/ui.rs renders the page). It only makes the
// server-rendered page live: it polls /_emulator/ui/live, swaps the sections that changed
// (keeping open <details>, focus and the filter), runs the control buttons, and keeps the
// control token, when the emulator has one, in sessionStorage (this tab only).
(function () {
  'use strict';

  var BASE = '/_emulator';
  var TOKEN_KEY = 'fgs-emulator.control-token';
  var POLL_MS = 2000;
  var body = document.body;
  var statusLine = document.getElementById('live-status');
  var tokenRequired = body.dataset.tokenRequired === 'true';
  var shown = {}; // section id -> digest of the HTML on the page
  var allItems = null; // [li, its ul] of every function, before filtering
  var userOpen = {}; // details data-key -> open, where the user changed the default
  var filterText = '';
  var busy = false;
  var again = false; // a refresh was asked for while one was running
  var timer = null;
  var updates = 0;

  function token() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
  }
  function headers() {
    var t = token();
    return t ? { Authorization: 'Bearer ' + t } : {};
  }
  function say(text) { statusLine.textContent = text; }

  // ---- live updates ----------------------------------------------------------------

  function keyOf(el) {
    var d = el && el.closest ? el.closest('details[data-key]') : null;
    return d ? d.dataset.key : null;
  }

  // live: {digests: {id: digest}, sections: {id: "<section id=...>...</section>"}}. A
  // section whose digest is the one on the page is skipped without being parsed.
  function swap(live) {
    var changed = 0;
    Object.keys(live.sections).forEach(function (id) {
      var html = live.sections[id];
      var current = document.getElementById(id);
      if (!current || shown[id] === live.digests[id]) return;
      shown[id] = live.digests[id];
      var template = document.createElement('template');
      template.innerHTML = html;
      var fresh = template.content.querySelector('section[data-live]');
      if (!fresh || fresh.id !== id) return;
      var active = document.activeElement;
      var inside = current.contains(active);
      var focusKey = inside ? keyOf(active) : null;
      var focusId = inside && active.id ? active.id : null;
      fresh.querySelectorAll('details[data-key]').forEach(function (d) {
        if (Object.prototype.hasOwnProperty.call(userOpen, d.dataset.key)) d.open = userOpen[d.dataset.key];
      });
      current.replaceWith(fresh);
      if (id === 'functions') allItems = null;
      addFilter(); // before focus comes back: the filter may be what had it
      if (focusId && document.getElementById(focusId)) {
        var field = document.getElementById(focusId);
        field.focus();
        if (field.setSelectionRange && field.value) field.setSelectionRange(field.value.length, field.value.length);
      } else if (focusKey) {
        var summary = fresh.querySelector('details[data-key="' + CSS.escape(focusKey) + '"] > summary');
        if (summary) summary.focus();
      }
      changed++;
    });
    applyFilter();
    return changed;
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(refresh, ms);
  }

  function refresh() {
    if (busy) { again = true; return Promise.resolve(); }
    if (document.hidden) { schedule(POLL_MS); return Promise.resolve(); }
    if (tokenRequired && !token()) { say('This emulator has a control token: enter it to see its state.'); return Promise.resolve(); }
    busy = true;
    var started = performance.now();
    return fetch(BASE + '/ui/live', { headers: headers(), cache: 'no-store' })
      .then(function (r) {
        if (r.status === 401) {
          say('The control token was refused: enter the one in control.token.');
          return null;
        }
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      })
      .then(function (live) {
        if (live === null) return;
        var changed = swap(live);
        updates++;
        body.dataset.updates = String(updates);
        var took = performance.now() - started;
        body.dataset.lastUpdateMs = took.toFixed(1);
        say('Live: updated ' + new Date().toLocaleTimeString() + (changed ? '' : ' (no change)') + '.');
        // A big state costs more to render: leave the page idle at least 3/4 of the time.
        schedule(Math.max(POLL_MS, 3 * took));
      })
      .catch(function (e) {
        say('The emulator did not answer (' + e.message + '); retrying.');
        schedule(POLL_MS * 2);
      })
      .finally(function () {
        busy = false;
        // A button's change may have landed after this poll's answer: look again now.
        if (again) { again = false; refresh(); }
      });
  }

  // ---- the functions filter (added by the script: without it there is nothing to filter) ----

  function addFilter() {
    var section = document.getElementById('functions');
    if (!section || document.getElementById('filter') || !section.querySelector('li.function')) return;
    var p = document.createElement('p');
    p.className = 'filter';
    p.innerHTML = '<label for="filter">Filter functions by name</label> <input id="filter" type="search" autocomplete="off"> <span id="filter-count" aria-live="polite"></span>';
    section.querySelector('h2').after(p);
    var input = p.querySelector('input');
    input.value = filterText;
    input.addEventListener('input', function () { filterText = input.value; applyFilter(); });
  }

  // Non-matching functions are taken out of the list rather than hidden: in Chromium,
  // hiding a closed <details> costs milliseconds each (seconds for 1,000), detaching it
  // does not.
  function applyFilter() {
    if (!allItems) {
      allItems = [];
      document.querySelectorAll('#functions li.function').forEach(function (li) { allItems.push([li, li.parentElement]); });
    }
    var needle = filterText.trim().toLowerCase();
    var lists = new Map();
    var shownCount = 0;
    allItems.forEach(function (pair) {
      if (!lists.has(pair[1])) lists.set(pair[1], []);
      if (!needle || pair[0].dataset.name.toLowerCase().indexOf(needle) !== -1) {
        lists.get(pair[1]).push(pair[0]);
        shownCount++;
      }
    });
    lists.forEach(function (items, ul) {
      if (ul.children.length === items.length && items.every(function (li, i) { return ul.children[i] === li; })) return;
      ul.replaceChildren.apply(ul, items);
      var pkg = ul.closest('.package');
      if (pkg) pkg.hidden = items.length === 0;
    });
    var count = document.getElementById('filter-count');
    if (count) count.textContent = needle ? shownCount + ' of ' + allItems.length + ' shown' : '';
  }

  // ---- buttons and the token form ----------------------------------------------------

  // Toggle events also fire for details inserted open, after the swap: only a state that
  // differs from the section's default (open when there are few functions) is remembered.
  document.addEventListener('toggle', function (e) {
    var d = e.target;
    if (!d.matches || !d.matches('details[data-key]')) return;
    var section = d.closest('section');
    var byDefault = !!section && section.dataset.openDefault === 'true';
    if (d.open === byDefault) delete userOpen[d.dataset.key];
    else userOpen[d.dataset.key] = d.open;
  }, true);

  document.querySelectorAll('.actions button[data-path]').forEach(function (b) {
    b.addEventListener('click', function () {
      if (b.dataset.confirm && !window.confirm(b.dataset.confirm)) return;
      b.disabled = true;
      fetch(b.dataset.path, { method: b.dataset.method, headers: headers() })
        .then(function (r) {
          if (r.ok) { say(b.dataset.done); return; }
          return r.json().then(function (e) { say(b.textContent + ' failed: ' + r.status + ' ' + e.error_code + ' ' + e.error_msg); },
            function () { say(b.textContent + ' failed: HTTP ' + r.status); });
        })
        .catch(function (e) { say(b.textContent + ' failed: ' + e.message); })
        .finally(function () {
          b.disabled = false;
          b.focus();
          refresh(); // the digests tell which sections the change touched
        });
    });
  });

  var form = document.getElementById('token-form');
  if (form) {
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var input = document.getElementById('token');
      try { sessionStorage.setItem(TOKEN_KEY, input.value.trim()); } catch (err) { /* private mode */ }
      input.value = '';
      shown = {};
      refresh();
    });
    document.getElementById('forget-token').addEventListener('click', function () {
      try { sessionStorage.removeItem(TOKEN_KEY); } catch (err) { /* private mode */ }
      // The page as served with a token set carries no state: reloading clears it.
      location.reload();
    });
  }

  document.addEventListener('visibilitychange', function () { if (!document.hidden) refresh(); });

  // The page says which sections it was served with: only changes are swapped in.
  try { shown = JSON.parse(document.getElementById('live').dataset.digests || '{}'); } catch (e) { shown = {}; }
  addFilter();
  window.fgsDashboard = { refresh: function () { shown = {}; return refresh(); } };
  refresh();
}());

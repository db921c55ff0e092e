/**
 * The console's one script: plain ES2017 for any current browser, no
 * framework. Every value from the API reaches the page through textContent
 * (never innerHTML), so a key or error message cannot inject markup.
 * Kept free of backticks so it can live in this string.
 */
export const CONSOLE_JS = String.raw`(function () {
  'use strict';

  var body = document.body;
  var PAGE = body.getAttribute('data-page');
  var main = document.getElementById('main');

  // ---- DOM ------------------------------------------------------------------

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) return;
        if (k === 'text') node.textContent = String(v);
        else if (k === 'class') node.className = v;
        else if (k === 'style') Object.keys(v).forEach(function (p) { node.style[p] = v[p]; });
        else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
        else if (k === 'value') node.value = v;
        else if (k === 'checked') node.checked = true;
        else node.setAttribute(k, v === true ? '' : String(v));
      });
    }
    append(node, Array.prototype.slice.call(arguments, 2));
    return node;
  }
  function append(node, kids) {
    kids.forEach(function (k) {
      if (k === null || k === undefined || k === false) return;
      if (Array.isArray(k)) append(node, k);
      else node.appendChild(typeof k === 'object' ? k : document.createTextNode(String(k)));
    });
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }
  function replace(node, kids) {
    return append(clear(node), Array.isArray(kids) ? kids : [kids]);
  }
  function render() {
    replace(main, Array.prototype.slice.call(arguments));
  }
  function show(node, on) {
    node.classList.toggle('hidden', !on);
  }

  // ---- API ------------------------------------------------------------------

  function ApiFailure(status, error) {
    this.status = status;
    this.code = error.code;
    this.message = error.message;
    this.field = error.field || null;
  }

  function toLogin() {
    location.href = '/login?next=' + encodeURIComponent(location.pathname);
  }

  function api(method, path, data) {
    var init = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (data !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(data);
    }
    return fetch(path, init).then(
      function (res) {
        if (res.status === 401 && PAGE !== 'login') {
          toLogin();
          throw new ApiFailure(401, { code: 'UNAUTHORIZED', message: 'Your session has ended: log in again.' });
        }
        if (res.status === 204) return null;
        return res.json().catch(function () { return null; }).then(function (json) {
          if (!res.ok) throw new ApiFailure(res.status, (json && json.error) || { code: 'HTTP_' + res.status, message: 'The server answered ' + res.status + '.' });
          return json;
        });
      },
      function () {
        throw new ApiFailure(0, { code: 'NETWORK', message: 'Cannot reach ferry serve. Is it still running?' });
      }
    );
  }

  function enc(s) {
    return encodeURIComponent(s);
  }

  // ---- formatting -------------------------------------------------------------

  var UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  function fmtBytes(n) {
    if (n === null || n === undefined || isNaN(n)) return '–';
    var i = 0;
    while (n >= 1024 && i < UNITS.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(Math.round(n)) : n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)) + ' ' + UNITS[i];
  }
  function fmtNum(n) {
    return Number(n || 0).toLocaleString('en-US');
  }
  function fmtEta(s) {
    if (s === null || s === undefined) return '–';
    s = Math.round(s);
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + (s % 60) + ' s';
    var h = Math.floor(m / 60);
    if (h < 48) return h + ' h ' + (m % 60) + ' min';
    return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
  }
  function fmtTime(v) {
    if (v === null || v === undefined) return '–';
    return new Date(v).toLocaleString();
  }
  function fmtClock(ms) {
    var d = new Date(ms);
    function two(x) { return (x < 10 ? '0' : '') + x; }
    return two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
  }
  function fmtDuration(ms) {
    return fmtEta(ms / 1000);
  }
  var STATE_LABELS = {
    created: 'Created', queued: 'Queued', listing: 'Listing', migrating: 'Migrating',
    paused: 'Paused', stopped: 'Stopped', succeeded: 'Succeeded', failed: 'Failed'
  };
  function badge(state) {
    return el('span', { class: 'badge ' + state, 'data-state': state, text: STATE_LABELS[state] || state });
  }
  var ACTIVE = { listing: true, migrating: true };
  var ENDED = { succeeded: true, failed: true, stopped: true };

  // ---- shared pieces ------------------------------------------------------------

  function flashBox() {
    return el('div', { id: 'flash', class: 'hidden', role: 'status' });
  }
  function flash(message, ok) {
    var box = document.getElementById('flash');
    if (!box) return;
    box.className = ok ? 'ok-box' : 'error-box';
    box.textContent = message;
    show(box, true);
    if (ok) setTimeout(function () { show(box, false); }, 4000);
  }
  function failWith(err) {
    flash(err && err.message ? err.message : String(err), false);
  }

  function pageHead(title, subtitle, actions) {
    return el('div', { class: 'page-head' },
      el('div', null, el('h1', { text: title }), subtitle ? el('p', { class: 'subtitle', text: subtitle }) : null),
      el('div', { class: 'actions' }, actions || []));
  }

  /** A labelled field; data-field names the API's error field so errors land next to it. */
  function field(name, label, forId, controls, hint) {
    return el('div', { class: 'field', 'data-field': name },
      label ? el('label', { for: forId, text: label }) : null,
      controls,
      hint ? el('span', { class: 'hint', text: hint }) : null);
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll('.field-error'), function (n) { n.parentNode.removeChild(n); });
    Array.prototype.forEach.call(form.querySelectorAll('.has-error'), function (n) { n.classList.remove('has-error'); });
    var box = form.querySelector('.form-error');
    if (box) show(box, false);
  }

  /** Shows an API error next to its field (or at the top of the form when no field matches). */
  function showFormError(form, err) {
    clearErrors(form);
    var message = err && err.message ? err.message : String(err);
    var name = err && err.field;
    if (name) {
      var prefix = name + ': ';
      if (message.indexOf(prefix) === 0) message = message.slice(prefix.length);
      var path = name.split('.');
      while (path.length) {
        var target = form.querySelector('[data-field="' + path.join('.') + '"]');
        if (target && target.offsetParent !== null) {
          target.classList.add('has-error');
          // Right under the input, above the field's hint.
          var hint = null;
          for (var i = 0; i < target.children.length; i++) if (target.children[i].classList.contains('hint')) hint = target.children[i];
          var error = el('div', { class: 'field-error', role: 'alert', text: message });
          target.insertBefore(error, hint);
          // Typing a correction takes the error away.
          target.addEventListener('input', function () {
            if (error.parentNode) error.parentNode.removeChild(error);
            target.classList.remove('has-error');
          }, { once: true });
          var input = target.querySelector('input, select, textarea');
          if (input) input.focus();
          return;
        }
        path.pop();
      }
      message = name + ': ' + message;
    }
    var box = form.querySelector('.form-error');
    box.textContent = message;
    show(box, true);
  }

  function val(form, id) {
    var n = form.querySelector('#' + id);
    return n ? n.value.trim() : '';
  }

  function progressOf(job) {
    var r = job.run;
    if (!r) return { pct: 0, label: job.state === 'queued' ? 'Waiting for the scheduler…' : 'Not run yet', cls: '' };
    var c = r.counts;
    var bytes = movedBytes(r);
    var pct = c.toCopyBytes > 0 ? bytes / c.toCopyBytes : c.toCopy > 0 ? (c.migrated + c.failed) / c.toCopy : r.listingDone ? 1 : 0;
    if (r.state === 'succeeded') pct = 1;
    var cls = r.state === 'succeeded' ? 'done' : c.failed > 0 ? 'bad' : '';
    if (ACTIVE[r.state] && !r.listingDone && c.toCopy === 0) cls += ' indeterminate';
    var label = fmtNum(c.migrated) + ' of ' + fmtNum(c.toCopy) + ' objects · ' + fmtBytes(bytes) + ' of ' + fmtBytes(c.toCopyBytes);
    if (c.skipped) label += ' · ' + fmtNum(c.skipped) + ' skipped';
    if (c.failed) label += ' · ' + fmtNum(c.failed) + ' failed';
    if (ACTIVE[r.state] && !r.listingDone) label += ' (still listing)';
    return { pct: Math.max(0, Math.min(1, pct)), label: label, cls: cls };
  }

  /** Bytes done: while a run goes on, also those of objects still in flight. */
  function movedBytes(r) {
    var c = r.counts;
    return ACTIVE[r.state] ? Math.max(c.migratedBytes, Math.min(r.bytesMoved || 0, c.toCopyBytes)) : c.migratedBytes;
  }

  function progressBar(job) {
    var p = progressOf(job);
    var pct = Math.round(p.pct * 100);
    return el('div', { class: 'progress' },
      el('div', { class: 'bar ' + p.cls, role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct, 'aria-label': 'Progress of ' + job.name },
        el('span', { style: { width: pct + '%' } })),
      el('div', { class: 'bar-label', text: pct + '% · ' + p.label }));
  }

  /** The buttons a job's state allows. */
  function jobActions(job, after, small) {
    var s = job.state;
    var running = job.running;
    var cls = small ? 'small' : '';
    var buttons = [];
    function act(label, path, kind, confirmText) {
      buttons.push(el('button', {
        type: 'button', class: cls + (kind ? ' ' + kind : ''), 'data-action': path,
        onclick: function (ev) {
          if (confirmText && !window.confirm(confirmText)) return;
          ev.target.disabled = true;
          var req = path === 'delete' ? api('DELETE', '/api/jobs/' + enc(job.name)) : api('POST', '/api/jobs/' + enc(job.name) + '/' + path);
          req.then(function () { after(path); }, function (err) { ev.target.disabled = false; failWith(err); });
        }
      }, label));
    }
    if (!running && (s === 'created' || ENDED[s])) act(s === 'created' ? 'Start' : 'Run again', 'start', 'primary');
    if (!running && (s === 'paused' || ACTIVE[s])) act('Resume', 'resume', 'primary');
    if (s === 'queued' || ACTIVE[s]) act('Pause', 'pause');
    if (s === 'queued' || ACTIVE[s] || s === 'paused' || job.nextRunAt) act('Stop', 'stop', '', 'Stop job "' + job.name + '"? The current run ends; the next start begins a new run.');
    if (!running && ENDED[s] && job.run && job.run.counts.failed > 0) act('Retry failed', 'retry');
    if (!small && !running) act('Delete', 'delete', 'danger', 'Delete job "' + job.name + '" and its history and reports? No data in any bucket is touched.');
    return buttons;
  }

  function events(path, event, onData) {
    if (!window.EventSource) return null;
    var source = new EventSource(path);
    source.addEventListener(event, function (e) {
      try { onData(JSON.parse(e.data)); } catch (bad) { void bad; /* a bad frame is skipped */ }
    });
    source.addEventListener('gone', function () { source.close(); flash('This job was deleted.', false); });
    return source;
  }

  // ---- login ------------------------------------------------------------------

  function loginPage() {
    var next = new URLSearchParams(location.search).get('next') || '/jobs';
    if (next.charAt(0) !== '/' || next.charAt(1) === '/' || next.charAt(1) === '\\') next = '/jobs';
    var form = el('form', { class: 'panel login-card', novalidate: true },
      el('h1', { text: 'Log in to Ferry' }),
      el('p', { class: 'muted', text: 'Migrate object storage between clouds: add a source and a destination, create a job, watch it run.' }),
      el('div', { class: 'error-box form-error hidden', role: 'alert' }),
      field('token', 'Access token', 'token',
        el('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'current-password', required: true, autofocus: true }),
        'ferry serve printed it when it first started (or use the one given with --token / FERRY_TOKEN). Lost it? Restart with ferry serve --new-token.'),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'primary', id: 'login-button' }, 'Log in')));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      clearErrors(form);
      var token = form.querySelector('#token').value;
      if (!token) return showFormError(form, { field: 'token', message: 'Enter the access token.' });
      api('POST', '/api/login', { token: token }).then(function () { location.href = next; }, function (err) {
        showFormError(form, err.status === 401 ? { field: 'token', message: 'This token is not valid.' } : err);
      });
    });
    render(form);
  }

  // ---- jobs list ----------------------------------------------------------------

  function jobsPage() {
    var tbody = el('tbody');
    var holder = el('div');
    var count = el('span', { class: 'muted' });
    render(
      pageHead('Migration jobs', 'Each job copies a source address to a destination, resumably, and reports every object.',
        [el('a', { class: 'button primary', href: '/jobs/new' }, 'New job')]),
      flashBox(),
      holder);

    function rows(jobs) {
      count.textContent = jobs.length === 1 ? '1 job' : jobs.length + ' jobs';
      replace(tbody, jobs.map(function (j) {
        var r = j.run;
        return el('tr', { 'data-job': j.name },
          el('td', null, el('a', { href: '/jobs/' + enc(j.name), text: j.name }), j.schedule ? el('div', { class: 'hint', text: scheduleText(j.schedule) }) : null),
          el('td', null, badge(j.state), j.running ? el('div', { class: 'hint', text: 'running' }) : null),
          el('td', { style: { width: '32%' } }, progressBar(j)),
          el('td', { class: 'num' }, r && ACTIVE[r.state] ? fmtBytes(r.rateBps) + '/s' : '–'),
          el('td', { class: 'num' }, r ? fmtEta(r.etaSeconds) : '–'),
          el('td', null, el('span', { class: 'mono', text: j.src }), ' → ', el('span', { class: 'mono', text: j.dst })),
          el('td', null, el('div', { class: 'row-actions' }, jobActions(j, load, true))));
      }));
    }

    function table(jobs) {
      if (jobs.length === 0) return emptyJobs();
      var t = el('div', { class: 'panel' },
        el('table', { id: 'jobs-table' },
          el('thead', null, el('tr', null, ['Name', 'State', 'Progress', 'Rate', 'ETA', 'Source → destination', ''].map(function (h, i) {
            return el('th', { class: i === 3 || i === 4 ? 'num' : null, text: h });
          }))),
          tbody),
        el('div', { class: 'hint' }, count));
      rows(jobs);
      return t;
    }

    function emptyJobs() {
      var box = el('div', { class: 'panel empty', id: 'jobs-empty' },
        el('p', { class: 'big', text: 'No migration jobs yet' }),
        el('p', { text: 'A job copies everything (or what changed) from a source address to a destination, and can be paused, resumed and retried.' }));
      api('GET', '/api/addresses').then(function (addresses) {
        if (addresses.length < 2) {
          append(box, [el('p', { text: 'Start by adding your source and destination addresses.' }), el('a', { class: 'button primary', href: '/addresses' }, 'Add addresses')]);
        } else {
          append(box, el('a', { class: 'button primary', href: '/jobs/new' }, 'Create your first job'));
        }
      }, failWith);
      return box;
    }

    var shown = -1;
    function load() {
      api('GET', '/api/jobs').then(function (jobs) {
        shown = jobs.length;
        replace(holder, table(jobs));
      }, failWith);
    }
    load();
    events('/api/events', 'jobs', function (data) {
      if ((data.jobs.length === 0) !== (shown === 0)) return load();
      shown = data.jobs.length;
      rows(data.jobs);
    });
  }

  function scheduleText(s) {
    if (!s) return 'once';
    if (s.cron) return 'cron ' + s.cron;
    return 'every ' + fmtDuration(s.every) + (s.times < 1000000 ? ', ' + s.times + ' runs' : '');
  }

  // ---- new job ----------------------------------------------------------------

  function locationPicker(name, label, addresses, hint) {
    var select = el('select', { id: name + '-address', name: name },
      el('option', { value: '' }, addresses.length ? 'Choose an address…' : 'No addresses yet: type a location below'),
      addresses.map(function (a) { return el('option', { value: a.name }, a.name + ' — ' + a.description); }),
      el('option', { value: '__other' }, 'Other: a local folder or NAME:prefix…'));
    var sub = el('input', { type: 'text', id: name + '-sub', placeholder: 'e.g. photos/2024/' });
    var other = el('input', { type: 'text', id: name + '-other', placeholder: '/data/export, ./folder or NAME:sub/prefix' });
    var subWrap = el('div', { class: 'sub' }, el('label', { for: name + '-sub', class: 'hint', text: 'Only under this sub-prefix (optional)' }), sub);
    var otherWrap = el('div', { class: 'sub hidden' }, el('label', { for: name + '-other', class: 'hint', text: 'Location' }), other);
    function sync() {
      show(subWrap, select.value !== '__other' && select.value !== '');
      show(otherWrap, select.value === '__other' || addresses.length === 0);
    }
    select.addEventListener('change', sync);
    sync();
    return {
      node: field(name, label, name + '-address', [select, subWrap, otherWrap], hint),
      value: function () {
        if (select.value === '__other' || (select.value === '' && addresses.length === 0)) return other.value.trim();
        if (!select.value) return '';
        return sub.value.trim() ? select.value + ':' + sub.value.trim() : select.value;
      }
    };
  }

  function throttleTable() {
    var tbody = el('tbody');
    var preview = el('div', { class: 'preview', id: 'bwlimit-preview' });
    function addRow(time, rate) {
      var idx = tbody.children.length + 1;
      var tr = el('tr', null,
        el('td', null, el('input', { type: 'time', class: 'tt-time', value: time, 'aria-label': 'From (time of day), row ' + idx, oninput: update })),
        el('td', null, el('input', { type: 'text', class: 'tt-rate', value: rate, placeholder: '100M or off', 'aria-label': 'Bandwidth, row ' + idx, oninput: update })),
        el('td', null, el('button', { type: 'button', class: 'small', onclick: function () { tbody.removeChild(tr); update(); } }, 'Remove')));
      tbody.appendChild(tr);
      update();
    }
    function text() {
      var parts = [];
      Array.prototype.forEach.call(tbody.children, function (tr) {
        var t = tr.querySelector('.tt-time').value;
        var r = tr.querySelector('.tt-rate').value.trim();
        if (t && r) parts.push(t + ',' + r);
      });
      return parts.join(' ');
    }
    function update() {
      var t = text();
      preview.textContent = t ? 'Bandwidth schedule: ' + t : 'No bandwidth limit.';
    }
    var node = el('div', null,
      el('table', { class: 'throttle-table' }, el('thead', null, el('tr', null, el('th', { text: 'From (time of day)' }), el('th', { text: 'Bandwidth (bytes/s)' }), el('th'))), tbody),
      el('div', { class: 'inline' }, el('button', { type: 'button', class: 'small shrink', id: 'add-throttle-row', onclick: function () { addRow(tbody.children.length ? '08:00' : '00:00', ''); } }, 'Add a time slot'), preview));
    update();
    return { node: node, text: text, addRow: addRow };
  }

  function newJobPage() {
    render(pageHead('New migration job', 'Copy a source address to a destination. Nothing is copied until you start the job.'), flashBox(), el('p', { class: 'loading', text: 'Loading addresses…' }));
    api('GET', '/api/addresses').then(function (addresses) { newJobForm(addresses); }, failWith);
  }

  function radio(name, value, label, checked, extra) {
    var id = name + '-' + value;
    return el('div', { class: 'choice' },
      el('input', { type: 'radio', name: name, id: id, value: value, checked: checked }),
      el('div', null, el('label', { for: id, text: label, style: { fontWeight: '400', marginBottom: '0' } }), extra || null));
  }

  function newJobForm(addresses) {
    var src = locationPicker('src', 'Source', addresses, 'Where the data is now.');
    var dst = locationPicker('dst', 'Destination', addresses, 'Where the data goes. Existing objects are compared first (see below).');
    var throttle = throttleTable();
    var modeEvery = el('div', { class: 'inline sub' },
      field('schedule.every', 'Every', 'every', el('input', { type: 'text', id: 'every', placeholder: '1h, 30m, 1d' })),
      field('schedule.times', 'Runs in all', 'times', el('input', { type: 'number', id: 'times', min: 1, placeholder: '3' })));
    var modeSince = el('div', { class: 'sub' }, field('copy.since', 'Modified since', 'since', el('input', { type: 'datetime-local', id: 'since', step: 1 }), 'Your local time.'));
    var modeCron = el('div', { class: 'sub' }, field('schedule.cron', 'Cron expression', 'cron', el('input', { type: 'text', id: 'cron', placeholder: '0 2 * * *' }), 'minute hour day month weekday, local time; each run copies what changed since the previous one.'));
    var form = el('form', { id: 'job-form', novalidate: true },
      el('div', { class: 'error-box form-error hidden', role: 'alert' }),
      el('div', { class: 'panel' },
        el('h2', { text: 'What to copy' }),
        field('name', 'Job name', 'name', el('input', { type: 'text', id: 'name', placeholder: 'e.g. photos-to-oss', autocomplete: 'off' }), 'Letters, digits, . _ - (up to 64).'),
        el('div', { class: 'grid2' }, src.node, dst.node),
        addresses.length < 2 ? el('p', { class: 'hint' }, 'Tip: ', el('a', { href: '/addresses', text: 'add addresses' }), ' for buckets; local folders can be typed directly.') : null),
      el('div', { class: 'panel' },
        el('h2', { text: 'Full or incremental' }),
        el('div', { class: 'field', 'data-field': 'schedule' },
          radio('mode', 'full', 'Full: copy everything once', true),
          radio('mode', 'every', 'Incremental: a full run now, then every interval only what changed', false, modeEvery),
          radio('mode', 'since', 'Only objects modified since a time', false, modeSince),
          radio('mode', 'cron', 'On a schedule (cron)', false, modeCron))),
      el('div', { class: 'panel' },
        el('h2', { text: 'Options' }),
        el('div', { class: 'grid2' },
          field('copy.overwrite', 'When the object already exists at the destination', 'overwrite',
            el('select', { id: 'overwrite' },
              el('option', { value: 'different' }, 'Replace it if it differs (size or checksum)'),
              el('option', { value: 'newer' }, 'Replace it if the source is newer'),
              el('option', { value: 'always' }, 'Always replace it'),
              el('option', { value: 'never' }, 'Never replace it'))),
          field('copy.concurrency', 'Objects copied at once', 'concurrency', el('input', { type: 'number', id: 'concurrency', min: 1, max: 4096, placeholder: '32' }))),
        el('div', { class: 'grid2' },
          field('copy.include', 'Include only keys matching', 'include', el('textarea', { id: 'include', placeholder: '*.jpg\nphotos/' }), 'One pattern per line: * within a folder, ** across folders, a trailing / for a folder.'),
          field('copy.exclude', 'Exclude keys matching', 'exclude', el('textarea', { id: 'exclude', placeholder: '*.tmp' }), 'Excludes win over includes.'))),
      el('div', { class: 'panel' },
        el('h2', { text: 'Throttle' }),
        field('throttle.bwlimit', 'Bandwidth by time of day', null, throttle.node, 'Each limit holds from its time until the next one, every day. Sizes like 10M (MiB/s); "off" for no limit.'),
        field('throttle.maxQps', 'Objects per second', 'maxqps', el('input', { type: 'text', id: 'maxqps', placeholder: 'no limit' }), 'A number, or a table like the bandwidth: 00:00,500 08:00,100')),
      el('div', { class: 'panel' },
        el('div', { class: 'choice' }, el('input', { type: 'checkbox', id: 'start-now' }), el('label', { for: 'start-now', text: 'Start the job right away', style: { fontWeight: '400' } })),
        el('div', { class: 'form-actions' },
          el('button', { type: 'submit', class: 'primary', id: 'create-job' }, 'Create job'),
          el('a', { href: '/jobs', class: 'button' }, 'Cancel'))));

    function mode() {
      var checked = form.querySelector('input[name=mode]:checked');
      return checked ? checked.value : 'full';
    }
    function syncMode() {
      show(modeEvery, mode() === 'every');
      show(modeSince, mode() === 'since');
      show(modeCron, mode() === 'cron');
    }
    Array.prototype.forEach.call(form.querySelectorAll('input[name=mode]'), function (r) { r.addEventListener('change', syncMode); });
    syncMode();

    function lines(id) {
      return val(form, id).split('\n').map(function (s) { return s.trim(); }).filter(Boolean);
    }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      clearErrors(form);
      var bodyJson = { name: val(form, 'name'), src: src.value(), dst: dst.value(), copy: { overwrite: val(form, 'overwrite') }, throttle: {} };
      if (!bodyJson.name) return showFormError(form, { field: 'name', message: 'Give the job a name.' });
      if (!bodyJson.src) return showFormError(form, { field: 'src', message: 'Choose where to copy from.' });
      if (!bodyJson.dst) return showFormError(form, { field: 'dst', message: 'Choose where to copy to.' });
      var m = mode();
      if (m === 'every') {
        if (!val(form, 'every')) return showFormError(form, { field: 'schedule.every', message: 'How often? e.g. 1h' });
        bodyJson.schedule = { every: val(form, 'every') };
        if (val(form, 'times')) bodyJson.schedule.times = Number(val(form, 'times'));
      } else if (m === 'since') {
        if (!val(form, 'since')) return showFormError(form, { field: 'copy.since', message: 'Pick a date and time.' });
        bodyJson.copy.since = new Date(val(form, 'since')).toISOString();
      } else if (m === 'cron') {
        bodyJson.schedule = { cron: val(form, 'cron') };
      }
      if (val(form, 'concurrency')) bodyJson.copy.concurrency = Number(val(form, 'concurrency'));
      if (lines('include').length) bodyJson.copy.include = lines('include');
      if (lines('exclude').length) bodyJson.copy.exclude = lines('exclude');
      if (throttle.text()) bodyJson.throttle.bwlimit = throttle.text();
      if (val(form, 'maxqps')) bodyJson.throttle.maxQps = val(form, 'maxqps');
      if (form.querySelector('#start-now').checked) bodyJson.start = true;
      var button = form.querySelector('#create-job');
      button.disabled = true;
      api('POST', '/api/jobs', bodyJson).then(function (job) {
        location.href = '/jobs/' + enc(job.name);
      }, function (err) {
        button.disabled = false;
        showFormError(form, err);
      });
    });

    render(pageHead('New migration job', 'Copy a source address to a destination. Nothing is copied until you start the job.'), flashBox(), form);
    form.querySelector('#name').focus();
  }

  // ---- one job ------------------------------------------------------------------

  function stat(key, label) {
    return el('div', { class: 'stat', 'data-stat': key }, el('div', { class: 'v', text: '–' }), el('div', { class: 'k', text: label }));
  }

  function setStat(root, key, value, bad) {
    var s = root.querySelector('[data-stat="' + key + '"]');
    if (!s) return;
    s.querySelector('.v').textContent = value;
    s.classList.toggle('bad', !!bad);
  }

  /** Bytes per second between consecutive cumulative samples, drawn on a canvas. */
  function drawChart(canvas, emptyNote, samples) {
    var points = [];
    for (var i = 1; i < samples.length; i++) {
      var dt = (samples[i].t - samples[i - 1].t) / 1000;
      if (dt <= 0) continue;
      points.push({ t: samples[i].t, v: Math.max(0, (samples[i].bytesMoved - samples[i - 1].bytesMoved) / dt) });
    }
    show(emptyNote, points.length === 0);
    var ratio = window.devicePixelRatio || 1;
    var w = canvas.clientWidth || 600;
    var h = canvas.clientHeight || 220;
    canvas.width = w * ratio;
    canvas.height = h * ratio;
    var g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    var left = 78, right = 12, top = 10, bottom = 26;
    var max = 1;
    points.forEach(function (p) { if (p.v > max) max = p.v; });
    max *= 1.15;
    g.font = '12px system-ui, sans-serif';
    g.fillStyle = '#616e7c';
    g.strokeStyle = '#e3e8ee';
    g.lineWidth = 1;
    for (var k = 0; k <= 4; k++) {
      var gridY = top + (h - top - bottom) * (1 - k / 4);
      g.beginPath(); g.moveTo(left, gridY); g.lineTo(w - right, gridY); g.stroke();
      if (points.length) g.fillText(fmtBytes(max * k / 4) + '/s', 4, gridY + 4);
    }
    if (points.length === 0) return;
    var t0 = samples[0].t, t1 = samples[samples.length - 1].t;
    if (t1 <= t0) t1 = t0 + 1000;
    function x(t) { return left + (w - left - right) * (t - t0) / (t1 - t0); }
    function y(v) { return top + (h - top - bottom) * (1 - v / max); }
    g.fillText(fmtClock(t0), left, h - 6);
    var endLabel = fmtClock(t1);
    g.fillText(endLabel, w - right - g.measureText(endLabel).width, h - 6);
    // Steps: each rate holds over the interval it was measured in.
    g.beginPath();
    g.moveTo(x(t0), y(0));
    var prevT = t0;
    points.forEach(function (p) { g.lineTo(x(prevT), y(p.v)); g.lineTo(x(p.t), y(p.v)); prevT = p.t; });
    g.lineTo(x(prevT), y(0));
    g.closePath();
    g.fillStyle = 'rgba(31, 111, 235, .15)';
    g.fill();
    g.beginPath();
    prevT = t0;
    points.forEach(function (p, idx) {
      if (idx === 0) g.moveTo(x(prevT), y(p.v)); else g.lineTo(x(prevT), y(p.v));
      g.lineTo(x(p.t), y(p.v));
      prevT = p.t;
    });
    g.strokeStyle = '#1f6feb';
    g.lineWidth = 2;
    g.stroke();
  }

  /** A run that is going on lists and copies at once: its job's state says which it does now. */
  function runState(run, j) {
    return ACTIVE[run.state] && j && j.run && j.run.number === run.number && ACTIVE[j.state] ? j.state : run.state;
  }

  function jobPage() {
    var name = body.getAttribute('data-job');
    var base = '/api/jobs/' + enc(name);
    var job = null;
    var samples = [];
    var chartRun = null;
    var failedOffset = 0;
    var PAGE_SIZE = 20;

    var head = el('div');
    var stats = el('div', { class: 'stats' },
      stat('migrated', 'Objects migrated'), stat('toCopy', 'Objects to copy'), stat('bytes', 'Bytes copied'), stat('skipped', 'Skipped (unchanged)'),
      stat('failed', 'Failed'), stat('rate', 'Rate'), stat('eta', 'Time left'), stat('listing', 'Listing'));
    var bar = el('div');
    var runLine = el('p', { class: 'muted', id: 'run-line' });
    var canvas = el('canvas', { class: 'chart', id: 'throughput', 'aria-label': 'Throughput over time' });
    var chartEmpty = el('div', { class: 'chart-empty', text: 'No throughput yet: the chart fills in while the job runs.' });
    var chartNote = el('p', { class: 'hint', id: 'chart-note' });
    var failedBody = el('div', { id: 'failed' });
    var reports = el('div', { id: 'reports' });
    var details = el('div');
    var history = el('div');

    render(
      head,
      flashBox(),
      el('section', { class: 'panel', id: 'progress' }, el('h2', { text: 'Progress' }), runLine, stats, bar),
      el('section', { class: 'panel', id: 'chart' }, el('h2', { text: 'Throughput' }), el('div', { class: 'chart-wrap' }, canvas, chartEmpty), chartNote),
      el('section', { class: 'panel' }, el('h2', { text: 'Failed objects' }), failedBody),
      el('section', { class: 'panel' }, el('h2', { text: 'Reports' }), reports),
      el('section', { class: 'panel' }, el('h2', { text: 'Runs' }), history),
      el('section', { class: 'panel' }, el('h2', { text: 'Settings' }), details));

    function paintHead() {
      replace(head, pageHead(name, job.src + '  →  ' + job.dst, [badge(job.state)].concat(jobActions(job, afterAction))));
    }

    function afterAction(what) {
      if (what === 'delete') { location.href = '/jobs'; return; }
      flash({ start: 'Job queued: it starts within a second.', resume: 'Job queued to resume.', retry: 'Retry queued: only the failed objects are copied again.', pause: 'Pausing: objects in flight finish first.', stop: 'Stopping: the current run ends.' }[what] || 'Done.', true);
      load();
    }

    function paintProgress(s) {
      var r = s.run;
      var c = r ? r.counts : null;
      setStat(stats, 'migrated', c ? fmtNum(c.migrated) : '–');
      setStat(stats, 'toCopy', c ? fmtNum(c.toCopy) : '–');
      setStat(stats, 'bytes', c ? fmtBytes(movedBytes(r)) + ' of ' + fmtBytes(c.toCopyBytes) : '–');
      setStat(stats, 'skipped', c ? fmtNum(c.skipped) : '–');
      setStat(stats, 'failed', c ? fmtNum(c.failed) : '–', c && c.failed > 0);
      setStat(stats, 'rate', r && ACTIVE[r.state] ? fmtBytes(r.rateBps) + '/s · ' + Math.round(r.rateOps) + ' obj/s' : '–');
      setStat(stats, 'eta', r ? (r.state === 'succeeded' ? 'done' : fmtEta(r.etaSeconds)) : '–');
      setStat(stats, 'listing', r ? (r.listingDone ? 'finished' : ACTIVE[r.state] ? 'in progress' : 'not finished') : '–');
      replace(bar, progressBar(s));
      runLine.textContent = r
        ? 'Run ' + r.number + ' (' + r.kind + ') · ' + (STATE_LABELS[runState(r, s)] || r.state) + ' · started ' + fmtTime(r.startedAt) + (r.endedAt ? ' · ended ' + fmtTime(r.endedAt) : '') + (r.error ? ' · error: ' + r.error : '')
        : s.state === 'queued' ? 'Queued: ferry serve starts it within a second.' : 'This job has not run yet. Press Start to run it.';
    }

    function loadSamples() {
      if (!job.run) { samples = []; chartRun = null; return paintChart(); }
      chartRun = job.run.number;
      api('GET', base + '/runs/' + job.run.number + '/samples').then(function (list) { samples = list; paintChart(); }, failWith);
    }
    function paintChart() {
      drawChart(canvas, chartEmpty, samples);
      if (samples.length > 1) {
        var first = samples[0], last = samples[samples.length - 1];
        var secs = Math.max(1, (last.t - first.t) / 1000);
        chartNote.textContent = 'Average ' + fmtBytes((last.bytesMoved - first.bytesMoved) / secs) + '/s over ' + fmtEta(secs) + ' (run ' + chartRun + ').';
      } else chartNote.textContent = '';
    }

    function loadFailed() {
      if (!job.run) return replace(failedBody, el('p', { class: 'muted', text: 'No runs yet.' }));
      var run = job.run.number;
      api('GET', base + '/runs/' + run + '/report?kind=failed&offset=' + failedOffset + '&limit=' + PAGE_SIZE).then(function (page) {
        if (page.total === 0) {
          return replace(failedBody, el('div', { class: 'empty', id: 'failed-empty' }, el('p', { class: 'big', text: 'No failed objects' }), el('p', { text: ENDED[job.run.state] ? 'Every object of run ' + run + ' was migrated or skipped.' : 'Objects that fail after all retries are listed here.' })));
        }
        var canRetry = !job.running && ENDED[job.state];
        replace(failedBody, [
          el('div', { class: 'inline', style: { marginBottom: '.6rem' } },
            el('span', { text: fmtNum(page.total) + ' object(s) failed in run ' + run + '.' }),
            el('button', { type: 'button', class: 'primary shrink', id: 'retry-failed', disabled: !canRetry, title: canRetry ? 'Copy only the failed objects again' : 'Wait for the run to end',
              onclick: function () { api('POST', base + '/retry').then(function () { afterAction('retry'); }, failWith); } }, 'Retry failed objects')),
          el('table', { id: 'failed-table' },
            el('thead', null, el('tr', null, el('th', { text: 'Key' }), el('th', { class: 'num', text: 'Size' }), el('th', { text: 'Error' }), el('th', { class: 'num', text: 'Attempts' }))),
            el('tbody', null, page.rows.map(function (row) {
              return el('tr', null, el('td', { class: 'mono', text: row.key }), el('td', { class: 'num', text: fmtBytes(row.size) }), el('td', { text: row.error || '' }), el('td', { class: 'num', text: row.attempts }));
            }))),
          page.total > PAGE_SIZE ? el('div', { class: 'pager' },
            el('button', { type: 'button', class: 'small', disabled: failedOffset === 0, onclick: function () { failedOffset = Math.max(0, failedOffset - PAGE_SIZE); loadFailed(); } }, 'Previous'),
            el('span', { class: 'muted', text: (failedOffset + 1) + '–' + Math.min(page.total, failedOffset + PAGE_SIZE) + ' of ' + fmtNum(page.total) }),
            el('button', { type: 'button', class: 'small', disabled: failedOffset + PAGE_SIZE >= page.total, onclick: function () { failedOffset += PAGE_SIZE; loadFailed(); } }, 'Next')) : null
        ]);
      }, failWith);
    }

    function paintReports() {
      var runs = job.history || [];
      if (runs.length === 0) return replace(reports, el('p', { class: 'muted', text: 'Reports appear once the job has run.' }));
      var select = el('select', { id: 'report-run' }, runs.slice().reverse().map(function (h) {
        return el('option', { value: h.number }, 'Run ' + h.number + ' (' + h.kind + ', ' + (STATE_LABELS[runState(h, job)] || h.state) + ')');
      }));
      var links = el('div', { class: 'downloads' });
      var KINDS = [['failed', 'Failed list'], ['migrated', 'Migrated list'], ['skipped', 'Skipped list'], ['total', 'All objects']];
      function paintLinks() {
        var run = select.value;
        replace(links, KINDS.map(function (k) {
          return [
            el('a', { class: 'button small', href: base + '/runs/' + run + '/report/download?kind=' + k[0] + '&format=csv', download: name + '-run' + run + '-' + k[0] + '.csv', 'data-report': k[0] }, k[1] + ' (CSV)'),
            el('a', { class: 'button small', href: base + '/runs/' + run + '/report/download?kind=' + k[0] + '&format=jsonl', download: name + '-run' + run + '-' + k[0] + '.jsonl' }, 'JSONL')
          ];
        }));
      }
      select.addEventListener('change', paintLinks);
      paintLinks();
      replace(reports, [field('report-run', 'Run', 'report-run', select), links, el('p', { class: 'hint', text: 'Every object\'s outcome: key, size, checksums, times, error. A run still going lists what is done so far.' })]);
    }

    function paintDetails() {
      var sp = job.spec;
      var c = sp.copy;
      function row(k, v) { return [el('dt', { text: k }), el('dd', null, v)]; }
      var bw = el('input', { type: 'text', id: 'set-bwlimit', value: sp.throttle.bwlimit || '', placeholder: 'no limit' });
      var qps = el('input', { type: 'text', id: 'set-maxqps', value: sp.throttle.maxQps || '', placeholder: 'no limit' });
      var form = el('form', { id: 'throttle-form', novalidate: true },
        el('h3', { text: 'Throttle' }),
        el('div', { class: 'error-box form-error hidden', role: 'alert' }),
        el('div', { class: 'grid2' },
          field('bwlimit', 'Bandwidth', 'set-bwlimit', bw, 'e.g. 10M, or 00:00,100M 08:00,10M'),
          field('maxQps', 'Objects per second', 'set-maxqps', qps)),
        el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'small' }, 'Apply'), el('span', { class: 'hint', text: 'A running job applies it within a second.' })));
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        clearErrors(form);
        api('PUT', base + '/throttle', { bwlimit: bw.value.trim() || null, maxQps: qps.value.trim() || null }).then(function () { flash('Throttle changed.', true); load(); }, function (err) {
          if (err.field && err.field.indexOf('throttle.') === 0) err.field = err.field.slice(9);
          showFormError(form, err);
        });
      });
      replace(details, [
        el('dl', { class: 'kv' },
          row('Source', el('span', { class: 'mono', text: sp.src })),
          row('Destination', el('span', { class: 'mono', text: sp.dst })),
          row('Type', c.sinceMs ? 'objects modified since ' + fmtTime(c.sinceMs) : sp.schedule ? 'incremental, ' + scheduleText(sp.schedule) : 'full, once'),
          row('Existing objects', { different: 'replaced if different', newer: 'replaced if the source is newer', always: 'always replaced', never: 'never replaced' }[c.overwrite] || c.overwrite),
          row('Include', c.include.length ? c.include.join(', ') : 'everything'),
          row('Exclude', c.exclude.length ? c.exclude.join(', ') : 'nothing'),
          row('Concurrency', c.concurrency + ' objects, ' + c.attempts + ' attempts each'),
          job.nextRunAt ? row('Next run', fmtTime(job.nextRunAt)) : null,
          row('Created', fmtTime(job.createdAt))),
        form]);
    }

    function paintHistory() {
      var runs = job.history || [];
      if (runs.length === 0) return replace(history, el('p', { class: 'muted', text: 'No runs yet.' }));
      replace(history, el('table', null,
        el('thead', null, el('tr', null, ['Run', 'Kind', 'State', 'Started', 'Migrated', 'Skipped', 'Failed'].map(function (h, i) { return el('th', { class: i >= 4 ? 'num' : null, text: h }); }))),
        el('tbody', null, runs.slice().reverse().map(function (h) {
          return el('tr', null, el('td', { text: h.number }), el('td', { text: h.kind }), el('td', null, badge(runState(h, job))), el('td', { text: fmtTime(h.startedAt) }),
            el('td', { class: 'num', text: fmtNum(h.migrated) }), el('td', { class: 'num', text: fmtNum(h.skipped) }), el('td', { class: 'num', text: fmtNum(h.failed) }));
        }))));
    }

    function load() {
      return api('GET', base).then(function (j) {
        job = j;
        document.title = j.name + ' · Ferry';
        paintHead();
        paintProgress(j);
        paintDetails();
        paintHistory();
        paintReports();
        loadFailed();
        loadSamples();
      }, function (err) {
        if (err.status === 404) render(el('div', { class: 'panel empty' }, el('p', { class: 'big', text: 'No job named "' + name + '"' }), el('a', { class: 'button', href: '/jobs' }, 'Back to jobs')));
        else failWith(err);
      });
    }

    load().then(function () {
      events(base + '/events', 'progress', function (s) {
        if (!job) return;
        var changed = s.state !== job.state || s.running !== job.running || (s.run && (!job.run || s.run.number !== job.run.number || s.run.state !== job.run.state));
        job.state = s.state;
        job.running = s.running;
        paintProgress(s);
        if (changed) return load();
        if (s.run && s.run.number === chartRun && ACTIVE[s.run.state]) {
          var last = samples[samples.length - 1];
          if (!last || s.t - last.t >= 1000) {
            samples.push({ t: s.t, bytesMoved: s.run.bytesMoved, objects: s.run.counts.migrated });
            paintChart();
          }
        }
      });
    });
    window.addEventListener('resize', paintChart);
  }

  // ---- addresses ------------------------------------------------------------------

  function addressesPage() {
    var providers = JSON.parse(body.getAttribute('data-providers') || '[]');
    var listHolder = el('div');
    var formPanel = el('div', { class: 'panel hidden', id: 'address-panel' });

    render(
      pageHead('Data addresses', 'Named places data is copied from and to: buckets on any S3-compatible cloud, local folders, or lists of HTTP URLs.',
        [el('button', { type: 'button', class: 'primary', id: 'new-address', onclick: function () { openForm(null); } }, 'New address')]),
      flashBox(),
      formPanel,
      listHolder);

    function load() {
      api('GET', '/api/addresses').then(function (list) { replace(listHolder, table(list)); }, failWith);
    }

    function table(list) {
      if (list.length === 0) {
        return el('div', { class: 'panel empty', id: 'addresses-empty' },
          el('p', { class: 'big', text: 'No addresses yet' }),
          el('p', { text: 'Add the bucket or folder your data is in now, and the one it should go to. Secrets are stored encrypted and never shown again.' }),
          el('button', { type: 'button', class: 'primary', onclick: function () { openForm(null); } }, 'Add an address'));
      }
      return el('div', { class: 'panel' }, el('table', { id: 'addresses-table' },
        el('thead', null, el('tr', null, ['Name', 'Type', 'Where', 'Credentials', ''].map(function (h) { return el('th', { text: h }); }))),
        el('tbody', null, list.map(function (a) {
          var result = el('div', { class: 'test-result', 'data-test-result': a.name });
          return el('tr', { 'data-address': a.name },
            el('td', null, el('strong', { text: a.name })),
            el('td', { text: a.type === 's3' ? 'S3 · ' + a.provider : a.type }),
            el('td', { class: 'mono', text: a.description }),
            el('td', { text: credentialText(a) }),
            el('td', null,
              el('div', { class: 'row-actions' },
                el('button', { type: 'button', class: 'small', 'data-test': a.name, onclick: function (ev) { testAddress(a.name, ev.target, result); } }, 'Test connection'),
                el('button', { type: 'button', class: 'small', onclick: function () { openForm(a); } }, 'Edit'),
                el('button', { type: 'button', class: 'small danger', onclick: function () { removeAddress(a.name); } }, 'Delete')),
              result));
        }))));
    }

    function credentialText(a) {
      if (a.type !== 's3') return '–';
      if (a.secretKind === 'none') return 'anonymous';
      var who = a.accessKeyId ? 'key ' + a.accessKeyId + ', ' : '';
      return who + (a.secretKind === 'stored' ? 'secret stored encrypted' : a.secretKind === 'env' ? 'secret from $' + String(a.secret).slice(4) : 'AWS profile ' + String(a.secret).slice(8));
    }

    function testAddress(name, button, result) {
      button.disabled = true;
      result.className = 'test-result';
      result.textContent = 'Testing…';
      api('POST', '/api/addresses/' + enc(name) + '/test').then(function (r) {
        button.disabled = false;
        result.className = 'test-result ' + (r.ok ? 'ok' : 'bad');
        result.textContent = (r.ok ? '✓ ' : '✗ ') + r.message + ' (' + r.elapsedMs + ' ms)';
      }, function (err) {
        button.disabled = false;
        result.className = 'test-result bad';
        result.textContent = '✗ ' + err.message;
      });
    }

    function removeAddress(name) {
      if (!window.confirm('Delete address "' + name + '"? No data is touched; jobs using it must be deleted first.')) return;
      api('DELETE', '/api/addresses/' + enc(name)).then(function () { flash('Address "' + name + '" deleted.', true); load(); }, failWith);
    }

    function input(id, attrs) {
      var a = { type: 'text', id: id, autocomplete: 'off' };
      Object.keys(attrs || {}).forEach(function (k) { a[k] = attrs[k]; });
      return el('input', a);
    }

    function openForm(existing) {
      var e = existing || {};
      var s3 = el('div', { 'data-type': 's3' },
        el('div', { class: 'grid2' },
          field('provider', 'Provider', 'provider', el('select', { id: 'provider' },
            el('option', { value: '' }, 'Guess from the endpoint'),
            providers.map(function (p) { return el('option', { value: p.name }, p.title + ' (' + p.name + ')'); }))),
          field('endpoint', 'Endpoint URL', 'endpoint', input('endpoint', { type: 'url', placeholder: 'https://s3.us-east-1.amazonaws.com', value: e.endpoint }))),
        el('div', { class: 'grid2' },
          field('bucket', 'Bucket', 'bucket', input('bucket', { value: e.bucket })),
          field('prefix', 'Prefix (optional)', 's3-prefix', input('s3-prefix', { placeholder: 'e.g. backups/', value: e.prefix }), 'Only keys under this prefix; keys are copied relative to it.')),
        el('div', { class: 'grid2' },
          field('region', 'Region (optional)', 'region', input('region', { placeholder: 'us-east-1', value: e.region })),
          field('pathStyle', 'Addressing', 'path-style', el('select', { id: 'path-style' },
            el('option', { value: '' }, 'Provider default'),
            el('option', { value: 'true' }, 'Path-style (endpoint/bucket)'),
            el('option', { value: 'false' }, 'Virtual-hosted (bucket.endpoint)')))),
        el('fieldset', null, el('legend', { text: 'Credentials' }),
          el('div', { class: 'choice' },
            ['stored', 'env', 'profile', 'none'].map(function (k) {
              var labels = { stored: 'Access key and secret', env: 'Secret from an environment variable', profile: 'AWS profile', none: 'None (public bucket)' };
              return el('label', { class: 'choice', style: { marginRight: '1rem' } }, el('input', { type: 'radio', name: 'cred', value: k, checked: (e.secretKind || 'stored') === k }), labels[k]);
            })),
          el('div', { class: 'grid2' },
            field('accessKeyId', 'Access key ID', 'access-key-id', input('access-key-id', { placeholder: existing && e.accessKeyId ? 'unchanged (' + e.accessKeyId + ')' : '' })),
            field('secretAccessKey', 'Secret access key', 'secret-access-key', input('secret-access-key', { type: 'password', autocomplete: 'new-password', placeholder: existing && e.secretKind === 'stored' ? 'unchanged: leave empty to keep it' : '' }), 'Stored encrypted; never shown again.'),
            field('secretEnv', 'Environment variable', 'secret-env', input('secret-env', { placeholder: 'MY_SECRET_KEY', value: e.secretKind === 'env' ? String(e.secret).slice(4) : '' }), 'Read by ferry serve when a job runs.'),
            field('profile', 'Profile name', 'profile', input('profile', { value: e.secretKind === 'profile' ? String(e.secret).slice(8) : '' }), 'From ~/.aws/credentials of the user running ferry serve.'))));
      var local = el('div', { 'data-type': 'local' },
        el('div', { class: 'grid2' },
          field('path', 'Folder', 'path', input('path', { placeholder: '/data/export', value: e.path }), 'A folder on the machine running ferry serve.'),
          field('prefix', 'Prefix (optional)', 'local-prefix', input('local-prefix', { value: e.type === 'local' ? e.prefix : '' }))));
      var http = el('div', { 'data-type': 'http-list' },
        el('div', { class: 'grid2' },
          field('list', 'URL list file', 'list', input('list', { placeholder: '/data/urls.txt', value: e.list }), 'A file on the machine running ferry serve, one URL per line.'),
          field('prefix', 'Prefix (optional)', 'http-prefix', input('http-prefix', { value: e.type === 'http-list' ? e.prefix : '' }))));
      var form = el('form', { id: 'address-form', novalidate: true },
        el('h2', { text: existing ? 'Edit address "' + e.name + '"' : 'New address' }),
        el('div', { class: 'error-box form-error hidden', role: 'alert' }),
        el('div', { class: 'grid2' },
          field('name', 'Name', 'address-name', input('address-name', { placeholder: 'e.g. ceph-photos', value: e.name }), 'Used to pick it in jobs: letters, digits, . _ -'),
          field('type', 'Type', 'address-type', el('select', { id: 'address-type' },
            el('option', { value: 's3' }, 'S3-compatible bucket (AWS, OSS, COS, Kodo, OBS, Ceph, MinIO…)'),
            el('option', { value: 'local' }, 'Local folder'),
            el('option', { value: 'http-list' }, 'List of HTTP URLs')))),
        s3, local, http,
        el('div', { class: 'form-actions' },
          el('button', { type: 'submit', class: 'primary', id: 'save-address' }, existing ? 'Save changes' : 'Add address'),
          el('button', { type: 'button', onclick: function () { show(formPanel, false); } }, 'Cancel')));
      var typeSelect = form.querySelector('#address-type');
      typeSelect.value = e.type || 's3';
      form.querySelector('#provider').value = e.provider && existing ? e.provider : '';
      form.querySelector('#path-style').value = e.pathStyle === true ? 'true' : e.pathStyle === false ? 'false' : '';
      function cred() { var c = form.querySelector('input[name=cred]:checked'); return c ? c.value : 'stored'; }
      function sync() {
        [s3, local, http].forEach(function (g) { show(g, g.getAttribute('data-type') === typeSelect.value); });
        var c = cred();
        show(form.querySelector('[data-field=accessKeyId]'), c === 'stored' || c === 'env');
        show(form.querySelector('[data-field=secretAccessKey]'), c === 'stored');
        show(form.querySelector('[data-field=secretEnv]'), c === 'env');
        show(form.querySelector('[data-field=profile]'), c === 'profile');
      }
      typeSelect.addEventListener('change', sync);
      Array.prototype.forEach.call(form.querySelectorAll('input[name=cred]'), function (r) { r.addEventListener('change', sync); });
      sync();

      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        clearErrors(form);
        var type = typeSelect.value;
        var b = { name: val(form, 'address-name'), type: type };
        if (type === 's3') {
          b.provider = val(form, 'provider') || (existing ? null : undefined);
          b.endpoint = val(form, 'endpoint');
          b.bucket = val(form, 'bucket');
          b.prefix = val(form, 's3-prefix');
          b.region = val(form, 'region') || (existing ? null : undefined);
          var ps = val(form, 'path-style');
          b.pathStyle = ps === '' ? (existing ? null : undefined) : ps === 'true';
          var c = cred();
          var keyId = val(form, 'access-key-id');
          var secret = form.querySelector('#secret-access-key').value;
          if (c === 'none') { b.accessKeyId = existing ? null : undefined; if (existing) { b.secretAccessKey = null; b.secretEnv = null; b.profile = null; } }
          if (c === 'stored' || c === 'env') { if (keyId) b.accessKeyId = keyId; }
          if (c === 'stored' && secret) b.secretAccessKey = secret;
          if (c === 'env') b.secretEnv = val(form, 'secret-env');
          if (c === 'profile') b.profile = val(form, 'profile');
          if (!existing) {
            if ((c === 'stored' || c === 'env') && !keyId) return showFormError(form, { field: 'accessKeyId', message: 'Enter the access key ID.' });
            if (c === 'stored' && !secret) return showFormError(form, { field: 'secretAccessKey', message: 'Enter the secret access key.' });
          }
        } else if (type === 'local') {
          b.path = val(form, 'path');
          b.prefix = val(form, 'local-prefix');
        } else {
          b.list = val(form, 'list');
          b.prefix = val(form, 'http-prefix');
        }
        var button = form.querySelector('#save-address');
        button.disabled = true;
        var req = existing ? api('PATCH', '/api/addresses/' + enc(existing.name), b) : api('POST', '/api/addresses', b);
        req.then(function (saved) {
          show(formPanel, false);
          flash((existing ? 'Saved address "' : 'Added address "') + saved.name + '". Use Test connection to check it.', true);
          load();
        }, function (err) {
          button.disabled = false;
          showFormError(form, err);
        });
      });
      replace(formPanel, form);
      show(formPanel, true);
      form.querySelector('#address-name').focus();
    }

    load();
  }

  // ---- start ------------------------------------------------------------------------

  var logout = document.getElementById('logout');
  if (logout) {
    logout.addEventListener('click', function () {
      api('POST', '/api/logout').then(function () { location.href = '/login'; }, function () { location.href = '/login'; });
    });
  }
  var PAGES = { login: loginPage, jobs: jobsPage, 'new-job': newJobPage, job: jobPage, addresses: addressesPage };
  (PAGES[PAGE] || jobsPage)();
})();
`;

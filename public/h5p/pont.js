/*
 * Runs inside the sandboxed activity document. Starts the H5P player, then passes each xAPI
 * statement and the document's height to the module page, which checks and records them.
 * This document has no access to the learner's session: it can only send messages.
 */
(function () {
  'use strict';
  // H5P core reads window.localStorage, which a sandboxed document (opaque origin) may not use:
  // give it a storage that lives as long as this document, so nothing is kept on the device.
  var memoryStorage = function () {
    var items = {};
    return {
      getItem: function (key) { return Object.prototype.hasOwnProperty.call(items, key) ? items[key] : null; },
      setItem: function (key, value) { items[key] = String(value); },
      removeItem: function (key) { delete items[key]; },
      clear: function () { items = {}; },
      key: function (index) { return Object.keys(items)[index] || null; },
      get length() { return Object.keys(items).length; },
    };
  };
  ['localStorage', 'sessionStorage'].forEach(function (name) {
    try {
      void window[name];
    } catch (blocked) {
      Object.defineProperty(window, name, { value: memoryStorage(), configurable: true });
    }
  });
  var container = document.getElementById('h5p-container');
  var id = container.getAttribute('data-activity');
  var base = '/h5p/contenus/' + id;
  var send = function (message) {
    window.parent.postMessage(message, '*');
  };
  var reportHeight = function () {
    send({ type: 'esper-resize', height: Math.ceil(document.documentElement.scrollHeight) });
  };
  new H5PStandalone.H5P(container, {
    h5pJsonPath: base,
    librariesPath: base,
    frameJs: '/h5p/standalone/frame.bundle.js',
    frameCss: '/h5p/standalone/styles/h5p.css',
    frame: false,
    copyright: false,
    icon: false,
    export: false,
    embed: false,
    fullScreen: false,
    // This document is already the isolating frame: the content renders straight into it.
    embedType: 'div',
  })
    .then(function () {
      H5P.externalDispatcher.on('xAPI', function (event) {
        send({ type: 'esper-xapi', statement: event.data.statement });
      });
      send({ type: 'esper-ready' });
      reportHeight();
    })
    .catch(function (error) {
      container.textContent = 'Cette activité n’a pas pu se charger.';
      console.error('H5P activity failed to load:', error);
      send({ type: 'esper-error', message: String(error && error.message ? error.message : error) });
    });
  if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(document.body);
  window.addEventListener('load', reportHeight);
})();

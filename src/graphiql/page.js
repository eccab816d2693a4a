// The GraphiQL page of csc. Its settings come from the JSON block in the
// page (the Content-Security-Policy runs no inline script). It opens the
// Headers pane with an Authorization header ready, sends no Authorization
// while that still reads "Bearer …", and under `csc serve --dev` adds a
// "Sign in as" choice that fills the header with a token the server mints.
// It shows the day the server takes as today when that is not the real one.
(function () {
  'use strict';
  var h = React.createElement;
  var settings = JSON.parse(document.getElementById('csc-graphiql-settings').textContent);

  function absolute(path, websocket) {
    var url = new URL(path, window.location.origin);
    if (websocket) {
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    }
    return url.toString();
  }

  // "Bearer", "Bearer …" or "Bearer ...": no token yet, so none is sent.
  var PLACEHOLDER = /^\s*Bearer\s*(…|\.\.\.)?\s*$/i;

  function withoutPlaceholder(headers) {
    var kept = {};
    Object.keys(headers || {}).forEach(function (name) {
      var value = headers[name];
      if (name.toLowerCase() === 'authorization' && PLACEHOLDER.test(String(value))) {
        return;
      }
      kept[name] = value;
    });
    return kept;
  }

  var baseFetcher = GraphiQL.createFetcher({
    url: absolute(settings.endpoint, false),
    subscriptionUrl: absolute(settings.subscriptionEndpoint, true),
  });

  function fetcher(params, options) {
    var opts = Object.assign({}, options);
    opts.headers = withoutPlaceholder(opts.headers);
    return baseFetcher(params, opts);
  }

  function headersFor(token) {
    return JSON.stringify({ Authorization: 'Bearer ' + token }, null, 2);
  }

  // serve --dev: "Sign in as" fills the active tab's headers.
  function SignIn() {
    var editor = GraphiQL.React.useHeadersEditorState();
    var setHeaders = editor[1];
    var loaded = React.useState(null);
    var identities = loaded[0];
    var setIdentities = loaded[1];
    var picked = React.useState('');
    var choice = picked[0];
    var setChoice = picked[1];
    React.useEffect(function () {
      fetch(settings.signIn, { headers: { Accept: 'application/json' } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(setIdentities, function () { setIdentities([]); });
    }, []);
    function pick(event) {
      var role = event.target.value;
      setChoice(role);
      if (role === 'anonymous') {
        setHeaders(settings.defaultHeaders);
        return;
      }
      var identity = (identities || []).find(function (i) { return i.key === role; });
      if (identity) setHeaders(headersFor(identity.token));
    }
    var options = [
      h('option', { key: '', value: '', disabled: true }, identities === null ? 'loading…' : 'choose…'),
      h('option', { key: 'anonymous', value: 'anonymous' }, 'anonymous (no token)'),
    ].concat((identities || []).map(function (i) {
      return h('option', { key: i.key, value: i.key }, i.label);
    }));
    return h('label', { className: 'csc-sign-in' },
      h('span', null, 'Sign in as'),
      h('select', { value: choice, onChange: pick, 'aria-label': 'Sign in as' }, options));
  }

  // The day the server takes as today, when it is not the real date:
  // "Demo data as of …" under `serve --dev` on demo data.
  function Brand() {
    return h('div', { className: 'csc-brand' },
      h('span', { className: 'csc-title' }, '臨床研究医コース API'),
      settings.today ? h('span', { className: 'csc-today' }, settings.today) : null,
      settings.signIn ? h(SignIn) : null);
  }

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    h(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: settings.defaultTabs,
      defaultHeaders: settings.defaultHeaders,
      defaultEditorToolsVisibility: 'headers',
    }, h(GraphiQL.Logo, null, h(Brand)))
  );
})();

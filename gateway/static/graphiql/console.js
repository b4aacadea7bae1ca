// The development console: GraphiQL from the assets beside this file (nothing from another host), an
// Authorization header set from the bar above it, and the demo users' tokens one click away.
(function () {
  "use strict";
  var endpoint = "/graphql";
  var logins = JSON.parse(document.getElementById("demo-logins").textContent || "[]");
  var storageKey = "graphiql:headers";

  function fetcher(params, options) {
    var headers = Object.assign(
      { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
      (options && options.headers) || {}
    );
    return fetch(endpoint, { method: "POST", headers: headers, body: JSON.stringify(params) }).then(function (response) {
      return response.text().then(function (text) {
        try {
          return JSON.parse(text);
        } catch (error) {
          return { errors: [{ message: "HTTP " + response.status + ": " + text }] };
        }
      });
    });
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  var generation = 0;

  function render(headers) {
    generation += 1; // a new key mounts a new editor, so the header editor shows `headers`
    root.render(
      React.createElement(GraphiQL, {
        key: generation,
        fetcher: fetcher,
        headers: headers,
        shouldPersistHeaders: true,
        defaultEditorToolsVisibility: "headers",
      })
    );
  }

  function useToken(token) {
    var headers = token ? JSON.stringify({ Authorization: "Bearer " + token }, null, 2) : "{}";
    window.localStorage.setItem(storageKey, headers);
    document.getElementById("token").value = token || "";
    render(headers);
  }

  document.getElementById("use-token").addEventListener("click", function () {
    useToken(document.getElementById("token").value.trim().replace(/^Bearer\s+/i, ""));
  });
  document.getElementById("no-token").addEventListener("click", function () {
    useToken("");
  });
  var buttons = document.getElementById("demo-buttons");
  document.getElementById("demo-logins-title").textContent = logins.length
    ? "Demo users:"
    : "No demo users (start the server with `channelgraph serve --demo`).";
  logins.forEach(function (login) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = login.tenant + " · " + login.roles.join(",");
    button.title = login.email + " (" + login.audience + ")";
    button.addEventListener("click", function () {
      useToken(login.token);
    });
    buttons.appendChild(button);
  });

  render(window.localStorage.getItem(storageKey) || '{\n  "Authorization": "Bearer "\n}');
})();
